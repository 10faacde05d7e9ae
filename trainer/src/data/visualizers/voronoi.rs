//! Voronoi cells: sites drift with time and swell with the bass; cell count and borders vary per
//! clip.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Frame, Style, VisualInput, mix, palette_at};

pub fn render(style: &Style, input: &VisualInput) -> Frame {
    let mut frame = Frame::filled(style.background);
    let mut rng = ChaCha8Rng::seed_from_u64(style.seed);
    let count = 4 + (style.knobs[0] * 20.0) as usize;
    let speed = 0.2 + style.knobs[1];
    let sites: Vec<(f32, f32, f32)> = (0..count)
        .map(|i| {
            let (x0, y0, phase): (f32, f32, f32) = (
                rng.random_range(-1.0..1.0),
                rng.random_range(-1.0..1.0),
                rng.random(),
            );
            let wobble = 0.15 * (input.time_s * speed + phase * std::f32::consts::TAU).sin();
            (
                x0 + wobble,
                y0 + 0.15 * (input.time_s * speed * 0.7 + i as f32).cos(),
                i as f32 / count as f32,
            )
        })
        .collect();
    let border = 0.01 + 0.08 * input.features.bands[0] + 0.05 * input.flux();
    let brightness = 0.25 + 0.75 * input.loudness();
    frame.shade(|u, v| {
        let (mut best, mut second, mut tone) = (f32::MAX, f32::MAX, 0.0);
        for &(x, y, t) in &sites {
            let d = ((u - x).powi(2) + (v - y).powi(2)).sqrt();
            if d < best {
                second = best;
                best = d;
                tone = t;
            } else if d < second {
                second = d;
            }
        }
        if second - best < border {
            style.background
        } else {
            mix(style.background, palette_at(style, tone), brightness)
        }
    });
    frame
}
