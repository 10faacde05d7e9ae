//! Training configuration: TOML presets with documented defaults (`trainer/presets/*.toml`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::schedule::BetaSchedule;
use crate::data::dataset::DataConfig;
use crate::model::audio_vae::AudioVaeConfig;
use crate::model::dit::DitConfig;
use crate::model::image_vae::ImageVaeConfig;
use synesthete_engine::diffusion::NoiseSchedule;

/// Optimisation settings of one beta-VAE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VaeTrainConfig {
    pub steps: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    /// The learning rate decays along a cosine to `learning_rate * final_lr_fraction` at the
    /// last step (1 keeps it constant).
    #[serde(default = "constant_lr")]
    pub final_lr_fraction: f64,
    /// KL floor per latent dimension, in nats (free bits).
    pub free_bits: f32,
    pub beta: BetaSchedule,
    pub log_every: usize,
    pub eval_every: usize,
    pub checkpoint_every: usize,
    /// Held-out samples (from a disjoint seed range) for evaluation.
    pub eval_samples: usize,
    /// Seed for weights and sampling noise.
    pub seed: u64,
    /// Train on random square crops of this size (images only; >= the input size means none).
    #[serde(default = "no_crop")]
    pub crop_size: usize,
    /// Fine-tune: start from the weights of this finished run (same model configuration).
    /// In `[sharp_decoder]`, the image VAE run it fine-tunes (the pipeline sets its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_from: Option<std::path::PathBuf>,
    /// Train the decoder only. The encoder, and with it the latent space, stays as `init_from`
    /// left it, so a DiT trained on those latents still fits the new decoder.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub freeze_encoder: bool,
    /// Weight of the detail loss (`training::detail_loss`): the reconstruction's local
    /// high-frequency energy should match the input's. MSE alone rewards blurring detail whose
    /// exact place is uncertain; this term rewards drawing it with the data's crispness.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub detail_weight: f32,
    /// Weight of the scale-equivariance term (image VAE; Skorokhodov et al. 2025): the
    /// latent averaged over 2x2 cells must decode to the image averaged over 2x2 pixels. It
    /// keeps the latent's coarse structure the picture's, so less of it sits in the finest
    /// octave, which a DiT draws worst.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub scale_equivariance_weight: f32,
}

fn is_zero(value: &f32) -> bool {
    *value == 0.0
}

fn constant_lr() -> f64 {
    1.0
}

fn no_crop() -> usize {
    usize::MAX
}

impl VaeTrainConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.steps == 0 || self.batch_size == 0 || self.eval_samples < 2 {
            return Err("steps and batch_size must be positive and eval_samples at least 2".into());
        }
        if !(self.learning_rate > 0.0 && self.learning_rate < 1.0) {
            return Err(format!(
                "learning_rate {} must be in (0, 1)",
                self.learning_rate
            ));
        }
        if !(0.0..=1.0).contains(&self.final_lr_fraction) {
            return Err(format!(
                "final_lr_fraction {} must be in [0, 1]",
                self.final_lr_fraction
            ));
        }
        if self.crop_size < 16
            || (self.crop_size != usize::MAX && !self.crop_size.is_multiple_of(8))
        {
            return Err(format!(
                "crop_size {} must be a multiple of 8, at least 16",
                self.crop_size
            ));
        }
        if self.free_bits < 0.0
            || self.log_every == 0
            || self.eval_every == 0
            || self.checkpoint_every == 0
        {
            return Err("free_bits must be >= 0 and the *_every intervals positive".into());
        }
        if !(self.detail_weight >= 0.0 && self.detail_weight.is_finite()) {
            return Err(format!("detail_weight {} must be >= 0", self.detail_weight));
        }
        if !(self.scale_equivariance_weight >= 0.0 && self.scale_equivariance_weight.is_finite()) {
            return Err(format!(
                "scale_equivariance_weight {} must be >= 0",
                self.scale_equivariance_weight
            ));
        }
        if self.freeze_encoder && self.init_from.is_none() {
            return Err(
                "freeze_encoder needs init_from: a frozen encoder must come from a trained run"
                    .into(),
            );
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageVaeSection {
    pub model: ImageVaeConfig,
    pub train: VaeTrainConfig,
}

/// A further run of the image VAE (`[[image_vae_fine_tune]]`): `image_vae.train` again with
/// these settings in place of its own, starting from the finished run before it. A preset may
/// list several; the pipeline trains them in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageVaeFineTune {
    pub steps: usize,
    pub learning_rate: f64,
    pub seed: u64,
    pub beta: BetaSchedule,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub scale_equivariance_weight: f32,
}

