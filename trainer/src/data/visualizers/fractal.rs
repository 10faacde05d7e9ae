//! Fractal: a Julia set whose constant orbits with the music and whose zoom follows loudness.

use super::{Frame, Style, VisualInput, mix, palette_at};

const MAX_ITER: u32 = 48;

pub fn render(style: &Style, input: &VisualInput) -> Frame {
    let mut frame = Frame::filled(style.background);
    let angle =
        style.knobs[0] * std::f32::consts::TAU + 0.3 * input.time_s * (style.knobs[1] - 0.5);
    let radius = 0.7885 + 0.05 * (input.features.bands[1] - 0.5);
    let (cr, ci) = (radius * angle.cos(), radius * angle.sin());
    let zoom = 1.6 - 0.9 * input.loudness() * style.knobs[2].max(0.3);
    let (ox, oy) = (style.knobs[3] * 0.6 - 0.3, style.knobs[4] * 0.6 - 0.3);
    let cycles = 1.0 + style.knobs[5] * 3.0;
    frame.shade(|u, v| {
        let (mut x, mut y) = (u * zoom + ox, v * zoom + oy);
        let mut i = 0;
        while i < MAX_ITER && x * x + y * y < 4.0 {
            let xt = x * x - y * y + cr;
            y = 2.0 * x * y + ci;
            x = xt;
            i += 1;
        }
        if i == MAX_ITER {
            style.background
        } else {
            let t = i as f32 / MAX_ITER as f32;
            mix(
                style.background,
                palette_at(style, (t * cycles).fract()),
                (t * 4.0).min(1.0),
            )
        }
    });
    frame
}
