//! An audio encoder's posterior as one or more named *levels*, each a diagonal Gaussian
//! N(mu, exp(logvar)) per window. The flat beta-VAE has one level, `flat`; a hierarchical
//! encoder reports one level per stage, and every metric and table treats them alike.

use burn::prelude::*;

use crate::data::dataset::Sample;
use crate::model::audio_hierarchy::LEVEL_NAMES;
use crate::model::audio_vae::AudioVae;
use crate::training::batch;
use crate::training::diagnostics::standard_normal_kl;

/// Windows encoded per forward pass.
const BATCH: usize = 64;

/// One level's posterior for a batch of windows, with its KL to the encoder's prior.
///
/// # Shapes
/// - mu, logvar, kl: `[batch, dims]`
/// - kl_rest: `[batch]` (KL no single dimension owns, e.g. a mixture's choice of component)
pub struct LevelPosterior {
    pub mu: Tensor<2>,
    pub logvar: Tensor<2>,
    pub kl: Tensor<2>,
    pub kl_rest: Tensor<1>,
}

/// An audio encoder whose posterior comes in named levels.
pub trait LevelEncoder {
    /// Names of the levels, in the order [`LevelEncoder::encode_levels`] returns them.
    fn level_names(&self) -> Vec<String>;

    /// Each level's posterior for `mel` (`[batch, 1, n_mels, frames]` in [-1, 1]).
    fn encode_levels(&self, mel: Tensor<4>) -> Vec<LevelPosterior>;
}

impl LevelEncoder for AudioVae {
    fn level_names(&self) -> Vec<String> {
        match &self.hierarchy {
            Some(_) => LEVEL_NAMES.iter().map(|n| n.to_string()).collect(),
            None => vec!["flat".into()],
        }
    }

    fn encode_levels(&self, mel: Tensor<4>) -> Vec<LevelPosterior> {
        let (mu, logvar) = self.encode(mel);
        let kl = self.prior_kl(mu.clone(), logvar.clone());
        let Some(hierarchy) = &self.hierarchy else {
            return vec![LevelPosterior {
                mu,
                logvar,
                kl: kl.per_dim,
                kl_rest: kl.rest,
            }];
        };
        let [batch, _] = mu.dims();
        (0..LEVEL_NAMES.len())
            .map(|index| {
                let columns = |t: &Tensor<2>| t.clone().slice([0..batch, hierarchy.columns(index)]);
                LevelPosterior {
                    mu: columns(&mu),
                    logvar: columns(&logvar),
                    kl: columns(&kl.per_dim),
                    // The mixture term belongs to the global level, whose prior it is.
                    kl_rest: if index == 0 {
                        kl.rest.clone()
                    } else {
                        kl.rest.zeros_like()
                    },
                }
            })
            .collect()
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
    /// KL of each window's posterior to the prior, per dimension: `[windows, dims]` row-major.
    pub kl: Vec<f32>,
    /// KL outside the dimensions, per window (a mixture prior's component term; else 0).
    pub kl_rest: Vec<f32>,
}

impl LevelLatents {
    /// A level under a standard normal prior (KL computed from mu and logvar).
    pub fn standard_normal(name: &str, dims: usize, mu: Vec<f32>, logvar: Vec<f32>) -> Self {
        let kl = mu
            .iter()
            .zip(&logvar)
            .map(|(m, lv)| standard_normal_kl(*m, *lv))
            .collect();
        let windows = mu.len() / dims.max(1);
        Self {
            name: name.into(),
            dims,
            mu,
            logvar,
            kl,
            kl_rest: vec![0.0; windows],
        }
    }

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
        let mut kl = Vec::with_capacity(windows * dims);
        for i in 0..windows {
            for level in levels {
                let row = i * level.dims..(i + 1) * level.dims;
                mu.extend_from_slice(&level.mu[row.clone()]);
                logvar.extend_from_slice(&level.logvar[row.clone()]);
                kl.extend_from_slice(&level.kl[row]);
            }
        }
        let kl_rest = (0..windows)
            .map(|i| levels.iter().map(|l| l.kl_rest[i]).sum())
            .collect();
        LevelLatents {
            name: name.into(),
            dims,
            mu,
            logvar,
            kl,
            kl_rest,
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
            kl: Vec::new(),
            kl_rest: Vec::new(),
        })
        .collect();
    for chunk in samples.chunks(BATCH) {
        let outputs = encoder.encode_levels(batch::mels(chunk, n_mels, &device));
        assert_eq!(
            outputs.len(),
            levels.len(),
            "an encoder returns one (mu, logvar) per level it names"
        );
        for (level, posterior) in levels.iter_mut().zip(outputs) {
            level.dims = posterior.mu.dims()[1];
            level.mu.extend(batch::to_vec(posterior.mu));
            level.logvar.extend(batch::to_vec(posterior.logvar));
            level.kl.extend(batch::to_vec(posterior.kl));
            level.kl_rest.extend(batch::to_vec(posterior.kl_rest));
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
        let a = LevelLatents::standard_normal("a", 1, vec![1.0, 2.0], vec![0.1, 0.2]);
        let mut b = LevelLatents::standard_normal(
            "b",
            2,
            vec![3.0, 4.0, 5.0, 6.0],
            vec![0.3, 0.4, 0.5, 0.6],
        );
        b.kl_rest = vec![1.0, 2.0];
        let both = LevelLatents::concatenate("all", &[a, b.clone()]);
        assert_eq!(both.dims, 3);
        assert_eq!(both.mu, vec![1.0, 3.0, 4.0, 2.0, 5.0, 6.0]);
        assert_eq!(both.mean(1), &[2.0, 5.0, 6.0]);
        assert_eq!(both.dimension(2), vec![4.0, 6.0]);
        assert_eq!(both.logvar[3], 0.2);
        assert_eq!(both.kl[4], b.kl[2]);
        assert_eq!(both.kl_rest, vec![1.0, 2.0]);
    }
}
