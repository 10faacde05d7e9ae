//! Colours and text sizes for a dark room: dark surfaces, bright text, one accent, and red only
//! for problems.

use egui::{Color32, Context, Visuals};

pub const BACKGROUND: Color32 = Color32::from_rgb(14, 15, 20);
pub const PANEL_BACKGROUND: Color32 = Color32::from_rgb(22, 24, 32);
pub const TEXT: Color32 = Color32::from_rgb(225, 228, 236);
pub const DIM_TEXT: Color32 = Color32::from_rgb(140, 146, 160);
pub const ACCENT: Color32 = Color32::from_rgb(120, 200, 255);
pub const METER: Color32 = Color32::from_rgb(90, 220, 160);
pub const ONSET: Color32 = Color32::from_rgb(255, 200, 60);
/// The filled part of a parameter slider; tests measure it in screenshots.
pub const SLIDER_FILL: Color32 = Color32::from_rgb(40, 110, 170);
/// The error banner's fill; tests look for it in screenshots.
pub const BANNER: Color32 = Color32::from_rgb(170, 28, 40);

pub fn apply(ctx: &Context) {
    let mut visuals = Visuals::dark();
    visuals.panel_fill = BACKGROUND;
    visuals.window_fill = PANEL_BACKGROUND;
    visuals.override_text_color = Some(TEXT);
    visuals.selection.bg_fill = SLIDER_FILL;
    ctx.set_visuals(visuals);
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::FontId;

    #[test]
    fn the_fonts_have_every_character_the_editor_writes() {
        let ctx = Context::default();
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| apply(ui.ctx()));
        // No renderer here to take the font atlas upload.
        output.textures_delta.clear();
        let text = "Synesthete 0123456789 fps ms dBFS BPM … ° x Hz GENERATION Colour";
        for font in [FontId::proportional(14.0), FontId::monospace(14.0)] {
            let missing: String = text
                .chars()
                .filter(|c| !ctx.fonts_mut(|f| f.has_glyph(&font, *c)))
                .collect();
            assert!(missing.is_empty(), "{font:?} lacks {missing:?}");
        }
    }
}
