//! The noise schedule: ᾱ_t (the signal fraction of x_t) for t in 0..T, and the coefficients of
//! the forward process and of the v-prediction target.
//!
//! Convention (Ho et al. 2020; v from Salimans & Ho 2022):
//! - forward: x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε
//! - target:  v   = √ᾱ_t · ε − √(1 − ᾱ_t) · x_0
//! - so:      x_0 = √ᾱ_t · x_t − √(1 − ᾱ_t) · v,   ε = √(1 − ᾱ_t) · x_t + √ᾱ_t · v

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// Nichol & Dhariwal 2021: ᾱ(t) = cos²(((t/T + s) / (1 + s)) · π/2) / ᾱ(0), s = 0.008.
    Cosine,
    /// Ho et al. 2020: β linear from 1e-4 to 0.02.
    Linear,
}

/// A discrete schedule of `train_steps` noise levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoiseSchedule {
    pub kind: ScheduleKind,
    pub train_steps: usize,
}

/// β is clipped here so the last steps of the cosine schedule stay finite (Nichol & Dhariwal).
const MAX_BETA: f64 = 0.999;

impl Default for NoiseSchedule {
    fn default() -> Self {
        Self {
            kind: ScheduleKind::Cosine,
            train_steps: 1000,
        }
    }
}

impl NoiseSchedule {
    pub fn validate(&self) -> Result<(), String> {
        if !(2..=100_000).contains(&self.train_steps) {
            return Err(format!(
                "train_steps {} must be between 2 and 100000",
                self.train_steps
            ));
        }
        Ok(())
    }

    /// ᾱ_t for every t in 0..train_steps, decreasing from near 1 to near 0.
    pub fn alphas_cumprod(&self) -> Vec<f64> {
        let steps = self.train_steps;
        let betas: Vec<f64> = match self.kind {
            ScheduleKind::Cosine => {
                let f = |t: f64| {
                    let s = 0.008;
                    (((t / steps as f64 + s) / (1.0 + s)) * std::f64::consts::FRAC_PI_2)
                        .cos()
                        .powi(2)
                };
                (0..steps)
                    .map(|t| (1.0 - f(t as f64 + 1.0) / f(t as f64)).min(MAX_BETA))
                    .collect()
            }
            ScheduleKind::Linear => (0..steps)
                .map(|t| 1e-4 + (0.02 - 1e-4) * t as f64 / (steps - 1) as f64)
                .collect(),
        };
        betas
            .iter()
            .scan(1.0, |product, beta| {
                *product *= 1.0 - beta;
                Some(*product)
            })
            .collect()
    }
}

/// `(√ᾱ, √(1 − ᾱ))`: x_t = a · x_0 + b · ε, and v = a · ε − b · x_0.
pub fn signal_noise(alpha_bar: f64) -> (f32, f32) {
    (alpha_bar.sqrt() as f32, (1.0 - alpha_bar).sqrt() as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_schedule_runs_from_clean_to_noise() {
        let a = NoiseSchedule::default().alphas_cumprod();
        assert_eq!(a.len(), 1000);
        assert!(a[0] > 0.9999, "ᾱ_0 = {}", a[0]);
        assert!(a[999] < 1e-4, "ᾱ_T = {}", a[999]);
        assert!(a.windows(2).all(|w| w[1] < w[0]), "strictly decreasing");
        // Half way the cosine schedule keeps about half the signal power: cos²(π/4 · 1.016/1.008).
        assert!((a[499] - 0.4936).abs() < 0.01, "ᾱ_499 = {}", a[499]);
    }

    #[test]
    fn linear_schedule_matches_ho_et_al() {
        let a = NoiseSchedule {
            kind: ScheduleKind::Linear,
            train_steps: 1000,
        }
        .alphas_cumprod();
        assert!((a[0] - (1.0 - 1e-4)).abs() < 1e-12);
        // ᾱ_T of the DDPM paper's schedule is about 4e-5.
        assert!(a[999] > 1e-5 && a[999] < 1e-4, "ᾱ_T = {}", a[999]);
    }

    #[test]
    fn v_parameterisation_inverts() {
        let (a, b) = signal_noise(0.3);
        let (x0, eps) = (0.7f32, -1.2f32);
        let xt = a * x0 + b * eps;
        let v = a * eps - b * x0;
        assert!((a * xt - b * v - x0).abs() < 1e-6);
        assert!((b * xt + a * v - eps).abs() < 1e-6);
    }

    #[test]
    fn tiny_or_huge_schedules_are_refused() {
        for steps in [0, 1, 100_001] {
            let s = NoiseSchedule {
                train_steps: steps,
                ..Default::default()
            };
            assert!(s.validate().is_err(), "{steps} steps accepted");
        }
    }
}
