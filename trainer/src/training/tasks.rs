//! The two VAE training tasks wired to their models and data.

use std::path::Path;

use super::batch;
use super::config::Preset;
use super::vae_loop::{self, Evaluation, VaeRun};
use crate::model::audio_vae::AudioVae;
use crate::model::image_vae::ImageVae;

pub fn train_image_vae(preset: &Preset, out_dir: &Path) -> anyhow::Result<(ImageVae, Evaluation)> {
    let section = &preset.image_vae;
    vae_loop::train(
        VaeRun {
            name: "image_vae",
            out_dir,
            train: &section.train,
            data: &preset.data,
            config_json: serde_json::to_value(section)?,
            peak: 1.0,
            kl_groups: section.model.latent_channels,
        },
        |device| section.model.init(device),
        |samples, device| batch::image_crops(samples, section.train.crop_size, device),
        batch::images,
    )
}

pub fn train_audio_vae(preset: &Preset, out_dir: &Path) -> anyhow::Result<(AudioVae, Evaluation)> {
    let section = &preset.audio_vae;
    let n_mels = section.model.n_mels;
    vae_loop::train(
        VaeRun {
            name: "audio_vae",
            out_dir,
            train: &section.train,
            data: &preset.data,
            config_json: serde_json::to_value(section)?,
            peak: 2.0,
            kl_groups: 1,
        },
        |device| section.model.init(device),
        move |samples, device| batch::mels(samples, n_mels, device),
        move |samples, device| batch::mels(samples, n_mels, device),
    )
}
