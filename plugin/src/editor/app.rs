//! The editor's frame: the parameter panel on the right, and on the left the error banner,
//! the live preview, the status, the audio meters and the model/output settings.

use std::sync::Arc;
use std::time::Duration;

use egui::{RichText, ScrollArea, Ui, UiBuilder, vec2};
use nice_plug::context::gui::GuiContext;
use nice_plug_egui::baseview::{HandlerError, WindowSize};
use nice_plug_egui::{Frame, NiceEguiApp};

use super::meters::Meters;
use super::preview::Preview;
use super::video_panel::VideoPanel;
use super::window_thread::WindowThreadExit;
use super::{latent_pad, layout, params_panel, status, theme};
use crate::engine_link::{EngineLink, EngineState};
use crate::params::SynestheteParams;

/// Repaint interval while open: as often as the engine makes frames, between 10 and 30 Hz.
/// Repainting faster than new frames arrive only takes CPU from generation (on a machine
/// without a GPU, the editor is drawn in software on the same cores).
fn refresh_interval(engine_fps: f64) -> Duration {
    Duration::from_secs_f64(1.0 / engine_fps.clamp(10.0, 30.0))
}

/// Shared handles plus per-window state (rebuilt each time the window opens).
pub struct EditorApp {
    params: Arc<SynestheteParams>,
    link: Arc<EngineLink>,
    gui: Option<GuiContext>,
    preview: Preview,
    meters: Meters,
    video: VideoPanel,
    window_exit: WindowThreadExit,
}

impl EditorApp {
    pub fn new(
        params: Arc<SynestheteParams>,
        link: Arc<EngineLink>,
        window_exit: WindowThreadExit,
    ) -> Self {
        Self {
            params,
            link,
            window_exit,
            gui: None,
            preview: Preview::default(),
            meters: Meters::default(),
            video: VideoPanel::default(),
        }
    }
}

impl NiceEguiApp for EditorApp {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        gui: GuiContext,
        _frame: &mut Frame,
    ) -> Result<(), HandlerError> {
        // Built on the window thread: closing the editor waits for this thread to end.
        self.window_exit.register_current_thread();
        theme::apply(&egui_ctx);
        self.gui = Some(gui);
        self.preview = Preview::default();
        self.meters = Meters::default();
        self.video = VideoPanel::default();
        Ok(())
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut Frame) {
        let window = ui.max_rect().size();
        ui.painter()
            .rect_filled(ui.max_rect(), 0.0, theme::BACKGROUND);
        if let Some(gui) = &self.gui {
            params_panel::show(ui, window, &self.params, &gui.param_setter());
        }
        let (engine_status, frame, start_error) = self.link.with(|state| match state {
            EngineState::Inactive => (None, None, None),
            EngineState::Running(view) => (Some(view.status()), view.latest_frame(), None),
            EngineState::Failed(error) => (None, None, Some(error.clone())),
        });
        let column = layout::main_column(window);
        ui.scope_builder(UiBuilder::new().max_rect(column), |ui| {
            ui.set_clip_rect(column);
            ScrollArea::vertical().show(ui, |ui| {
                ui.heading(RichText::new("Synesthete").color(theme::ACCENT));
                status::banner(
                    ui,
                    &status::problems(engine_status.as_ref(), start_error.as_deref()),
                );
                if engine_status.is_none() && start_error.is_none() {
                    ui.label(
                        RichText::new("Waiting for the host to start audio processing…")
                            .color(theme::DIM_TEXT),
                    );
                }
                let width = ui.available_width();
                let (rect, _) = ui.allocate_exact_size(
                    vec2(width, (width * 9.0 / 16.0).min(window.y * 0.42)),
                    egui::Sense::hover(),
                );
                self.preview.show(ui, rect, frame);
                ui.add_space(6.0);
                if let Some(engine) = &engine_status {
                    status::lines(ui, engine);
                    ui.add_space(6.0);
                    ui.horizontal_top(|ui| {
                        self.meters
                            .show(ui, engine.features.as_ref(), engine.onsets);
                        if let Some(gui) = &self.gui {
                            let map = engine.video.model_set.as_ref();
                            latent_pad::show(
                                ui,
                                &self.params.pad,
                                &gui.param_setter(),
                                map.and_then(|m| m.latent_map.as_deref()),
                                engine.video.audio_on_map,
                            );
                        }
                    });
                }
                ui.add_space(6.0);
                self.video.show(ui, &self.params.video.0);
            });
        });
        let engine_fps = engine_status.as_ref().map_or(0.0, |s| s.video.fps);
        ui.ctx().request_repaint_after(refresh_interval(engine_fps));
    }

    fn resized(&mut self, size: WindowSize) {
        self.params.editor_size.store((
            size.logical.width.round() as u32,
            size.logical.height.round() as u32,
        ));
    }

    fn editor_closed(&mut self) {
        // Drop the textures and the context handle with the window.
        self.gui = None;
        self.preview = Preview::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repaints_follow_the_engine_between_10_and_30_hz() {
        assert_eq!(refresh_interval(0.0), Duration::from_millis(100));
        assert_eq!(refresh_interval(20.0), Duration::from_millis(50));
        assert!(refresh_interval(120.0) >= Duration::from_millis(33));
    }
}
