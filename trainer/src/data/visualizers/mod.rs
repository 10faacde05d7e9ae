//! Audio-reactive visualizers: deterministic renderers of (audio features at time t, per-clip
//! random style) to a 128x128 RGB frame. Each family reads the engine's own features. Random
//! palettes, shapes and layouts per clip mean one sound has many valid pictures — the
//! multimodality that makes a regression model average them into gray sludge.

mod cppn;
mod flow;
mod fractal;
mod kaleidoscope;
mod pulse;
mod spectrum;
mod voronoi;
mod waveform;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use synesthete_engine::features::analyzer::FeatureFrame;

/// Frame side in pixels.
pub const SIZE: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Family {
    Pulse,
    Spectrum,
    Waveform,
    Fractal,
    Voronoi,
    Flow,
    Kaleidoscope,
    Cppn,
}

pub const ALL_FAMILIES: [Family; 8] = [
    Family::Pulse,
    Family::Spectrum,
    Family::Waveform,
    Family::Fractal,
    Family::Voronoi,
    Family::Flow,
    Family::Kaleidoscope,
    Family::Cppn,
];

impl Family {
    /// Style label index (the DiT's optional style condition).
    pub fn index(self) -> usize {
        ALL_FAMILIES
            .iter()
            .position(|&f| f == self)
            .expect("listed")
    }

    pub fn name(self) -> &'static str {
        match self {
            Family::Pulse => "pulse",
            Family::Spectrum => "spectrum",
            Family::Waveform => "waveform",
            Family::Fractal => "fractal",
            Family::Voronoi => "voronoi",
            Family::Flow => "flow",
            Family::Kaleidoscope => "kaleidoscope",
            Family::Cppn => "cppn",
        }
    }
}

/// Per-clip random look: palette, shape and layout knobs.
#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    pub family: Family,
    pub background: [f32; 3],
    pub palette: [[f32; 3]; 3],
    /// Family-specific knobs in [0, 1) (shape, layout, symmetry, ...).
    pub knobs: [f32; 8],
    /// Random weights for families that need many (CPPN, Voronoi sites).
    pub seed: u64,
}

impl Style {
    pub fn random(family: Family, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let hue0: f32 = rng.random();
        let spread = rng.random_range(0.08..0.5);
        let color = |rng: &mut ChaCha8Rng, hue: f32| {
            hsv_to_rgb(
                hue.fract(),
                rng.random_range(0.5..1.0),
                rng.random_range(0.7..1.0),
            )
        };
        let palette = [
            color(&mut rng, hue0),
            color(&mut rng, hue0 + spread),
            color(&mut rng, hue0 + 2.0 * spread),
        ];
        let dark: f32 = rng.random_range(0.0..0.25);
        let mut palette = palette;
        let background = if rng.random_bool(0.8) {
            hsv_to_rgb((hue0 + 0.5).fract(), rng.random_range(0.2..0.8), dark)
        } else {
            // Light background: darken the palette so shapes keep their contrast.
            palette
                .iter_mut()
                .for_each(|c| c.iter_mut().for_each(|v| *v *= 0.45));
            hsv_to_rgb(
                (hue0 + 0.5).fract(),
                rng.random_range(0.0..0.3),
                rng.random_range(0.75..0.95),
            )
        };
        let mut knobs = [0.0; 8];
        knobs.iter_mut().for_each(|k| *k = rng.random());
        Self {
            family,
            background,
            palette,
            knobs,
            seed: rng.random(),
        }
    }
}

/// What a visualizer sees at one instant.
pub struct VisualInput<'a> {
    pub features: &'a FeatureFrame,
    /// The most recent audio samples at the model rate (about 23 ms), newest last.
    pub waveform: &'a [f32],
    /// Seconds since the clip started.
    pub time_s: f32,
}

impl VisualInput<'_> {
    /// Loudness in [0, 1] from RMS (-60..0 dBFS).
    pub fn loudness(&self) -> f32 {
        let db = 20.0 * self.features.rms.max(1e-6).log10();
        ((db + 60.0) / 60.0).clamp(0.0, 1.0)
    }

    /// Onset strength in [0, 1].
    pub fn flux(&self) -> f32 {
        (self.features.flux * 8.0).clamp(0.0, 1.0)
    }
}

/// A CHW RGB image with values in [0, 1].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Frame {
    pub data: Vec<f32>,
}

impl Frame {
    pub fn filled(color: [f32; 3]) -> Self {
        let mut data = vec![0.0; 3 * SIZE * SIZE];
        for (c, plane) in data.chunks_mut(SIZE * SIZE).enumerate() {
            plane.fill(color[c]);
        }
        Self { data }
    }

    #[inline]
    pub fn set(&mut self, x: usize, y: usize, rgb: [f32; 3]) {
        for (c, value) in rgb.into_iter().enumerate() {
            self.data[c * SIZE * SIZE + y * SIZE + x] = value.clamp(0.0, 1.0);
        }
    }

