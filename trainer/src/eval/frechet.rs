//! Fréchet distance between Gaussians fitted to two feature sets (the FID formula of Heusel et
//! al. 2017): |μ₁ − μ₂|² + tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½). Computed with nalgebra's symmetric
//! eigendecomposition (the matrix square roots of symmetric PSD matrices).

use nalgebra::{DMatrix, DVector};

/// Mean and covariance of `rows` feature vectors of width `dims`.
fn gaussian(features: &[f32], dims: usize) -> (DVector<f64>, DMatrix<f64>) {
    let rows = features.len() / dims;
    let data = DMatrix::from_row_iterator(rows, dims, features.iter().map(|&v| v as f64));
    let mean = data.row_mean().transpose();
    let centered = DMatrix::from_fn(rows, dims, |r, c| data[(r, c)] - mean[c]);
    let cov = centered.transpose() * &centered / (rows.max(2) - 1) as f64;
    (mean, cov)
}

fn sqrt_psd(m: &DMatrix<f64>) -> DMatrix<f64> {
    let eigen = m.clone().symmetric_eigen();
    let roots = eigen.eigenvalues.map(|v| v.max(0.0).sqrt());
    &eigen.eigenvectors * DMatrix::from_diagonal(&roots) * eigen.eigenvectors.transpose()
}

/// The Fréchet distance between two sets of `dims`-wide features (row-major).
pub fn frechet_distance(a: &[f32], b: &[f32], dims: usize) -> f64 {
    let (mean_a, cov_a) = gaussian(a, dims);
    let (mean_b, cov_b) = gaussian(b, dims);
    let root_a = sqrt_psd(&cov_a);
    let middle = &root_a * &cov_b * &root_a;
    let middle = (&middle + middle.transpose()) * 0.5;
    let cross = sqrt_psd(&middle).trace();
    ((mean_a - mean_b).norm_squared() + cov_a.trace() + cov_b.trace() - 2.0 * cross).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(seed: u64, n: usize, dims: usize, shift: f32, scale: f32) -> Vec<f32> {
        let noise = synesthete_engine::generation::noise::gaussian(seed, n * dims);
        noise.iter().map(|v| v * scale + shift).collect()
    }

    #[test]
    fn identical_sets_are_zero_apart() {
        let a = points(1, 500, 4, 0.0, 1.0);
        assert!(frechet_distance(&a, &a, 4) < 1e-6);
    }

    #[test]
    fn a_mean_shift_costs_its_squared_length() {
        let a = points(1, 4000, 3, 0.0, 1.0);
        let b: Vec<f32> = a.iter().map(|v| v + 2.0).collect();
        // Same covariance: the distance is |(2, 2, 2)|² = 12.
        assert!((frechet_distance(&a, &b, 3) - 12.0).abs() < 1e-6);
    }

    #[test]
    fn a_scale_change_costs_the_variance_gap() {
        // 1-d: (σ₁ − σ₂)² for N(0, 1) vs N(0, 9) is 4, up to sampling error.
        let a = points(2, 20_000, 1, 0.0, 1.0);
        let b = points(3, 20_000, 1, 0.0, 3.0);
        let d = frechet_distance(&a, &b, 1);
        assert!((d - 4.0).abs() < 0.2, "{d}");
    }
}
