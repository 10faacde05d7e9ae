//! Plug-in estimates of entropy and mutual information between discretised variables, and the
//! Mutual Information Gap (Chen et al. 2018, "Isolating Sources of Disentanglement in VAEs").
//!
//! All quantities are in nats. The plug-in estimate of MI is biased upwards by about
//! `(bins_a − 1)(bins_b − 1) / 2N` nats; the gap between the two best latent dimensions cancels
//! most of that bias, since both carry it.

/// Assigns each value to one of `bins` equal-width bins spanning the observed range. A constant
/// (or empty) input lands entirely in bin 0. Non-finite values go to bin 0.
pub fn equal_width_bins(values: &[f64], bins: usize) -> Vec<usize> {
    let bins = bins.max(1);
    let (lo, hi) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if hi <= lo {
        return vec![0; values.len()];
    }
    values
        .iter()
        .map(|&v| {
            if !v.is_finite() {
                return 0;
            }
            let t = (v - lo) / (hi - lo);
            ((t * bins as f64).floor() as usize).min(bins - 1)
        })
        .collect()
}

/// Assigns each value to one of about `bins` quantile bins (equal counts). Tied values always
/// share a bin, so a variable with a large atom (an instrument absent from 20% of the clips) gets
/// fewer, unequal bins rather than an arbitrary split of the tie.
pub fn quantile_bins(values: &[f64], bins: usize) -> Vec<usize> {
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut edges: Vec<f64> = (1..bins.max(1)).map(|i| sorted[i * n / bins]).collect();
    edges.dedup();
    values
        .iter()
        .map(|v| edges.partition_point(|edge| edge <= v))
        .collect()
}

fn counts(codes: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut counts = Vec::new();
    for code in codes {
        if code >= counts.len() {
            counts.resize(code + 1, 0);
        }
        counts[code] += 1;
    }
    counts
}

fn entropy_of_counts(counts: &[usize]) -> f64 {
    let total: usize = counts.iter().sum();
    if total == 0 {
        return 0.0;
    }
    let n = total as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.ln()
        })
        .sum()
}

/// Plug-in entropy H(a) of discrete codes, in nats.
pub fn entropy(codes: &[usize]) -> f64 {
    entropy_of_counts(&counts(codes.iter().copied()))
}

/// Plug-in mutual information I(a; b) = H(a) + H(b) − H(a, b) of two paired code sequences, in
/// nats (clamped at 0 against rounding).
pub fn mutual_information(a: &[usize], b: &[usize]) -> f64 {
    assert_eq!(a.len(), b.len(), "mutual information needs paired samples");
    let width = b.iter().max().map_or(1, |m| m + 1);
    let joint = counts(a.iter().zip(b).map(|(&x, &y)| x * width + y));
    (entropy(a) + entropy(b) - entropy_of_counts(&joint)).max(0.0)
}

/// The Mutual Information Gap of one factor against a set of discretised latent dimensions.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Gap {
    /// (I(z_best; v) − I(z_second; v)) / H(v), in [0, 1].
    pub mig: f64,
    /// H(v) of the discretised factor, in nats.
    pub factor_entropy: f64,
    /// The latent dimension sharing the most information with the factor, and that information.
    pub best_dim: usize,
    pub best_mi: f64,
    /// The runner-up (`None` with a single latent dimension, whose gap is then I / H).
    pub second_dim: Option<usize>,
    pub second_mi: f64,
}

