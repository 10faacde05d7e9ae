//! Slowness of a latent level: how far the means of windows that belong together (one clip, or
//! one section of it) lie apart, relative to how far any two windows lie apart. The
//! hierarchical audio encoder is trained to keep this low for its slow levels, and the latent
//! report measures it per level with the same function.

use burn::prelude::*;

use crate::data::dataset::Sample;

/// Windows of one section this close in time (seconds) count as one phrase.
pub const PHRASE_SECONDS: f32 = 1.0;

/// Which pairs of a batch's windows belong together: `[batch, batch]` masks of 0/1 with a zero
/// diagonal, `None` where no pair does.
pub struct PairMasks {
    pub same_clip: Option<Tensor<2>>,
    pub same_phrase: Option<Tensor<2>>,
}

impl PairMasks {
    pub fn of(samples: &[Sample], device: &Device) -> Self {
        let n = samples.len();
        let mut clip = vec![0.0f32; n * n];
        let mut phrase = vec![0.0f32; n * n];
        for (i, a) in samples.iter().enumerate() {
            for (j, b) in samples.iter().enumerate() {
                if i == j || a.factors.clip_seed != b.factors.clip_seed {
                    continue;
                }
                clip[i * n + j] = 1.0;
                if a.factors.section == b.factors.section
                    && (a.time_s - b.time_s).abs() <= PHRASE_SECONDS
                {
                    phrase[i * n + j] = 1.0;
                }
            }
        }
        let mask = |values: Vec<f32>| {
            values
                .iter()
                .any(|&v| v > 0.0)
                .then(|| Tensor::<1>::from_floats(values.as_slice(), device).reshape([n, n]))
        };
        Self {
            same_clip: mask(clip),
            same_phrase: mask(phrase),
        }
    }
}

/// Mean squared distance between the means of the pairs in `mask`, over the mean squared
/// distance between all pairs: 0 when the pairs agree exactly, about 1 when belonging together
/// makes no difference. `None` without pairs. Returns a one-element tensor.
///
/// # Shapes
/// - mu: `[batch, dims]`
/// - mask: `[batch, batch]`
pub fn slowness(mu: Tensor<2>, mask: &Option<Tensor<2>>) -> Option<Tensor<1>> {
    let mask = mask.as_ref()?;
    let [batch, _] = mu.dims();
    let norms = mu.clone().square().sum_dim(1); // [B, 1]
    let distances = (norms.clone() + norms.transpose()
        - mu.clone().matmul(mu.transpose()).mul_scalar(2.0))
    .clamp_min(0.0);
    let device = distances.device();
    let off_diagonal =
        Tensor::<2>::ones([batch, batch], &device) - Tensor::<2>::eye(batch, &device);
    let mean_over = |weights: Tensor<2>| {
        (distances.clone() * weights.clone()).sum() / weights.sum().clamp_min(1.0)
    };
    let together = mean_over(mask.clone());
    let all = mean_over(off_diagonal);
    Some(together / all.add_scalar(1e-6))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratio(mu: [[f32; 1]; 4], mask: [[f32; 4]; 4]) -> f32 {
        let device = Device::flex();
        let mask = Some(Tensor::<2>::from_floats(mask, &device));
        slowness(Tensor::from_floats(mu, &device), &mask)
            .unwrap()
            .into_scalar()
    }

    const PAIRS: [[f32; 4]; 4] = [
        [0.0, 1.0, 0.0, 0.0],
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
        [0.0, 0.0, 1.0, 0.0],
    ];

    #[test]
    fn pairs_that_agree_are_perfectly_slow() {
        assert!(ratio([[1.0], [1.0], [-1.0], [-1.0]], PAIRS).abs() < 1e-6);
    }

    #[test]
    fn pairs_no_closer_than_others_are_near_one_or_above() {
        // Pairs (0,1) and (2,3) are 2 apart; the cross pairs 0 or 2 apart.
        let r = ratio([[1.0], [-1.0], [1.0], [-1.0]], PAIRS);
        // within: 4; all pairs: (4 + 0 + 4 + 4 + 0 + 4) * 2 / 12 = 8/3
        assert!((r - 1.5).abs() < 1e-4, "{r}");
    }

    #[test]
    fn no_pairs_no_figure() {
        let device = Device::flex();
        assert!(slowness(Tensor::zeros([3, 2], &device), &None).is_none());
    }
}
