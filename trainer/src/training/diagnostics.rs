//! Latent diagnostics for a diagonal-Gaussian posterior q(z|x) = N(mu, exp(logvar)): KL per
//! dimension (to a standard normal here, or as the model's own prior gives it), raw and
//! free-bits KL, active dimensions, mu/logvar statistics. Computed on the host.

/// KL(N(mu, e^logvar) || N(0, 1)) of one dimension of one sample, in nats.
pub fn standard_normal_kl(mu: f32, logvar: f32) -> f32 {
    0.5 * (mu * mu + logvar.exp() - 1.0 - logvar)
}

/// Mean over a batch of KL(q(z_d|x) || N(0, 1)) for one dimension, in nats.
pub fn kl_per_dimension(mu: &[f32], logvar: &[f32], dims: usize) -> Vec<f32> {
    let batch = mu.len() / dims.max(1);
    let mut kl = vec![0.0f32; dims];
    for (i, (m, lv)) in mu.iter().zip(logvar).enumerate() {
        kl[i % dims] += standard_normal_kl(*m, *lv);
    }
    kl.iter_mut().for_each(|k| *k /= batch.max(1) as f32);
    kl
}

/// Variance across the batch of each dimension's mean (the "active units" statistic).
pub fn mu_variance_per_dimension(mu: &[f32], dims: usize) -> Vec<f32> {
    let batch = (mu.len() / dims.max(1)).max(1) as f32;
    let mut mean = vec![0.0f32; dims];
    for (i, m) in mu.iter().enumerate() {
        mean[i % dims] += m / batch;
    }
    let mut var = vec![0.0f32; dims];
    for (i, m) in mu.iter().enumerate() {
        var[i % dims] += (m - mean[i % dims]).powi(2) / batch;
    }
    var
}

/// A dimension is active when its mean moves with the input: Var_x(E[z_d|x]) > this.
pub const ACTIVE_VARIANCE: f32 = 0.01;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LatentStats {
    /// Sum over dimensions of the batch-mean KL (nats per sample).
    pub kl_raw: f32,
    /// Sum over dimensions of max(KL_d, free_bits) (what the loss sees).
    pub kl_free_bits: f32,
    pub dims: usize,
    pub active_dims: usize,
    pub active_fraction: f32,
    pub mu_mean: f32,
    pub mu_std: f32,
    pub logvar_mean: f32,
    /// KL per dimension summed per group (latent channel, or level of a hierarchy); a
    /// mixture prior's component term is counted in `kl_raw` only.
    pub kl_per_group: Vec<f32>,
}

/// How the dimensions are grouped for `kl_per_group`.
#[derive(Debug, Clone, PartialEq)]
pub enum KlGroups {
    /// This many groups of equal size (e.g. latent channels).
    Equal(usize),
    /// Consecutive groups of these sizes (e.g. levels of a hierarchy).
    Sizes(Vec<usize>),
}

/// The batch-mean KL of a posterior: per dimension, and the part outside the dimensions.
#[derive(Debug, Clone, PartialEq)]
pub struct KlFigures {
    pub per_dim: Vec<f32>,
    pub rest: f32,
}

impl KlFigures {
    /// Against a standard normal prior.
    pub fn standard_normal(mu: &[f32], logvar: &[f32], dims: usize) -> Self {
        Self {
            per_dim: kl_per_dimension(mu, logvar, dims),
            rest: 0.0,
        }
    }
}

pub fn latent_stats(
    mu: &[f32],
    logvar: &[f32],
    kl: &KlFigures,
    free_bits: f32,
    groups: &KlGroups,
) -> LatentStats {
    let dims = kl.per_dim.len();
    let var = mu_variance_per_dimension(mu, dims);
    let active = var.iter().filter(|&&v| v > ACTIVE_VARIANCE).count();
    let n = mu.len().max(1) as f32;
    let mu_mean = mu.iter().sum::<f32>() / n;
    let mu_std = (mu.iter().map(|m| (m - mu_mean).powi(2)).sum::<f32>() / n).sqrt();
    let sizes = match groups {
        KlGroups::Equal(n) => vec![dims / (*n).clamp(1, dims.max(1)); (*n).clamp(1, dims.max(1))],
        KlGroups::Sizes(sizes) => sizes.clone(),
    };
    let mut start = 0;
    let kl_per_group = sizes
        .iter()
        .map(|&size| {
            let end = (start + size).min(dims);
            let sum = kl.per_dim[start.min(end)..end].iter().sum();
            start = end;
            sum
        })
        .collect();
    LatentStats {
        kl_raw: kl.per_dim.iter().sum::<f32>() + kl.rest,
        kl_free_bits: kl.per_dim.iter().map(|k| k.max(free_bits)).sum::<f32>() + kl.rest,
        dims,
        active_dims: active,
        active_fraction: active as f32 / dims.max(1) as f32,
        mu_mean,
        mu_std,
        logvar_mean: logvar.iter().sum::<f32>() / n,
        kl_per_group,
    }
}

/// Peak signal-to-noise ratio in dB for signals in [0, `peak`].
pub fn psnr(a: &[f32], b: &[f32], peak: f32) -> f32 {
    let mse = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f32>() / a.len().max(1) as f32;
    10.0 * (peak * peak / mse.max(1e-12)).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prior_matching_posterior_has_zero_kl() {
        let kl = kl_per_dimension(&[0.0; 8], &[0.0; 8], 4);
        assert!(kl.iter().all(|k| k.abs() < 1e-7));
    }

    #[test]
    fn known_kl_value() {
        // KL(N(1, 1) || N(0, 1)) = 0.5
        let kl = kl_per_dimension(&[1.0, 1.0], &[0.0, 0.0], 1);
        assert!((kl[0] - 0.5).abs() < 1e-6);
    }

    #[test]
    fn collapsed_dimension_is_inactive_and_free_bits_floor_applies() {
        // Two dims, batch of 3: dim 0 varies with the input, dim 1 is collapsed to the prior.
        let mu = [-1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        let logvar = [0.0; 6];
        let kl = KlFigures::standard_normal(&mu, &logvar, 2);
        let stats = latent_stats(&mu, &logvar, &kl, 0.25, &KlGroups::Equal(2));
        assert_eq!(stats.active_dims, 1);
        assert!((stats.kl_raw - 1.0 / 3.0).abs() < 1e-6);
        assert!((stats.kl_free_bits - (1.0 / 3.0 + 0.25)).abs() < 1e-6);
        assert_eq!(stats.kl_per_group.len(), 2);
    }

    #[test]
    fn groups_of_given_sizes_and_the_rest_of_a_mixture() {
        let kl = KlFigures {
            per_dim: vec![1.0, 2.0, 3.0, 4.0],
            rest: 0.5,
        };
        let stats = latent_stats(&[0.0; 4], &[0.0; 4], &kl, 0.0, &KlGroups::Sizes(vec![1, 3]));
        assert_eq!(stats.kl_per_group, vec![1.0, 9.0]);
        assert!((stats.kl_raw - 10.5).abs() < 1e-6);
    }

    #[test]
    fn psnr_of_known_error() {
        let a = vec![0.5; 100];
        let b = vec![0.6; 100];
        assert!((psnr(&a, &b, 1.0) - 20.0).abs() < 1e-3);
    }
}