impl ImageVaeFineTune {
    /// `base` with this fine-tune's settings, starting from the finished run `previous_run`.
    pub fn applied_to(&self, base: &VaeTrainConfig, previous_run: &Path) -> VaeTrainConfig {
        VaeTrainConfig {
            steps: self.steps,
            learning_rate: self.learning_rate,
            seed: self.seed,
            beta: self.beta.clone(),
            scale_equivariance_weight: self.scale_equivariance_weight,
            init_from: Some(previous_run.to_path_buf()),
            ..base.clone()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioVaeSection {
    pub model: AudioVaeConfig,
    pub train: VaeTrainConfig,
}

/// Optimisation and diffusion settings of the DiT (and of its regression baseline, which trains
/// with the same settings and budget).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DitTrainConfig {
    pub steps: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    #[serde(default = "constant_lr")]
    pub final_lr_fraction: f64,
    /// Probability of training a sample with the null (all-zero) audio condition, which
    /// classifier-free guidance needs.
    pub audio_dropout: f32,
    /// Probability of the null style (the model then draws any family the audio suggests).
    pub style_dropout: f32,
    pub schedule: NoiseSchedule,
    pub log_every: usize,
    pub eval_every: usize,
    pub checkpoint_every: usize,
    /// Held-out samples for the validation loss.
    pub eval_samples: usize,
    pub seed: u64,
    /// Fine-tune: start from the weights of this finished run (same model configuration)
    /// instead of a fresh initialisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_from: Option<std::path::PathBuf>,
    /// The regression baseline's budget (`None`: `steps`, the DiT's). Its held-out loss sits at
    /// the average's from the first steps on, so it needs fewer than the DiT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regression_steps: Option<usize>,
    /// Decay of the exponential moving average of the weights (`None`: no average). The run's
    /// model (what export and evaluation read) is then the average; the checkpoint keeps both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ema_decay: Option<f32>,
}

impl DitTrainConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.steps == 0
            || self.regression_steps == Some(0)
            || self.batch_size == 0
            || self.eval_samples == 0
        {
            return Err(
                "steps, regression_steps, batch_size and eval_samples must be positive".into(),
            );
        }
        if !(self.learning_rate > 0.0
            && self.learning_rate < 1.0
            && (0.0..=1.0).contains(&self.final_lr_fraction))
        {
            return Err("learning_rate must be in (0, 1) and final_lr_fraction in [0, 1]".into());
        }
        if !(0.0..1.0).contains(&self.audio_dropout) || !(0.0..=1.0).contains(&self.style_dropout) {
            return Err("audio_dropout must be in [0, 1) and style_dropout in [0, 1]".into());
        }
        if self.log_every == 0 || self.eval_every == 0 || self.checkpoint_every == 0 {
            return Err("the *_every intervals must be positive".into());
        }
        if self.ema_decay.is_some_and(|d| !(0.0..1.0).contains(&d)) {
            return Err("ema_decay must be in [0, 1)".into());
        }
        self.schedule.validate()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DitSection {
    pub model: DitConfig,
    pub train: DitTrainConfig,
}

/// The `[sharp_decoder]` stage: the image VAE's training settings for the decoder-only run,
/// and optionally a decoder of other widths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharpDecoderSection {
    /// Widths of a new decoder (default: the image VAE's own, fine-tuned). Other widths start a
    /// fresh decoder on the image VAE's frozen encoder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoder_channels: Option<Vec<usize>>,
    #[serde(flatten)]
    pub train: VaeTrainConfig,
}

/// A whole training preset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preset {
    pub data: DataConfig,
    pub image_vae: ImageVaeSection,
    pub audio_vae: AudioVaeSection,
    pub dit: DitSection,
    /// Optional second image stage: a decoder trained alone on the finished image VAE's frozen
    /// encoder (its `init_from` is that run; `freeze_encoder` must be true, so the DiT's latent
    /// space stays).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharp_decoder: Option<SharpDecoderSection>,
    /// Further runs of the image VAE after `image_vae.train`, each starting from the one before
    /// (`[[image_vae_fine_tune]]`); the last one's encoder is the latent space the DiT learns.
    #[serde(
        default,
        rename = "image_vae_fine_tune",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub image_vae_fine_tunes: Vec<ImageVaeFineTune>,
    /// Settings of `trainer eval` and of the pipeline's evaluation stage.
    #[serde(default)]
    pub eval: crate::eval::EvalConfig,
}

