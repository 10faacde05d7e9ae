//! The latent pad: an XY pad over the model's latent map. The dots are reference sounds placed
//! by the audio encoder, coloured by the visual family the training paired them with; the white
//! ring is where the live audio sits now; the cross is the pad position, which the conditioning
//! is pulled toward by *Steer Amount* (the ring around the cross grows with it). Drag to move,
//! double-click to centre. Pad X/Y and Steer are host parameters, so a DAW lane can play it.

use egui::{Color32, Pos2, Rect, Sense, Stroke, Ui, pos2, vec2};
use nice_plug::prelude::{FloatParam, ParamSetter};
use synesthete_engine::latent_map::LatentMap;

use super::theme;
use crate::params::PadParams;

/// Side of the pad in logical pixels.
pub const PAD_SIDE: f32 = 150.0;

/// Eight distinct hues for the families (cycled when there are more).
const PALETTE: [Color32; 8] = [
    Color32::from_rgb(255, 99, 99),
    Color32::from_rgb(255, 180, 60),
    Color32::from_rgb(230, 230, 80),
    Color32::from_rgb(100, 220, 110),
    Color32::from_rgb(80, 210, 230),
    Color32::from_rgb(100, 140, 255),
    Color32::from_rgb(190, 110, 255),
    Color32::from_rgb(255, 120, 200),
];

pub fn show(
    ui: &mut Ui,
    pad: &PadParams,
    setter: &ParamSetter,
    map: Option<&LatentMap>,
    audio_on_map: Option<(f32, f32)>,
) {
    let (rect, response) =
        ui.allocate_exact_size(vec2(PAD_SIDE, PAD_SIDE), Sense::click_and_drag());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, Color32::from_gray(18));
    painter.line_segment(
        [rect.center_top(), rect.center_bottom()],
        Stroke::new(1.0, Color32::from_gray(45)),
    );
    painter.line_segment(
        [rect.left_center(), rect.right_center()],
        Stroke::new(1.0, Color32::from_gray(45)),
    );
    match map {
        Some(map) => {
            for point in &map.points {
                painter.circle_filled(
                    to_screen(rect, point.x, point.y),
                    1.6,
                    PALETTE[point.label as usize % PALETTE.len()].gamma_multiply(0.8),
                );
            }
        }
        None => {
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "no latent map\nin this model set",
                egui::FontId::proportional(12.0),
                theme::DIM_TEXT,
            );
        }
    }
    if let Some((x, y)) = audio_on_map {
        painter.circle_stroke(to_screen(rect, x, y), 5.0, Stroke::new(2.0, Color32::WHITE));
    }

    let position = to_screen(rect, pad.x.value(), pad.y.value());
    let steer = pad.steer.value();
    painter.circle_stroke(
        position,
        6.0 + 18.0 * steer,
        Stroke::new(1.5, theme::ACCENT.gamma_multiply(0.4 + 0.6 * steer)),
    );
    painter.line_segment(
        [position - vec2(6.0, 0.0), position + vec2(6.0, 0.0)],
        Stroke::new(2.0, theme::ACCENT),
    );
    painter.line_segment(
        [position - vec2(0.0, 6.0), position + vec2(0.0, 6.0)],
        Stroke::new(2.0, theme::ACCENT),
    );

    if response.double_clicked() {
        set_both(setter, pad, (0.0, 0.0));
    } else if response.clicked() {
        if let Some(pointer) = response.interact_pointer_pos() {
            set_both(setter, pad, from_screen(rect, pointer));
        }
    } else {
        // A drag is one gesture for the host: begin, many values, end.
        if response.drag_started() {
            setter.begin_set_parameter(&pad.x);
            setter.begin_set_parameter(&pad.y);
        }
        if response.dragged()
            && let Some(pointer) = response.interact_pointer_pos()
        {
            let (x, y) = from_screen(rect, pointer);
            setter.set_parameter(&pad.x, x);
            setter.set_parameter(&pad.y, y);
        }
        if response.drag_stopped() {
            setter.end_set_parameter(&pad.x);
            setter.end_set_parameter(&pad.y);
        }
    }
    response.on_hover_text("Drag to steer the visuals across the model's latent map; double-click to centre. Steer Amount sets how strongly.");
}

fn set_both(setter: &ParamSetter, pad: &PadParams, (x, y): (f32, f32)) {
    let set = |param: &FloatParam, value: f32| {
        setter.begin_set_parameter(param);
        setter.set_parameter(param, value);
        setter.end_set_parameter(param);
    };
    set(&pad.x, x);
    set(&pad.y, y);
}

/// Pad coordinates (x right, y up, each -1..1) to a point in `rect`.
pub fn to_screen(rect: Rect, x: f32, y: f32) -> Pos2 {
    pos2(
        rect.center().x + x.clamp(-1.0, 1.0) * rect.width() / 2.0,
        rect.center().y - y.clamp(-1.0, 1.0) * rect.height() / 2.0,
    )
}

/// A point in `rect` to pad coordinates, clamped to the pad.
pub fn from_screen(rect: Rect, point: Pos2) -> (f32, f32) {
    (
        ((point.x - rect.center().x) / (rect.width() / 2.0)).clamp(-1.0, 1.0),
        (-(point.y - rect.center().y) / (rect.height() / 2.0)).clamp(-1.0, 1.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_and_pad_coordinates_round_trip_with_y_up() {
        let rect = Rect::from_min_size(pos2(10.0, 20.0), vec2(PAD_SIDE, PAD_SIDE));
        let top_right = to_screen(rect, 1.0, 1.0);
        assert_eq!(top_right, rect.right_top());
        let (x, y) = from_screen(rect, to_screen(rect, -0.4, 0.7));
        assert!((x + 0.4).abs() < 1e-5 && (y - 0.7).abs() < 1e-5);
        assert_eq!(from_screen(rect, pos2(-100.0, 1000.0)), (-1.0, -1.0));
    }
}
