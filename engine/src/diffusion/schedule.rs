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
    /// Added to every step's log-SNR, ln(ᾱ / (1 − ᾱ)). A latent with more numbers per picture is
    /// easier to read through the same noise, so a negative shift moves the steps towards the
    /// noise levels where the layout is decided ("simple diffusion", Hoogeboom et al. 2023:
    /// −2·ln 2 when each side doubles). Unset: no shift (and absent from manifests and configs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_snr_shift: Option<f64>,
}

/// β is clipped here so the last steps of the cosine schedule stay finite (Nichol & Dhariwal).
const MAX_BETA: f64 = 0.999;

impl Default for NoiseSchedule {
    fn default() -> Self {
        Self {
            kind: ScheduleKind::Cosine,
            train_steps: 1000,
            log_snr_shift: None,
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
        if let Some(shift) = self.log_snr_shift
            && !(shift.is_finite() && shift.abs() <= 10.0)
        {
            return Err(format!("log_snr_shift {shift} must be within ±10"));
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
        let alphas_cumprod = betas.iter().scan(1.0, |product, beta| {
            *product *= 1.0 - beta;
            Some(*product)
        });
        match self.log_snr_shift {
            None => alphas_cumprod.collect(),
            // ᾱ' = sigmoid(log-SNR + shift) = ᾱ / (ᾱ + (1 − ᾱ)·e^(−shift)).
            Some(shift) => alphas_cumprod
                .map(|a| a / (a + (1.0 - a) * (-shift).exp()))
                .collect(),
        }
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
            log_snr_shift: None,
        }
        .alphas_cumprod();
        assert!((a[0] - (1.0 - 1e-4)).abs() < 1e-12);
        // ᾱ_T of the DDPM paper's schedule is about 4e-5.
        assert!(a[999] > 1e-5 && a[999] < 1e-4, "ᾱ_T = {}", a[999]);
    }

    #[test]
    fn a_log_snr_shift_moves_every_step_by_the_shift() {
        let log_snr = |a: f64| (a / (1.0 - a)).ln();
        let plain = NoiseSchedule::default().alphas_cumprod();
        let shift = -2.0 * 2f64.ln();
        let shifted = NoiseSchedule {
            log_snr_shift: Some(shift),
            ..Default::default()
        }
        .alphas_cumprod();
        for t in [0, 250, 499, 750, 998] {
            let moved = log_snr(shifted[t]) - log_snr(plain[t]);
            assert!((moved - shift).abs() < 1e-6, "step {t}: moved by {moved}");
        }
        // Noisier everywhere: half way, a quarter of the SNR.
        assert!(shifted[499] < plain[499] * 0.5, "ᾱ'_499 = {}", shifted[499]);
        assert!(
            shifted.windows(2).all(|w| w[1] < w[0]),
            "strictly decreasing"
        );
    }

    #[test]
    fn an_unset_shift_is_absent_from_the_json_and_old_json_reads_as_unset() {
        let json = serde_json::to_string(&NoiseSchedule::default()).unwrap();
        assert!(!json.contains("log_snr_shift"), "{json}");
        let read: NoiseSchedule =
            serde_json::from_str(r#"{"kind":"cosine","train_steps":1000}"#).unwrap();
        assert_eq!(read, NoiseSchedule::default());
    }

    #[test]
    fn a_shift_that_is_not_a_finite_modest_number_is_refused() {
        for shift in [f64::NAN, f64::INFINITY, 11.0, -11.0] {
            let s = NoiseSchedule {
                log_snr_shift: Some(shift),
                ..Default::default()
            };
            assert!(s.validate().is_err(), "shift {shift} accepted");
        }
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
