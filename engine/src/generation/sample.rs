//! The guided DDIM loop over the DiT graph: from a fixed initial noise (or a previous latent
//! re-noised part-way, for latent inertia) to a clean latent in a few steps.

use super::models::{GenerationError, Models};
use crate::diffusion::schedule::signal_noise;
use crate::diffusion::{GuidanceInterval, ddim_plan, ddim_step, guide};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleSettings {
    /// DDIM steps (1 is a single regression-like jump; the manifest recommends a count).
    pub steps: usize,
    /// Classifier-free guidance on the audio condition: 1 is plain conditional sampling, higher
    /// follows the audio harder (one extra unconditional row per step when != 1).
    pub guidance: f32,
    /// The steps guidance applies to (the manifest's recommendation); `None`: all of them.
    pub guidance_interval: Option<GuidanceInterval>,
    /// Visualizer family index for style-conditioned models; `None` lets the model choose.
    pub style: Option<usize>,
    /// With a start latent: how far to re-noise it before denoising (1 = ignore it entirely).
    pub strength: f32,
}

/// Samples one latent (the DiT's unit-variance space; pass it to [`Models::decode`]).
///
/// - `audio`: one conditioning vector (from [`Models::encode_audio`]).
/// - `noise`: one latent's worth of standard-normal noise (held fixed across frames for
///   temporal coherence, see `generation::noise`).
/// - `start`: the previous frame's latent for latent inertia, used when `strength` < 1.
pub fn sample_latent(
    models: &mut Models,
    audio: &[f32],
    noise: &[f32],
    settings: &SampleSettings,
    start: Option<&[f32]>,
) -> Result<Vec<f32>, GenerationError> {
    let diffusion = models
        .manifest
        .diffusion
        .clone()
        .ok_or(GenerationError::NoDiffusionSettings)?;
    let len = models.latent_len();
    if noise.len() != len {
        return Err(GenerationError::Shape {
            what: "the initial noise",
            expected: len,
            got: noise.len(),
        });
    }
    let strength = match start {
        Some(_) => settings.strength.clamp(0.0, 1.0),
        None => 1.0,
    };
    let plan = ddim_plan(&diffusion.schedule, settings.steps, strength);
    let mut latent = match start {
        Some(previous) if strength < 1.0 => {
            if previous.len() != len {
                return Err(GenerationError::Shape {
                    what: "the start latent",
                    expected: len,
                    got: previous.len(),
                });
            }
            let (a, b) = signal_noise(plan[0].alpha_bar);
            previous
                .iter()
                .zip(noise)
                .map(|(x, e)| a * x + b * e)
                .collect()
        }
        _ => noise.to_vec(),
    };

    let styles = models.styles();
    let mut style = vec![0.0; styles];
    if let Some(index) = settings.style.filter(|&i| i < styles) {
        style[index] = 1.0;
    }
    let guided = settings.guidance != 1.0;
    let max_rows = if guided { 2 } else { 1 };
    // Row 0 is conditional; row 1 (on guided steps) has the null (all-zero) audio condition.
    let mut audio_rows = audio.to_vec();
    audio_rows.resize(max_rows * audio.len(), 0.0);
    let style_rows = style.repeat(max_rows);
    let mut latent_rows = vec![0.0; max_rows * len];
    let train_steps = diffusion.schedule.train_steps;
    for step in &plan {
        let guided_here = guided
            && settings
                .guidance_interval
                .is_none_or(|interval| interval.contains(step.t, train_steps));
        let rows = if guided_here { 2 } else { 1 };
        for row in latent_rows[..rows * len].chunks_mut(len) {
            row.copy_from_slice(&latent);
        }
        let timesteps = vec![step.t as f32; rows];
        let mut v = models.dit(
            &latent_rows[..rows * len],
            &timesteps,
            &audio_rows[..rows * audio.len()],
            &style_rows[..rows * styles],
        )?;
        if guided_here {
            let (conditional, unconditional) = v.split_at_mut(len);
            guide(conditional, unconditional, settings.guidance);
        }
        ddim_step(step, &mut latent, &v[..len]);
    }
    Ok(latent)
}
