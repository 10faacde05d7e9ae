//! `trainer denoise`: the DiT's one-step estimate of held-out frames from their noised latents,
//! at chosen noise levels. Sampling hides where a poor picture comes from; this shows how well
//! the denoiser itself recovers a frame at each level, in numbers (latent error, patch seams)
//! and in a sheet. A DiT whose tokens do not pool what their neighbours hold returns a mosaic of
//! its patches here already, long before the last sampling step.

use std::path::Path;

use synesthete_engine::diffusion::schedule::signal_noise;
use synesthete_engine::generation::Models;
use synesthete_engine::generation::noise::gaussian;

use super::metrics::{mean_var, patch_seams};
use super::report::frame_sheet;
use super::{encode_all, patch_pixels, split_frames};
use crate::data::dataset::DataConfig;
use crate::training::vae_loop::heldout_samples;

/// Frames across the sheet at most.
const SHEET_COLUMNS: usize = 8;

/// The estimate at one noise level.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DenoiseLevel {
    pub timestep: usize,
    /// ᾱ at the timestep (the schedule the manifest records).
    pub alpha_bar: f64,
    /// Mean squared error of the clean-latent estimate, in the DiT's unit-variance space.
    pub latent_mse: f64,
    /// [`patch_seams`] of the decoded estimates (the decoded data's are in `data_seams`).
    pub patch_seams: f64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DenoiseReport {
    pub frames: usize,
    /// Variance of the frames' latents: the error of an estimate that knows nothing.
    pub latent_variance: f64,
    /// [`patch_seams`] of the frames' own reconstructions.
    pub data_seams: f64,
    pub levels: Vec<DenoiseLevel>,
}

/// Estimates `frames` held-out frames (with their own audio, no style) from their latents noised
/// to each of `timesteps`; writes `sheet` (rows: frames, reconstructions, then one per timestep;
/// up to 8 frames across).
pub fn one_step_denoising(
    models: &mut Models,
    data: &DataConfig,
    frames: usize,
    timesteps: &[usize],
    sheet: &Path,
) -> anyhow::Result<DenoiseReport> {
    let alphas = models
        .manifest
        .diffusion
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("the model set has no DiT"))?
        .schedule
        .alphas_cumprod();
    if let Some(&t) = timesteps.iter().find(|&&t| t >= alphas.len()) {
        anyhow::bail!("timestep {t} is outside the schedule's 0..{}", alphas.len());
    }
    anyhow::ensure!(frames > 0, "at least one frame");
    let samples = heldout_samples(data, frames);
    let images: Vec<f32> = samples.iter().flat_map(|s| s.image.data.clone()).collect();
    let clean = models.encode_image(&images)?;
    let audio = encode_all(models, &samples)?;
    let style = vec![0.0; frames * models.styles()];
    let tile = patch_pixels(models)?;
    let image_len = models.image_len();

    let mut rows = vec![
        split_frames(images, image_len),
        split_frames(models.decode(&clean)?, image_len),
    ];
    let seams = |frames: &[Vec<f32>]| patch_seams(frames.iter().map(Vec::as_slice), tile);
    let data_seams = seams(&rows[1]);
    let (_, latent_variance) = mean_var(clean.iter().map(|&v| v as f64));
    let mut levels = Vec::new();
    for &t in timesteps {
        let (a, b) = signal_noise(alphas[t]);
        let noise = gaussian(t as u64, clean.len());
        let noisy: Vec<f32> = clean
            .iter()
            .zip(&noise)
            .map(|(x, e)| a * x + b * e)
            .collect();
        let v = models.dit(&noisy, &vec![t as f32; frames], &audio, &style)?;
        // The sampler's clean estimate from a v-prediction: x0 = a·x_t − b·v.
        let estimate: Vec<f32> = noisy.iter().zip(&v).map(|(x, v)| a * x - b * v).collect();
        let latent_mse = estimate
            .iter()
            .zip(&clean)
            .map(|(e, c)| ((e - c) as f64).powi(2))
            .sum::<f64>()
            / clean.len() as f64;
        let decoded = split_frames(models.decode(&estimate)?, image_len);
        levels.push(DenoiseLevel {
            timestep: t,
            alpha_bar: alphas[t],
            latent_mse,
            patch_seams: seams(&decoded),
        });
        rows.push(decoded);
    }
    let rows: Vec<&[Vec<f32>]> = rows.iter().map(Vec::as_slice).collect();
    let columns = frames.min(SHEET_COLUMNS);
    frame_sheet(&rows, columns, models.manifest.image_size, sheet)?;
    Ok(DenoiseReport {
        frames,
        latent_variance,
        data_seams,
        levels,
    })
}
