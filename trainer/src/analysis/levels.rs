//! An audio encoder's posterior as one or more named *levels*, each a diagonal Gaussian
//! N(mu, exp(logvar)) per window. The flat beta-VAE has one level, `flat`; a hierarchical
//! encoder reports one level per stage, and every metric and table treats them alike.

use burn::prelude::*;

use crate::data::dataset::Sample;
use crate::model::audio_vae::AudioVae;
use crate::training::batch;

/// Windows encoded per forward pass.
const BATCH: usize = 64;

/// An audio encoder whose posterior comes in named levels.
pub trait LevelEncoder {
    /// Names of the levels, in the order [`LevelEncoder::encode_levels`] returns them.
    fn level_names(&self) -> Vec<String>;

    /// (mu, logvar) of each level.
    ///
    /// # Shapes
    /// - mel: `[batch, 1, n_mels, frames]` in [-1, 1]
    /// - returns per level `([batch, dims], [batch, dims])`
    fn encode_levels(&self, mel: Tensor<4>) -> Vec<(Tensor<2>, Tensor<2>)>;
}

impl LevelEncoder for AudioVae {
    fn level_names(&self) -> Vec<String> {
        vec!["flat".into()]
    }

    fn encode_levels(&self, mel: Tensor<4>) -> Vec<(Tensor<2>, Tensor<2>)> {
        vec![self.encode(mel)]
    }
}

/// One level's posterior over `samples()` windows, on the host.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelLatents {
    pub name: String,
    pub dims: usize,
    /// `[windows, dims]` row-major.
    pub mu: Vec<f32>,
    /// `[windows, dims]` row-major.
    pub logvar: Vec<f32>,
}

impl LevelLatents {
    pub fn samples(&self) -> usize {
        self.mu.len() / self.dims.max(1)
    }

    /// The mean of window `index`.
    pub fn mean(&self, index: usize) -> &[f32] {
        &self.mu[index * self.dims..(index + 1) * self.dims]
    }

    /// The means of dimension `dim` over all windows.
    pub fn dimension(&self, dim: usize) -> Vec<f64> {
        self.mu
            .iter()
            .skip(dim)
            .step_by(self.dims)
            .map(|&v| v as f64)
            .collect()
    }

    /// Each window's mean as its own vector.
    pub fn rows(&self) -> Vec<Vec<f32>> {
        self.mu.chunks(self.dims).map(<[f32]>::to_vec).collect()
    }

    /// All `levels` side by side as one level named `name` (window i of each level becomes
    /// window i of the result).
    pub fn concatenate(name: &str, levels: &[LevelLatents]) -> LevelLatents {
        let windows = levels.first().map_or(0, LevelLatents::samples);
        let dims = levels.iter().map(|l| l.dims).sum();
        let mut mu = Vec::with_capacity(windows * dims);
        let mut logvar = Vec::with_capacity(windows * dims);
        for i in 0..windows {
            for level in levels {
                let row = i * level.dims..(i + 1) * level.dims;
                mu.extend_from_slice(&level.mu[row.clone()]);
                logvar.extend_from_slice(&level.logvar[row]);
            }
        }
        LevelLatents {
            name: name.into(),
            dims,
            mu,
            logvar,
        }
    }
}

/// Encodes `samples` level by level on the CPU, calling `progress` with the windows done.
pub fn encode_windows<E: LevelEncoder>(
    encoder: &E,
    samples: &[Sample],
    n_mels: usize,
    mut progress: impl FnMut(usize),
) -> Vec<LevelLatents> {
    let device = Device::flex();
    let mut levels: Vec<LevelLatents> = encoder
        .level_names()
        .into_iter()
        .map(|name| LevelLatents {
            name,
            dims: 0,
            mu: Vec::new(),
            logvar: Vec::new(),
        })
        .collect();
    for chunk in samples.chunks(BATCH) {
        let outputs = encoder.encode_levels(batch::mels(chunk, n_mels, &device));
        assert_eq!(
            outputs.len(),
            levels.len(),
            "an encoder returns one (mu, logvar) per level it names"
        );
        for (level, (mu, logvar)) in levels.iter_mut().zip(outputs) {
            level.dims = mu.dims()[1];
            level.mu.extend(batch::to_vec(mu));
            level.logvar.extend(batch::to_vec(logvar));
        }
        progress(chunk.len());
    }
    levels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concatenation_puts_levels_side_by_side() {
        let a = LevelLatents {
            name: "a".into(),
            dims: 1,
            mu: vec![1.0, 2.0],
            logvar: vec![0.1, 0.2],
        };
        let b = LevelLatents {
            name: "b".into(),
            dims: 2,
            mu: vec![3.0, 4.0, 5.0, 6.0],
            logvar: vec![0.3, 0.4, 0.5, 0.6],
        };
        let both = LevelLatents::concatenate("all", &[a, b]);
        assert_eq!(both.dims, 3);
        assert_eq!(both.mu, vec![1.0, 3.0, 4.0, 2.0, 5.0, 6.0]);
        assert_eq!(both.mean(1), &[2.0, 5.0, 6.0]);
        assert_eq!(both.dimension(2), vec![4.0, 6.0]);
        assert_eq!(both.logvar[3], 0.2);
    }
}
