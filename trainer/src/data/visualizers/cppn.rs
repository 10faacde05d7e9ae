//! CPPN patterns: a small random network of (x, y, r, audio) -> colour, the classic compositional
//! pattern-producing network; its weights are the clip's style, its audio input the bands.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Frame, Style, VisualInput, mix};

const HIDDEN: usize = 12;
const INPUTS: usize = 6;

pub fn render(style: &Style, input: &VisualInput) -> Frame {
    let mut frame = Frame::filled(style.background);
    let mut rng = ChaCha8Rng::seed_from_u64(style.seed);
    let spread = 1.0 + style.knobs[0] * 3.0;
    let w1: Vec<f32> = (0..HIDDEN * INPUTS)
        .map(|_| rng.random_range(-spread..spread))
        .collect();
    let w2: Vec<f32> = (0..3 * HIDDEN)
        .map(|_| rng.random_range(-2.0..2.0))
        .collect();
    let [low, mid, high] = input.features.bands;
    let level = input.loudness();
    let zoom = 1.0 + 2.0 * style.knobs[1];
    frame.shade(|u, v| {
        let (x, y) = (u * zoom, v * zoom);
        let inputs = [
            x,
            y,
            (x * x + y * y).sqrt(),
            2.0 * low - 1.0,
            2.0 * mid - 1.0,
            2.0 * high - 1.0 + input.time_s * 0.1,
        ];
        let mut hidden = [0.0f32; HIDDEN];
        for (h, value) in hidden.iter_mut().enumerate() {
            let z: f32 = (0..INPUTS).map(|i| w1[h * INPUTS + i] * inputs[i]).sum();
            *value = if h % 2 == 0 { z.sin() } else { z.tanh() };
        }
        let rgb = [0, 1, 2].map(|c| {
            let z: f32 = (0..HIDDEN).map(|h| w2[c * HIDDEN + h] * hidden[h]).sum();
            0.5 + 0.5 * z.tanh()
        });
        mix(style.background, rgb, 0.2 + 0.8 * level)
    });
    frame
}
