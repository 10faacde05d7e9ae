//! Meters for what the model hears: loudness, the three bands, onset strength with an onset
//! lamp, tempo and beat phase, and the log-mel spectrum the audio encoder is fed. They show a
//! performer why the picture moves.

use std::time::{Duration, Instant};

use egui::{Align2, Color32, FontId, Rect, Sense, Ui, pos2, vec2};
use synesthete_engine::features::analyzer::FeatureFrame;
use synesthete_engine::features::tempo::TempoSource;

use super::theme;

/// Loudness meter floor.
const FLOOR_DB: f32 = -60.0;
/// How long the onset lamp stays lit.
const ONSET_HOLD: Duration = Duration::from_millis(150);

#[derive(Default)]
pub struct Meters {
    onsets_seen: u64,
    lit_until: Option<Instant>,
    /// Running peak of the onset strength, so its meter adapts to the material.
    flux_peak: f32,
}

impl Meters {
    pub fn show(&mut self, ui: &mut Ui, features: Option<&FeatureFrame>, onsets: u64) {
        let now = Instant::now();
        if onsets != self.onsets_seen {
            self.onsets_seen = onsets;
            self.lit_until = Some(now + ONSET_HOLD);
        }
        let lit = self.lit_until.is_some_and(|t| now < t);
        let Some(f) = features else {
            ui.label(egui::RichText::new("no audio yet").color(theme::DIM_TEXT));
            return;
        };
        self.flux_peak = (self.flux_peak * 0.995).max(f.flux).max(1e-6);

        let loudness_db = 20.0 * f.rms.max(1e-6).log10();
        ui.horizontal(|ui| {
            ui.vertical(|ui| {
                bar(
                    ui,
                    "Loudness",
                    db_fraction(loudness_db),
                    &format!("{loudness_db:.0} dBFS"),
                );
                bar(ui, "Low", f.bands[0], "");
                bar(ui, "Mid", f.bands[1], "");
                bar(ui, "High", f.bands[2], "");
                bar(ui, "Onset", f.flux / self.flux_peak, "");
            });
            ui.vertical(|ui| {
                let (lamp, _) = ui.allocate_exact_size(vec2(90.0, 18.0), Sense::hover());
                ui.painter().circle_filled(
                    lamp.left_center() + vec2(8.0, 0.0),
                    6.0,
                    if lit {
                        theme::ONSET
                    } else {
                        Color32::from_gray(50)
                    },
                );
                ui.painter().text(
                    lamp.left_center() + vec2(20.0, 0.0),
                    Align2::LEFT_CENTER,
                    "onset",
                    FontId::proportional(13.0),
                    theme::TEXT,
                );
                ui.label(tempo_text(f));
                if let Some(phase) = f.beat_phase {
                    bar(ui, "Beat", phase as f32, "");
                }
                spectrum(ui, &f.log_mel);
            });
        });
    }
}

fn tempo_text(f: &FeatureFrame) -> String {
    match &f.tempo {
        Some(t) => {
            let source = match t.source {
                TempoSource::Host => "from host",
                TempoSource::Estimated => "estimated",
            };
            format!("{:.1} BPM ({source})", t.bpm)
        }
        None => "tempo: listening…".into(),
    }
}

fn db_fraction(db: f32) -> f32 {
    ((db - FLOOR_DB) / -FLOOR_DB).clamp(0.0, 1.0)
}

/// A labelled horizontal meter; `value` (if any) is printed to the right of the track.
fn bar(ui: &mut Ui, name: &str, fraction: f32, value: &str) {
    let (rect, _) = ui.allocate_exact_size(vec2(230.0, 16.0), Sense::hover());
    let label = Rect::from_min_size(rect.min, vec2(64.0, rect.height()));
    let value_width = if value.is_empty() { 0.0 } else { 58.0 };
    let track = Rect::from_min_max(
        pos2(label.max.x, rect.min.y + 3.0),
        pos2(rect.max.x - value_width, rect.max.y - 3.0),
    );
    let painter = ui.painter();
    painter.text(
        label.left_center(),
        Align2::LEFT_CENTER,
        name,
        FontId::proportional(13.0),
        theme::DIM_TEXT,
    );
    painter.rect_filled(track, 2.0, Color32::from_gray(40));
    let mut fill = track;
    fill.set_width(track.width() * fraction.clamp(0.0, 1.0));
    painter.rect_filled(fill, 2.0, theme::METER);
    if !value.is_empty() {
        painter.text(
            rect.right_center(),
            Align2::RIGHT_CENTER,
            value,
            FontId::proportional(12.0),
            theme::TEXT,
        );
    }
}

/// The log-mel frame (values in [-1, 1]) as bars, low bands on the left.
fn spectrum(ui: &mut Ui, log_mel: &[f32]) {
    let (rect, _) = ui.allocate_exact_size(vec2(230.0, 48.0), Sense::hover());
    let painter = ui.painter();
    painter.rect_filled(rect, 2.0, Color32::from_gray(30));
    if log_mel.is_empty() {
        return;
    }
    let width = rect.width() / log_mel.len() as f32;
    for (i, value) in log_mel.iter().enumerate() {
        let height = rect.height() * ((value + 1.0) / 2.0).clamp(0.0, 1.0);
        let x = rect.min.x + i as f32 * width;
        painter.rect_filled(
            Rect::from_min_max(
                pos2(x, rect.max.y - height),
                pos2(x + width.max(1.0), rect.max.y),
            ),
            0.0,
            theme::ACCENT,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loudness_maps_the_floor_to_empty_and_full_scale_to_full() {
        assert_eq!(db_fraction(-90.0), 0.0);
        assert_eq!(db_fraction(0.0), 1.0);
        assert!((db_fraction(-30.0) - 0.5).abs() < 1e-6);
    }
}