/// MIG of `factor` over the latent dimensions `latents` (each a code per sample, paired with
/// `factor`). `None` when the factor takes a single value (H(v) = 0: nothing to explain).
pub fn mutual_information_gap(latents: &[Vec<usize>], factor: &[usize]) -> Option<Gap> {
    let factor_entropy = entropy(factor);
    if factor_entropy < 1e-12 || latents.is_empty() {
        return None;
    }
    let mut ranked: Vec<(usize, f64)> = latents
        .iter()
        .enumerate()
        .map(|(d, z)| (d, mutual_information(z, factor)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (best_dim, best_mi) = ranked[0];
    let (second_dim, second_mi) = ranked.get(1).map_or((None, 0.0), |&(d, mi)| (Some(d), mi));
    Some(Gap {
        mig: ((best_mi - second_mi) / factor_entropy).clamp(0.0, 1.0),
        factor_entropy,
        best_dim,
        best_mi,
        second_dim,
        second_mi,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const N: usize = 6000;

    /// A factor with 10 equally likely values, and `dims` latent dimensions of uniform noise.
    fn setup(dims: usize, seed: u64) -> (Vec<usize>, Vec<Vec<f64>>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let factor: Vec<usize> = (0..N).map(|_| rng.random_range(0..10)).collect();
        let latents = (0..dims)
            .map(|_| (0..N).map(|_| rng.random_range(-3.0..3.0)).collect())
            .collect();
        (factor, latents)
    }

    fn discretise(latents: &[Vec<f64>]) -> Vec<Vec<usize>> {
        latents.iter().map(|z| equal_width_bins(z, 20)).collect()
    }

    #[test]
    fn entropy_of_a_uniform_variable_is_log_of_its_support() {
        let codes: Vec<usize> = (0..1200).map(|i| i % 12).collect();
        assert!((entropy(&codes) - 12f64.ln()).abs() < 1e-12);
        assert_eq!(entropy(&[3, 3, 3]), 0.0);
    }

    #[test]
    fn information_of_a_variable_with_itself_is_its_entropy_and_is_symmetric() {
        let (factor, latents) = setup(1, 1);
        let z = equal_width_bins(&latents[0], 20);
        assert!((mutual_information(&factor, &factor) - entropy(&factor)).abs() < 1e-9);
        let ab = mutual_information(&z, &factor);
        let ba = mutual_information(&factor, &z);
        assert!((ab - ba).abs() < 1e-9);
    }

    #[test]
    fn a_latent_that_copies_the_factor_has_a_gap_near_one() {
        let (factor, mut latents) = setup(8, 2);
        // Dimension 5 is the factor, affinely rescaled, plus jitter well inside one bin.
        let mut rng = ChaCha8Rng::seed_from_u64(20);
        latents[5] = factor
            .iter()
            .map(|&v| 0.7 * v as f64 - 2.0 + rng.random_range(-0.01..0.01))
            .collect();
        let gap = mutual_information_gap(&discretise(&latents), &factor).unwrap();
        assert_eq!(gap.best_dim, 5);
        assert!((gap.factor_entropy - 10f64.ln()).abs() < 0.01);
        assert!(gap.mig > 0.95, "{gap:?}");
    }

    #[test]
    fn independent_noise_has_a_gap_near_zero() {
        let (factor, latents) = setup(8, 3);
        let gap = mutual_information_gap(&discretise(&latents), &factor).unwrap();
        assert!(gap.mig < 0.02, "{gap:?}");
        // The plug-in bias: about (20 − 1)(10 − 1) / 2N nats for each dimension.
        assert!(gap.best_mi < 2.0 * 19.0 * 9.0 / (2.0 * N as f64), "{gap:?}");
    }

    #[test]
    fn two_dimensions_sharing_a_factor_close_the_gap() {
        // MIG rewards one dimension per factor: a copy in two dimensions is entangled.
        let (factor, mut latents) = setup(4, 4);
        latents[0] = factor.iter().map(|&v| v as f64).collect();
        latents[1] = factor.iter().map(|&v| -(v as f64)).collect();
        let gap = mutual_information_gap(&discretise(&latents), &factor).unwrap();
        assert!(gap.mig < 0.01, "{gap:?}");
        assert!(gap.best_mi > 0.99 * gap.factor_entropy);
    }

    #[test]
    fn a_constant_factor_has_no_gap() {
        let latents = vec![vec![0usize, 1, 2, 3]];
        assert!(mutual_information_gap(&latents, &[1, 1, 1, 1]).is_none());
    }

    #[test]
    fn equal_width_bins_span_the_observed_range() {
        let bins = equal_width_bins(&[0.0, 0.49, 0.5, 1.0, f64::NAN], 2);
        assert_eq!(bins, vec![0, 0, 1, 1, 0]);
        assert_eq!(equal_width_bins(&[2.0, 2.0], 20), vec![0, 0]);
    }

    #[test]
    fn quantile_bins_have_equal_counts_and_keep_ties_together() {
        let values: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 1000) as f64).collect();
        let bins = quantile_bins(&values, 10);
        let counts = counts(bins.iter().copied());
        assert_eq!(counts, vec![100; 10]);
        // A 30% atom at zero stays in one bin.
        let mut values: Vec<f64> = (0..700).map(|i| 1.0 + i as f64).collect();
        values.extend([0.0; 300]);
        let bins = quantile_bins(&values, 10);
        let zero_bins: Vec<usize> = bins[700..].to_vec();
        assert!(zero_bins.iter().all(|&b| b == zero_bins[0]));
        assert!(bins[..700].iter().all(|&b| b != zero_bins[0]));
    }
}
