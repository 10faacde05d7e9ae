//! Model folder and output route. Edits go into the shared [`VideoChoice`] the plugin state
//! saves; the engine thread picks them up between frames and the status shows the outcome.

use std::path::PathBuf;

use egui::{ComboBox, RichText, TextEdit, Ui};
use synesthete_engine::live::choice::validate_sender_name;
use synesthete_engine::live::{SharedVideoChoice, VideoChoice};
use synesthete_engine::output::{DEFAULT_SENDER_NAME, DEFAULT_STREAM_PORT, OutputRoute};

use super::theme;

/// What the user is typing, before it is applied.
#[derive(Default)]
pub struct VideoPanel {
    model_dir: String,
    sender_name: String,
    port: String,
    /// The choice revision the fields were filled from; a restored state refills them.
    filled_from: Option<u64>,
    error: Option<String>,
}

/// The kinds of route offered here: a sender name is typed separately.
#[derive(Clone, Copy, PartialEq)]
enum RouteKind {
    Off,
    Stream,
    Syphon,
    Spout,
}

impl RouteKind {
    fn of(route: &OutputRoute) -> Self {
        match route {
            OutputRoute::Off | OutputRoute::Files { .. } => Self::Off,
            OutputRoute::Stream { .. } => Self::Stream,
            OutputRoute::Syphon { .. } => Self::Syphon,
            OutputRoute::Spout { .. } => Self::Spout,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Off => "Off (preview only)",
            Self::Stream => "Network stream (raw RGBA over TCP)",
            Self::Syphon => "Syphon (macOS)",
            Self::Spout => "Spout (Windows)",
        }
    }

    /// What this platform can send to; the network stream works everywhere.
    fn offered() -> &'static [RouteKind] {
        if cfg!(target_os = "macos") {
            &[Self::Syphon, Self::Stream, Self::Off]
        } else if cfg!(target_os = "windows") {
            &[Self::Spout, Self::Stream, Self::Off]
        } else {
            &[Self::Stream, Self::Off]
        }
    }
}

impl VideoPanel {
    pub fn show(&mut self, ui: &mut Ui, shared: &SharedVideoChoice) {
        let current = shared.get();
        if self.filled_from != Some(shared.revision()) {
            self.fill(&current);
            self.filled_from = Some(shared.revision());
        }

        ui.horizontal(|ui| {
            ui.label(RichText::new("Model folder").color(theme::DIM_TEXT));
            ui.add(
                TextEdit::singleline(&mut self.model_dir)
                    .hint_text("bundled default")
                    .desired_width(ui.available_width() - 150.0),
            );
            if ui.button("Load").clicked() {
                let dir = self.model_dir.trim();
                let model_dir = (!dir.is_empty()).then(|| PathBuf::from(dir));
                self.apply(shared, |c| c.model_dir = model_dir);
            }
            if ui.button("Default").clicked() {
                self.model_dir.clear();
                self.apply(shared, |c| c.model_dir = None);
            }
        });

        ui.horizontal(|ui| {
            ui.label(RichText::new("Output").color(theme::DIM_TEXT));
            let kind = RouteKind::of(&current.route);
            let mut chosen = kind;
            ComboBox::from_id_salt("route")
                .selected_text(kind.label())
                .width(270.0)
                .show_ui(ui, |ui| {
                    for option in RouteKind::offered() {
                        ui.selectable_value(&mut chosen, *option, option.label());
                    }
                });
            match chosen {
                RouteKind::Stream => {
                    ui.label("port");
                    ui.add(TextEdit::singleline(&mut self.port).desired_width(56.0));
                }
                RouteKind::Syphon | RouteKind::Spout => {
                    ui.label("sender");
                    ui.add(TextEdit::singleline(&mut self.sender_name).desired_width(140.0));
                }
                RouteKind::Off => {}
            }
            let apply = ui.button("Apply").clicked();
            if apply || chosen != kind {
                match self.route(chosen) {
                    Ok(route) => self.apply(shared, |c| c.route = route),
                    Err(error) => self.error = Some(error),
                }
            }
        });
        if let Some(error) = &self.error {
            ui.label(RichText::new(error).color(theme::BANNER));
        }
    }

    fn fill(&mut self, choice: &VideoChoice) {
        self.model_dir = choice
            .model_dir
            .as_ref()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        self.sender_name = DEFAULT_SENDER_NAME.to_owned();
        self.port = DEFAULT_STREAM_PORT.to_string();
        match &choice.route {
            OutputRoute::Syphon { name } | OutputRoute::Spout { name } => {
                self.sender_name = name.clone()
            }
            OutputRoute::Stream { port } => self.port = port.to_string(),
            _ => {}
        }
    }

    /// The route the fields describe, or what to fix.
    fn route(&self, kind: RouteKind) -> Result<OutputRoute, String> {
        let name = self.sender_name.trim().to_owned();
        match kind {
            RouteKind::Off => Ok(OutputRoute::Off),
            RouteKind::Stream => self
                .port
                .trim()
                .parse::<u16>()
                .ok()
                .filter(|p| *p >= 1024)
                .map(|port| OutputRoute::Stream { port })
                .ok_or_else(|| "the port must be a number from 1024 to 65535".into()),
            RouteKind::Syphon => validate_sender_name(&name).map(|()| OutputRoute::Syphon { name }),
            RouteKind::Spout => validate_sender_name(&name).map(|()| OutputRoute::Spout { name }),
        }
    }

    fn apply(&mut self, shared: &SharedVideoChoice, change: impl FnOnce(&mut VideoChoice)) {
        self.error = None;
        shared.update(change);
        // Our own edit: keep what the user typed rather than refilling from it.
        self.filled_from = Some(shared.revision());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_routes_are_checked_before_they_reach_the_engine() {
        let mut panel = VideoPanel::default();
        panel.fill(&VideoChoice::default());
        panel.port = "80".into();
        assert!(panel.route(RouteKind::Stream).is_err());
        panel.port = "9999".into();
        assert_eq!(
            panel.route(RouteKind::Stream),
            Ok(OutputRoute::Stream { port: 9999 })
        );
        panel.sender_name = " ".into();
        assert!(panel.route(RouteKind::Spout).is_err());
        panel.sender_name = "Club wall".into();
        assert_eq!(
            panel.route(RouteKind::Syphon),
            Ok(OutputRoute::Syphon {
                name: "Club wall".into()
            })
        );
    }

    #[test]
    fn applying_updates_the_shared_choice() {
        let shared = SharedVideoChoice::default();
        let mut panel = VideoPanel::default();
        panel.apply(&shared, |c| c.route = OutputRoute::Off);
        assert_eq!(shared.get().route, OutputRoute::Off);
        assert_eq!(panel.filled_from, Some(shared.revision()));
    }
}
