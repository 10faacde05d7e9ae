//! Spectrum: bars of the log-mel spectrum, from the original research; bar count, mirroring and
//! orientation vary per clip.

use super::{Frame, SIZE, Style, VisualInput, palette_at};

pub fn render(style: &Style, input: &VisualInput) -> Frame {
    let mut frame = Frame::filled(style.background);
    let mel = &input.features.log_mel;
    let bars = [8usize, 16, 32, 40][(style.knobs[0] * 4.0) as usize];
    let mirrored = style.knobs[1] > 0.5;
    let vertical = style.knobs[2] > 0.3;
    let gap = (style.knobs[3] * 3.0) as usize;
    for bar in 0..bars {
        let lo = bar * mel.len() / bars;
        let hi = ((bar + 1) * mel.len() / bars).max(lo + 1);
        let level = (mel[lo..hi].iter().sum::<f32>() / (hi - lo) as f32 + 1.0) / 2.0;
        let length = (level * SIZE as f32) as usize;
        let color = palette_at(style, bar as f32 / bars as f32);
        let width = SIZE / bars;
        for along in 0..length.min(SIZE) {
            for across in (bar * width)..((bar + 1) * width).saturating_sub(gap.min(width - 1)) {
                let shade = 0.6 + 0.4 * along as f32 / SIZE as f32;
                let rgb = color.map(|c| c * shade);
                let pos = if mirrored {
                    SIZE / 2 + along / 2
                } else {
                    SIZE - 1 - along
                };
                let pos_mirror = SIZE - 1 - pos;
                let positions = [pos, pos_mirror];
                for &p in &positions[..if mirrored { 2 } else { 1 }] {
                    let p = p.min(SIZE - 1);
                    if vertical {
                        frame.set(across, p, rgb)
                    } else {
                        frame.set(p, across, rgb)
                    }
                }
            }
        }
    }
    frame
}
