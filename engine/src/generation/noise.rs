//! Seeded Gaussian noise and spherical interpolation between noises. Deterministic DDIM maps a
//! fixed initial noise smoothly to an image, so the engine holds the noise and drifts it between
//! seeds with slerp (which keeps the noise's norm, unlike a linear blend that shrinks it).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// `len` standard-normal values from `seed` (the same on every platform).
pub fn gaussian(seed: u64, len: usize) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..len).map(|_| StandardNormal.sample(&mut rng)).collect()
}

/// Spherical interpolation from `a` (t = 0) to `b` (t = 1) into `out`; falls back to a linear
/// blend when the two are (anti)parallel.
pub fn slerp(a: &[f32], b: &[f32], t: f32, out: &mut [f32]) {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (*x as f64) * (*y as f64))
        .sum();
    let norm = |v: &[f32]| v.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let cos = (dot / (norm(a) * norm(b)).max(1e-12)).clamp(-1.0, 1.0);
    let theta = cos.acos();
    let (wa, wb) = if theta.sin().abs() < 1e-6 {
        (1.0 - t as f64, t as f64)
    } else {
        (
            ((1.0 - t as f64) * theta).sin() / theta.sin(),
            (t as f64 * theta).sin() / theta.sin(),
        )
    };
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = (wa * *x as f64 + wb * *y as f64) as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaussian_noise_is_seeded_and_standard() {
        let a = gaussian(7, 20_000);
        assert_eq!(a, gaussian(7, 20_000));
        assert_ne!(a, gaussian(8, 20_000));
        let mean = a.iter().sum::<f32>() / a.len() as f32;
        let var = a.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / a.len() as f32;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }

    #[test]
    fn slerp_hits_the_ends_and_keeps_the_norm_between() {
        let (a, b) = (gaussian(1, 1024), gaussian(2, 1024));
        let mut out = vec![0.0; 1024];
        slerp(&a, &b, 0.0, &mut out);
        assert!(out.iter().zip(&a).all(|(o, x)| (o - x).abs() < 1e-5));
        slerp(&a, &b, 1.0, &mut out);
        assert!(out.iter().zip(&b).all(|(o, x)| (o - x).abs() < 1e-5));
        slerp(&a, &b, 0.5, &mut out);
        let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
        // Independent noises are nearly orthogonal: a linear midpoint would shrink by ~1/sqrt(2).
        let expected = (norm(&a) + norm(&b)) / 2.0;
        assert!((norm(&out) - expected).abs() / expected < 0.03);
    }
}
