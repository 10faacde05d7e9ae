//! Flow field: organic bands from a domain-warped sine field; warp strength follows the mids,
//! contrast the loudness.

use super::{Frame, Style, VisualInput, mix, palette_at};

pub fn render(style: &Style, input: &VisualInput) -> Frame {
    let mut frame = Frame::filled(style.background);
    let scale = 2.0 + style.knobs[0] * 5.0;
    let warp = 0.3 + 1.5 * input.features.bands[1] * style.knobs[1].max(0.3);
    let t = input.time_s * (0.2 + style.knobs[2]);
    let bands = 2.0 + style.knobs[3] * 6.0;
    let level = input.loudness();
    frame.shade(|u, v| {
        let (mut x, mut y) = (u * scale, v * scale);
        for k in 0..3 {
            let k = k as f32 + 1.0;
            let nx = x + warp * (y * 0.9 * k + t + style.knobs[4] * 6.0).sin() / k;
            let ny = y + warp * (x * 1.1 * k - t + style.knobs[5] * 6.0).cos() / k;
            x = nx;
            y = ny;
        }
        let field = ((x + y) * bands * 0.25).sin() * 0.5 + 0.5;
        mix(
            style.background,
            palette_at(style, field),
            level * (0.4 + 0.6 * field),
        )
    });
    frame
}
