//! The DDIM sampler (Song et al. 2021) for v-prediction models, with "trailing" timestep spacing
//! (Lin et al. 2024: the first step starts at the last, noisiest training step, which few-step
//! sampling needs), and classifier-free guidance. The step and the guidance work in place on flat
//! latent slices without allocating; only the plan (a few entries per frame) is a new `Vec`.

use serde::{Deserialize, Serialize};

use super::schedule::{NoiseSchedule, signal_noise};

/// One step of a DDIM plan: denoise from step `t` (where ᾱ = `alpha_bar`) to `alpha_bar_next`
/// (1 for the last step, which lands on the clean estimate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DdimStep {
    /// The timestep fed to the model.
    pub t: usize,
    pub alpha_bar: f64,
    pub alpha_bar_next: f64,
}

/// The `steps` denoising steps from pure noise to a clean latent, noisiest first.
///
/// `start_fraction` < 1 starts part-way (img2img / latent inertia): the first step is at that
/// fraction of the schedule, so the input latent is expected to be noised to the first step's
/// `alpha_bar` (see [`super::schedule::signal_noise`]).
pub fn ddim_plan(schedule: &NoiseSchedule, steps: usize, start_fraction: f32) -> Vec<DdimStep> {
    let alphas = schedule.alphas_cumprod();
    let total = alphas.len();
    let steps = steps.max(1);
    let span = (total as f64 * start_fraction.clamp(0.0, 1.0) as f64).max(1.0);
    let mut timesteps: Vec<usize> = (0..steps)
        .map(|i| ((span * (1.0 - i as f64 / steps as f64)).round() as usize).clamp(1, total) - 1)
        .collect();
    timesteps.dedup();
    timesteps
        .iter()
        .enumerate()
        .map(|(i, &t)| DdimStep {
            t,
            alpha_bar: alphas[t],
            alpha_bar_next: timesteps.get(i + 1).map_or(1.0, |&next| alphas[next]),
        })
        .collect()
}

/// One deterministic DDIM update (η = 0) in place: `latent` is x_t on entry and x_next on exit,
/// given the model's v-prediction. Returns nothing; non-finite model output propagates (the
/// engine checks the frame).
pub fn ddim_step(step: &DdimStep, latent: &mut [f32], v: &[f32]) {
    let (a, b) = signal_noise(step.alpha_bar);
    let (a_next, b_next) = signal_noise(step.alpha_bar_next);
    for (x, &v) in latent.iter_mut().zip(v) {
        let x0 = a * *x - b * v;
        let eps = b * *x + a * v;
        *x = a_next * x0 + b_next * eps;
    }
}

/// The noise levels where classifier-free guidance applies, as fractions of the schedule's
/// timesteps (t / T: 0 is clean, 1 the noisiest step). Guiding only part of the way
/// (Kynkäänniemi et al. 2024, "Applying guidance in a limited interval improves sample and
/// distribution quality") leaves the noisiest steps, where the layout is chosen, to the
/// conditional model alone: guidance there pulls every sample towards the same few layouts.
/// Unguided steps run one DiT row instead of two.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GuidanceInterval {
    pub low: f32,
    pub high: f32,
}

impl GuidanceInterval {
    pub fn validate(&self) -> Result<(), String> {
        if (0.0..=1.0).contains(&self.low)
            && (0.0..=1.0).contains(&self.high)
            && self.low <= self.high
        {
            Ok(())
        } else {
            Err(format!(
                "guidance interval [{}, {}] must lie within [0, 1], low first",
                self.low, self.high
            ))
        }
    }

    /// Whether step `t` of a schedule of `train_steps` steps is guided.
    pub fn contains(&self, t: usize, train_steps: usize) -> bool {
        let fraction = (t + 1) as f32 / train_steps.max(1) as f32;
        (self.low..=self.high).contains(&fraction)
    }
}

