//! Geometric kaleidoscope: polar mirror symmetry over rotating stripes; symmetry order per clip,
//! rotation on the beat, ring radius with loudness.

use super::{Frame, Style, VisualInput, mix, palette_at};

pub fn render(style: &Style, input: &VisualInput) -> Frame {
    let mut frame = Frame::filled(style.background);
    let order = 3.0 + (style.knobs[0] * 6.0).floor();
    let sector = std::f32::consts::TAU / order;
    let beat = input.features.beat_phase.unwrap_or(0.0) as f32;
    let rotation = input.time_s * (style.knobs[1] - 0.5) + 0.3 * beat;
    let rings = 3.0 + style.knobs[2] * 8.0;
    let level = input.loudness();
    frame.shade(|u, v| {
        let r = (u * u + v * v).sqrt();
        let mut a = v.atan2(u) + rotation;
        a = a.rem_euclid(sector);
        if a > sector / 2.0 {
            a = sector - a;
        }
        let (x, y) = (r * a.cos(), r * a.sin());
        let stripes = ((x * rings + y * 7.0 * style.knobs[3]) * std::f32::consts::PI).sin();
        let ring = ((r - 0.3 - 0.5 * level) * 20.0).abs() < 1.0;
        if ring {
            palette_at(style, 1.0)
        } else if stripes > 0.2 - level {
            mix(style.background, palette_at(style, r), 0.3 + 0.7 * level)
        } else {
            style.background
        }
    });
    frame
}