    #[inline]
    pub fn get(&self, x: usize, y: usize) -> [f32; 3] {
        [0, 1, 2].map(|c| self.data[c * SIZE * SIZE + y * SIZE + x])
    }

    /// Alpha-blends `rgb` over the pixel.
    #[inline]
    pub fn blend(&mut self, x: usize, y: usize, rgb: [f32; 3], alpha: f32) {
        let old = self.get(x, y);
        let a = alpha.clamp(0.0, 1.0);
        self.set(x, y, [0, 1, 2].map(|c| old[c] * (1.0 - a) + rgb[c] * a));
    }

    /// Calls `shade(u, v)` for every pixel with u, v in [-1, 1] (y up) and stores its colour.
    pub fn shade(&mut self, mut shade: impl FnMut(f32, f32) -> [f32; 3]) {
        for y in 0..SIZE {
            for x in 0..SIZE {
                let u = (x as f32 + 0.5) / SIZE as f32 * 2.0 - 1.0;
                let v = 1.0 - (y as f32 + 0.5) / SIZE as f32 * 2.0;
                let rgb = shade(u, v);
                self.set(x, y, rgb);
            }
        }
    }
}

/// Renders one frame of `style.family`.
pub fn render(style: &Style, input: &VisualInput) -> Frame {
    match style.family {
        Family::Pulse => pulse::render(style, input),
        Family::Spectrum => spectrum::render(style, input),
        Family::Waveform => waveform::render(style, input),
        Family::Fractal => fractal::render(style, input),
        Family::Voronoi => voronoi::render(style, input),
        Family::Flow => flow::render(style, input),
        Family::Kaleidoscope => kaleidoscope::render(style, input),
        Family::Cppn => cppn::render(style, input),
    }
}

pub fn hsv_to_rgb(h: f32, s: f32, v: f32) -> [f32; 3] {
    let h6 = h.rem_euclid(1.0) * 6.0;
    let c = v * s;
    let x = c * (1.0 - (h6 % 2.0 - 1.0).abs());
    let (r, g, b) = match h6 as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    [r + m, g + m, b + m]
}

/// Linear interpolation through the palette, t in [0, 1].
pub fn palette_at(style: &Style, t: f32) -> [f32; 3] {
    let t = t.clamp(0.0, 1.0) * 2.0;
    let (a, b, f) = if t < 1.0 { (0, 1, t) } else { (1, 2, t - 1.0) };
    [0, 1, 2].map(|c| style.palette[a][c] * (1.0 - f) + style.palette[b][c] * f)
}

pub fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    let t = t.clamp(0.0, 1.0);
    [0, 1, 2].map(|c| a[c] * (1.0 - t) + b[c] * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(rms: f32, flux: f32, bands: [f32; 3]) -> FeatureFrame {
        FeatureFrame {
            index: 10,
            time_s: 1.0,
            log_mel: (0..80)
                .map(|i| -1.0 + 2.0 * rms * (1.0 - i as f32 / 80.0))
                .collect(),
            rms,
            bands,
            flux,
            onset: flux > 0.05,
            tempo: None,
            beat_phase: Some(0.25),
        }
    }

    fn frame(family: Family, rms: f32) -> Frame {
        let f = features(rms, rms * 0.1, [rms; 3]);
        let wave: Vec<f32> = (0..512).map(|i| rms * (i as f32 * 0.1).sin()).collect();
        render(
            &Style::random(family, 42),
            &VisualInput {
                features: &f,
                waveform: &wave,
                time_s: 1.0,
            },
        )
    }

    fn mean_abs_diff(a: &Frame, b: &Frame) -> f32 {
        a.data
            .iter()
            .zip(&b.data)
            .map(|(x, y)| (x - y).abs())
            .sum::<f32>()
            / a.data.len() as f32
    }

    #[test]
    fn every_family_responds_to_loudness() {
        for family in ALL_FAMILIES {
            let quiet = frame(family, 0.01);
            let loud = frame(family, 0.5);
            let diff = mean_abs_diff(&quiet, &loud);
            assert!(
                diff > 0.01,
                "{family:?}: loud and quiet frames differ by only {diff}"
            );
        }
    }

    #[test]
    fn every_family_is_deterministic_and_in_range() {
        for family in ALL_FAMILIES {
            let a = frame(family, 0.3);
            assert_eq!(a, frame(family, 0.3), "{family:?}");
            assert!(a.data.iter().all(|v| (0.0..=1.0).contains(v)), "{family:?}");
        }
    }

    #[test]
    fn styles_differ_per_clip() {
        for family in ALL_FAMILIES {
            let f = features(0.3, 0.02, [0.5; 3]);
            let wave = vec![0.1; 512];
            let input = VisualInput {
                features: &f,
                waveform: &wave,
                time_s: 2.0,
            };
            let a = render(&Style::random(family, 1), &input);
            let b = render(&Style::random(family, 2), &input);
            assert!(
                mean_abs_diff(&a, &b) > 0.02,
                "{family:?}: two styles look the same"
            );
        }
    }
}
