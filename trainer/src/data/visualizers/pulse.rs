//! Pulse: a shape (circle, square, ring or star) whose size follows loudness, from the original
//! research.

use super::{Frame, Style, VisualInput, mix, palette_at};

pub fn render(style: &Style, input: &VisualInput) -> Frame {
    let mut frame = Frame::filled(style.background);
    let shape = (style.knobs[0] * 4.0) as u32;
    let (cx, cy) = (style.knobs[1] * 0.8 - 0.4, style.knobs[2] * 0.8 - 0.4);
    let radius = 0.1 + 0.75 * input.loudness() + 0.1 * input.flux();
    let spin = input.time_s * (style.knobs[3] - 0.5) * 2.0;
    let color = palette_at(style, input.features.bands[0]);
    let edge = palette_at(style, 1.0 - input.features.bands[2]);
    frame.shade(|u, v| {
        let (x, y) = (u - cx, v - cy);
        let (s, c) = spin.sin_cos();
        let (rx, ry) = (x * c - y * s, x * s + y * c);
        let d = match shape {
            0 => (rx * rx + ry * ry).sqrt(),
            1 => rx.abs().max(ry.abs()),
            2 => ((rx * rx + ry * ry).sqrt() - radius * 0.7).abs() + radius * 0.7,
            _ => {
                let angle = ry.atan2(rx);
                (rx * rx + ry * ry).sqrt() / (0.75 + 0.25 * (5.0 * angle).cos())
            }
        };
        if d < radius {
            mix(color, edge, d / radius)
        } else {
            let glow = (-(d - radius) * 12.0).exp() * input.loudness();
            mix(style.background, color, glow)
        }
    });
    frame
}