pub const DEFAULT_PRESET: &str = include_str!("../../presets/default.toml");
pub const F8_PRESET: &str = include_str!("../../presets/f8.toml");
pub const TINY_PRESET: &str = include_str!("../../presets/tiny.toml");
pub const HIERARCHICAL_PRESET: &str = include_str!("../../presets/hierarchical.toml");

impl Preset {
    pub fn parse(toml_text: &str) -> Result<Self, String> {
        let preset: Preset =
            toml::from_str(toml_text).map_err(|e| format!("invalid preset: {e}"))?;
        preset.validate()?;
        Ok(preset)
    }

    /// `default`, `f8`, `tiny`, `hierarchical`, or a path to a TOML file.
    pub fn load(name_or_path: &str) -> Result<Self, String> {
        match name_or_path {
            "default" => Self::parse(DEFAULT_PRESET),
            "f8" => Self::parse(F8_PRESET),
            "tiny" => Self::parse(TINY_PRESET),
            "hierarchical" => Self::parse(HIERARCHICAL_PRESET),
            path => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read preset {path}: {e}"))?;
                Self::parse(&text).map_err(|e| format!("{path}: {e}"))
            }
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        self.image_vae
            .model
            .validate()
            .map_err(|e| format!("image_vae.model: {e}"))?;
        self.image_vae
            .train
            .validate()
            .map_err(|e| format!("image_vae.train: {e}"))?;
        self.audio_vae
            .model
            .validate()
            .map_err(|e| format!("audio_vae.model: {e}"))?;
        self.audio_vae
            .train
            .validate()
            .map_err(|e| format!("audio_vae.train: {e}"))?;
        self.dit
            .model
            .validate()
            .map_err(|e| format!("dit.model: {e}"))?;
        self.dit
            .train
            .validate()
            .map_err(|e| format!("dit.train: {e}"))?;
        for (i, fine_tune) in self.image_vae_fine_tunes.iter().enumerate() {
            fine_tune
                .applied_to(&self.image_vae.train, Path::new("previous run"))
                .validate()
                .map_err(|e| format!("image_vae_fine_tune {}: {e}", i + 1))?;
        }
        if let Some(sharp) = &self.sharp_decoder {
            sharp
                .train
                .validate()
                .map_err(|e| format!("sharp_decoder: {e}"))?;
            if let Some(channels) = &sharp.decoder_channels {
                ImageVaeConfig {
                    decoder_channels: channels.clone(),
                    ..self.image_vae.model.clone()
                }
                .validate()
                .map_err(|e| format!("sharp_decoder.decoder_channels: {e}"))?;
            }
            if !sharp.train.freeze_encoder {
                return Err("sharp_decoder: freeze_encoder must be true (a new encoder would change the latent space the DiT learned)".into());
            }
        }
        let dit = &self.dit.model;
        let latent_size = self
            .image_vae
            .model
            .latent_size(crate::data::visualizers::SIZE);
        if dit.latent_channels != self.image_vae.model.latent_channels
            || dit.audio_dims != self.audio_vae.model.latent_dims
            || dit.latent_size != latent_size
            || !(dit.styles == 0 || dit.styles == crate::data::visualizers::ALL_FAMILIES.len())
        {
            return Err(format!(
                "dit.model must match the autoencoders: latent_channels = {}, audio_dims = {}, latent_size = {}, styles = 0 or {}",
                self.image_vae.model.latent_channels,
                self.audio_vae.model.latent_dims,
                latent_size,
                crate::data::visualizers::ALL_FAMILIES.len()
            ));
        }
        if self.audio_vae.model.frames != self.data.context_frames {
            return Err(format!(
                "audio_vae.model.frames ({}) must equal data.context_frames ({})",
                self.audio_vae.model.frames, self.data.context_frames
            ));
        }
        if self.data.samples_per_clip == 0 || self.data.clip_seconds < 2.0 {
            return Err(
                "data.samples_per_clip must be positive and data.clip_seconds at least 2".into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_presets_parse_and_validate() {
        Preset::parse(DEFAULT_PRESET).unwrap();
        Preset::parse(TINY_PRESET).unwrap();
        let hierarchical = Preset::load("hierarchical").unwrap();
        let hierarchy = hierarchical.audio_vae.model.hierarchy.as_ref().unwrap();
        assert_eq!(
            hierarchy.level_dims(hierarchical.audio_vae.model.latent_dims),
            [16, 16, 32]
        );
        assert!(hierarchical.dit.train.init_from.is_some());
        let default = Preset::parse(DEFAULT_PRESET).unwrap();
        let sharp = default.sharp_decoder.as_ref().unwrap();
        assert!(sharp.train.freeze_encoder && sharp.train.detail_weight > 0.0);
        // The default image VAE is three runs: the first and two scale-equivariance fine-tunes.
        assert_eq!(default.image_vae_fine_tunes.len(), 2);
        assert!(
            default
                .image_vae_fine_tunes
                .iter()
                .all(|f| f.scale_equivariance_weight > 0.0)
        );
        assert_eq!(
            (
                default.image_vae.model.latent_size(128),
                default.dit.model.tokens()
            ),
            (32, 64)
        );
        let f8 = Preset::load("f8").unwrap();
        assert_eq!(
            (f8.image_vae.model.latent_size(128), f8.dit.model.tokens()),
            (16, 64)
        );
        assert!(Preset::parse(TINY_PRESET).unwrap().sharp_decoder.is_some());
    }

    #[test]
    fn a_frozen_encoder_needs_a_run_to_come_from() {
        let bad = DEFAULT_PRESET.replace("init_from = ", "# init_from = ");
        let err = Preset::parse(&bad).unwrap_err();
        assert!(
            err.contains("sharp_decoder") && err.contains("init_from"),
            "{err}"
        );
        let unfrozen = DEFAULT_PRESET.replace("freeze_encoder = true", "freeze_encoder = false");
        assert!(
            Preset::parse(&unfrozen)
                .unwrap_err()
                .contains("latent space the DiT learned")
        );
        let widened = TINY_PRESET.replace(
            "[sharp_decoder]\n",
            "[sharp_decoder]\ndecoder_channels = [16, 12, 8]\n",
        );
        let sharp = Preset::parse(&widened).unwrap().sharp_decoder.unwrap();
        assert_eq!(sharp.decoder_channels, Some(vec![16, 12, 8]));
        assert_eq!(sharp.train.steps, 10);
        let empty_stage = widened.replace("[16, 12, 8]", "[16, 0, 8]");
        assert!(
            Preset::parse(&empty_stage)
                .unwrap_err()
                .contains("sharp_decoder.decoder_channels")
        );
        let negative = F8_PRESET.replace("detail_weight = 2.0", "detail_weight = -1.0");
        assert!(
            Preset::parse(&negative)
                .unwrap_err()
                .contains("detail_weight")
        );
    }

    #[test]
    fn a_hierarchy_that_leaves_no_phrase_level_is_refused() {
        let bad = HIERARCHICAL_PRESET.replace("frame_dims = 32", "frame_dims = 48");
        let err = Preset::parse(&bad).unwrap_err();
        assert!(
            err.contains("audio_vae.model") && err.contains("phrase"),
            "{err}"
        );
    }

    #[test]
    fn the_dit_follows_the_image_vae_stage_count() {
        let two_stages = F8_PRESET
            .replace(
                "encoder_channels = [32, 64, 96]",
                "encoder_channels = [32, 64]",
            )
            .replace(
                "decoder_channels = [96, 64, 32]",
                "decoder_channels = [64, 32]",
            )
            .replace(
                "decoder_channels = [128, 96, 48]",
                "decoder_channels = [96, 48]",
            );
        let err = Preset::parse(&two_stages).unwrap_err();
        assert!(err.contains("latent_size = 32"), "{err}");
        let fitted = two_stages
            .replace("latent_size = 16", "latent_size = 32")
            .replace("patch = 2 ", "patch = 4 ");
        let preset = Preset::parse(&fitted).unwrap();
        assert_eq!(preset.image_vae.model.latent_size(128), 32);
        assert_eq!(preset.dit.model.tokens(), 64);
        let uneven = fitted.replace("decoder_channels = [96, 48]", "decoder_channels = [96]");
        assert!(
            Preset::parse(&uneven)
                .unwrap_err()
                .contains("sharp_decoder.decoder_channels")
        );
    }

    #[test]
    fn bad_presets_are_clear_errors() {
        let err = Preset::parse("this is = not [valid").unwrap_err();
        assert!(err.starts_with("invalid preset"), "{err}");
        let mismatched = TINY_PRESET.replace("context_frames = 32", "context_frames = 48");
        assert!(
            Preset::parse(&mismatched)
                .unwrap_err()
                .contains("context_frames")
        );
        assert!(
            Preset::load("/nonexistent.toml")
                .unwrap_err()
                .contains("cannot read")
        );
    }
}
