//! What the DiT trains on, computed on the fly from the data stream with the trained
//! autoencoders: the clean latent (image encoder mean x the manifest's latent scale), the audio
//! condition (audio encoder mean) and the style (one-hot visualizer family).

use burn::prelude::*;

use super::batch;
use super::vae_loop::heldout_samples;
use crate::data::dataset::{DataConfig, Sample};
use crate::data::visualizers::{ALL_FAMILIES, Family};
use crate::model::audio_vae::AudioVae;
use crate::model::image_vae::ImageVae;

pub struct Conditioner<'a> {
    pub image_vae: &'a ImageVae,
    pub audio_vae: &'a AudioVae,
    /// Multiplies encoder means into the unit-variance space the DiT works in.
    pub latent_scale: f32,
    pub n_mels: usize,
    /// One-hot width (0: no style input).
    pub styles: usize,
    /// Where the autoencoders live (batches come back to the host either way).
    pub device: Device,
}

/// One batch, on the host.
#[derive(Debug, Clone)]
pub struct DitBatch {
    pub size: usize,
    /// `[size, C, S, S]` clean latents.
    pub latent: Vec<f32>,
    pub latent_shape: [usize; 4],
    /// `[size, audio_dims]`.
    pub audio: Vec<f32>,
    pub audio_dims: usize,
    /// `[size, styles]` one-hot.
    pub style: Vec<f32>,
}

/// Index of a family in the style one-hot.
pub fn style_index(family: Family) -> usize {
    ALL_FAMILIES
        .iter()
        .position(|f| *f == family)
        .expect("every family is listed")
}

/// A `[rows, styles]` one-hot of `families` (all zeros when `styles` is 0).
pub fn one_hot(families: &[Family], styles: usize) -> Vec<f32> {
    let mut style = vec![0.0; families.len() * styles];
    if styles > 0 {
        for (row, family) in families.iter().enumerate() {
            style[row * styles + style_index(*family)] = 1.0;
        }
    }
    style
}

impl Conditioner<'_> {
    pub fn encode(&self, samples: &[Sample]) -> DitBatch {
        let device = &self.device;
        let (mu, _) = self.image_vae.encode(batch::images(samples, device));
        let latent_shape = mu.dims();
        let latent = batch::to_vec(mu.mul_scalar(self.latent_scale));
        let (audio, _) = self
            .audio_vae
            .encode(batch::mels(samples, self.n_mels, device));
        let audio_dims = audio.dims()[1];
        let families: Vec<Family> = samples.iter().map(|s| s.family).collect();
        DitBatch {
            size: samples.len(),
            latent,
            latent_shape,
            audio: batch::to_vec(audio),
            audio_dims,
            style: one_hot(&families, self.styles),
        }
    }
}

/// 1 / standard deviation of the image encoder's means over held-out frames, so the DiT works
/// on unit-variance latents.
pub fn latent_scale(model: &ImageVae, data: &DataConfig, device: &Device) -> f32 {
    let samples = heldout_samples(data, 32);
    let (mu, _) = model.encode(batch::images(&samples, device));
    let values = batch::to_vec(mu);
    let mean = values.iter().sum::<f32>() / values.len() as f32;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / values.len() as f32;
    1.0 / var.sqrt().max(1e-6)
}

/// Whether a run's recorded latent scale is `scale` (both from [`latent_scale`] of one image VAE;
/// the tolerance absorbs float summation order on another machine).
pub fn same_latent_scale(recorded: f32, scale: f32) -> bool {
    (recorded - scale).abs() <= 1e-4 * scale
}