/// Classifier-free guidance in place: `conditional` becomes u + scale · (c − u). Scale 1 is the
/// conditional prediction, 0 the unconditional one, above 1 follows the audio harder.
pub fn guide(conditional: &mut [f32], unconditional: &[f32], scale: f32) {
    for (c, &u) in conditional.iter_mut().zip(unconditional) {
        *c = u + scale * (*c - u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_plan_starts_at_the_noisiest_step_and_ends_clean() {
        let schedule = NoiseSchedule::default();
        let plan = ddim_plan(&schedule, 4, 1.0);
        let ts: Vec<usize> = plan.iter().map(|s| s.t).collect();
        assert_eq!(ts, [999, 749, 499, 249]);
        assert_eq!(plan[3].alpha_bar_next, 1.0);
        assert_eq!(plan[0].alpha_bar_next, plan[1].alpha_bar);
        let one = ddim_plan(&schedule, 1, 1.0);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].t, 999);
    }

    #[test]
    fn partial_plans_start_part_way() {
        let plan = ddim_plan(&NoiseSchedule::default(), 2, 0.5);
        let ts: Vec<usize> = plan.iter().map(|s| s.t).collect();
        assert_eq!(ts, [499, 249]);
        // More steps than the span holds collapse to distinct timesteps.
        let dense = ddim_plan(&NoiseSchedule::default(), 50, 0.01);
        let ts: Vec<usize> = dense.iter().map(|s| s.t).collect();
        assert_eq!(ts, (0..10).rev().collect::<Vec<_>>());
    }

    /// With the exact v of a known clean latent, every plan must land on that latent, whatever
    /// the number of steps: the sampler's algebra is exact.
    #[test]
    fn an_oracle_model_is_recovered_exactly() {
        let schedule = NoiseSchedule::default();
        let x0 = [0.5f32, -1.0, 2.0, 0.0];
        let eps = [1.0f32, 0.3, -0.7, -2.0];
        for steps in [1, 2, 4, 8] {
            let plan = ddim_plan(&schedule, steps, 1.0);
            let (a, b) = signal_noise(plan[0].alpha_bar);
            let mut latent: Vec<f32> = x0.iter().zip(&eps).map(|(x, e)| a * x + b * e).collect();
            for step in &plan {
                let (a, b) = signal_noise(step.alpha_bar);
                // The oracle: recover ε from x_t and the known x0, then form v.
                let v: Vec<f32> = latent
                    .iter()
                    .zip(&x0)
                    .map(|(xt, x0)| {
                        let e = (xt - a * x0) / b;
                        a * e - b * x0
                    })
                    .collect();
                ddim_step(step, &mut latent, &v);
            }
            for (got, want) in latent.iter().zip(&x0) {
                assert!((got - want).abs() < 1e-3, "{steps} steps: {got} vs {want}");
            }
        }
    }

    #[test]
    fn a_guidance_interval_covers_the_steps_between_its_ends() {
        let interval = GuidanceInterval {
            low: 0.0,
            high: 0.7,
        };
        interval.validate().unwrap();
        // The trailing plan's steps 999 and 749 are at 100% and 75% of the schedule.
        assert!(!interval.contains(999, 1000));
        assert!(!interval.contains(749, 1000));
        assert!(interval.contains(699, 1000));
        assert!(interval.contains(0, 1000));
        for (low, high) in [(0.5, 0.4), (-0.1, 0.5), (0.2, 1.5), (f32::NAN, 1.0)] {
            assert!(
                GuidanceInterval { low, high }.validate().is_err(),
                "{low} {high}"
            );
        }
    }

    #[test]
    fn guidance_interpolates_and_extrapolates() {
        let mut c = [1.0f32, 2.0];
        guide(&mut c, &[0.0, 1.0], 3.0);
        assert_eq!(c, [3.0, 4.0]);
        let mut c = [1.0f32];
        guide(&mut c, &[0.5], 1.0);
        assert_eq!(c, [1.0]);
    }
}
