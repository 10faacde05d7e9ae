//! Latent diagnostics for a diagonal-Gaussian posterior q(z|x) = N(mu, exp(logvar)) against a
//! standard normal prior: KL per dimension, raw and free-bits KL, active dimensions, mu/logvar
//! statistics. Computed on the host from a batch's mu and logvar.

/// Mean over a batch of KL(q(z_d|x) || N(0, 1)) for one dimension, in nats.
pub fn kl_per_dimension(mu: &[f32], logvar: &[f32], dims: usize) -> Vec<f32> {
    let batch = mu.len() / dims.max(1);
    let mut kl = vec![0.0f32; dims];
    for (i, (m, lv)) in mu.iter().zip(logvar).enumerate() {
        kl[i % dims] += 0.5 * (m * m + lv.exp() - 1.0 - lv);
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
    /// KL per dimension summed over groups of `dims / groups` (e.g. per latent channel).
    pub kl_per_group: Vec<f32>,
}

pub fn latent_stats(
    mu: &[f32],
    logvar: &[f32],
    dims: usize,
    free_bits: f32,
    groups: usize,
) -> LatentStats {
    let kl = kl_per_dimension(mu, logvar, dims);
    let var = mu_variance_per_dimension(mu, dims);
    let active = var.iter().filter(|&&v| v > ACTIVE_VARIANCE).count();
    let n = mu.len().max(1) as f32;
    let mu_mean = mu.iter().sum::<f32>() / n;
    let mu_std = (mu.iter().map(|m| (m - mu_mean).powi(2)).sum::<f32>() / n).sqrt();
    let groups = groups.clamp(1, dims.max(1));
    let per_group = dims / groups;
    LatentStats {
        kl_raw: kl.iter().sum(),
        kl_free_bits: kl.iter().map(|k| k.max(free_bits)).sum(),
        dims,
        active_dims: active,
        active_fraction: active as f32 / dims.max(1) as f32,
        mu_mean,
        mu_std,
        logvar_mean: logvar.iter().sum::<f32>() / n,
        kl_per_group: kl
            .chunks(per_group.max(1))
            .map(|c| c.iter().sum())
            .collect(),
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
        let stats = latent_stats(&mu, &logvar, 2, 0.25, 2);
        assert_eq!(stats.active_dims, 1);
        assert!((stats.kl_raw - 1.0 / 3.0).abs() < 1e-6);
        assert!((stats.kl_free_bits - (1.0 / 3.0 + 0.25)).abs() < 1e-6);
        assert_eq!(stats.kl_per_group.len(), 2);
    }

    #[test]
    fn psnr_of_known_error() {
        let a = vec![0.5; 100];
        let b = vec![0.6; 100];
        assert!((psnr(&a, &b, 1.0) - 20.0).abs() < 1e-3);
    }
}
