//! Waveform: an oscilloscope trace of the newest audio, from the original research; straight or
//! polar, with a per-clip thickness and gain.

use super::{Frame, SIZE, Style, VisualInput, palette_at};

pub fn render(style: &Style, input: &VisualInput) -> Frame {
    let mut frame = Frame::filled(style.background);
    let wave = input.waveform;
    if wave.is_empty() {
        return frame;
    }
    let polar = style.knobs[0] > 0.5;
    let thickness = 1 + (style.knobs[1] * 3.0) as i32;
    let gain = 1.5 + style.knobs[2] * 4.0;
    let color = palette_at(style, 0.3 + 0.7 * input.loudness());
    let steps = SIZE * 4;
    for i in 0..steps {
        let t = i as f32 / steps as f32;
        let sample = wave[(t * (wave.len() - 1) as f32) as usize].clamp(-1.0, 1.0) * gain;
        let (x, y) = if polar {
            let angle = t * std::f32::consts::TAU;
            let r = (0.45 + 0.35 * sample.clamp(-1.0, 1.0)) * SIZE as f32 / 2.0;
            (
                SIZE as f32 / 2.0 + r * angle.cos(),
                SIZE as f32 / 2.0 + r * angle.sin(),
            )
        } else {
            (
                t * SIZE as f32,
                SIZE as f32 / 2.0 * (1.0 - sample.clamp(-1.0, 1.0) * 0.9),
            )
        };
        for dy in -thickness..=thickness {
            for dx in -thickness..=thickness {
                let (px, py) = (x as i32 + dx, y as i32 + dy);
                if (0..SIZE as i32).contains(&px) && (0..SIZE as i32).contains(&py) {
                    frame.set(px as usize, py as usize, color);
                }
            }
        }
    }
    frame
}
