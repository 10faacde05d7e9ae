//! Writes a complete model set — the ONNX graphs plus `manifest.json` — from trained (or
//! freshly initialised) models. The manifest schema belongs to the engine; this fills it in.

use std::collections::BTreeMap;
use std::path::Path;

use burn::prelude::*;
use synesthete_engine::diffusion::GuidanceInterval;
use synesthete_engine::features::FeatureConfig;
use synesthete_engine::manifest::{
    DiffusionSpec, GraphSpec, LatentSpec, MANIFEST_VERSION, Manifest, Prediction, TensorSpec,
    sha256_hex,
};

use super::{audio_encoder, dit, image_vae};
use crate::data::dataset::DataConfig;
use crate::data::visualizers::SIZE;
use crate::eval::EvalConfig;
use crate::model::audio_vae::AudioVae;
use crate::model::dit::Dit;
use crate::model::image_vae::ImageVae;
use crate::training::conditioning::{latent_scale, same_latent_scale};
use crate::training::config::{AudioVaeSection, ImageVaeSection};
use crate::training::dit_loop::{DitRunConfig, Objective};
use crate::training::tasks::{load_run, load_snapshot, read_json};

pub struct ModelSet<'a> {
    pub name: String,
    pub image_vae: &'a ImageVae,
    pub image_section: &'a ImageVaeSection,
    pub audio_vae: &'a AudioVae,
    pub audio_section: &'a AudioVaeSection,
    pub data: &'a DataConfig,
    /// Evaluation figures to record (trainer-defined JSON).
    pub evaluation: serde_json::Value,
    pub dit: Option<ExportedDit<'a>>,
}

/// The DiT of a set and how to sample it.
pub struct ExportedDit<'a> {
    pub model: &'a Dit,
    pub run: &'a DitRunConfig,
    pub recommended: Recommendation,
}

/// The sampler settings a manifest recommends (and its evaluation measures).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recommendation {
    pub steps: usize,
    pub guidance: f32,
    pub guidance_interval: Option<GuidanceInterval>,
}

impl Recommendation {
    /// The settings an evaluation runs with.
    pub fn of(eval: &EvalConfig) -> Self {
        Self {
            steps: eval.steps,
            guidance: eval.guidance,
            guidance_interval: eval.guidance_interval,
        }
    }
}

fn tensor(name: &str, shape: &[i64]) -> TensorSpec {
    TensorSpec {
        name: name.into(),
        shape: shape.to_vec(),
    }
}

fn write_graph(
    dir: &Path,
    file: &str,
    bytes: &[u8],
    inputs: Vec<TensorSpec>,
    outputs: Vec<TensorSpec>,
) -> anyhow::Result<GraphSpec> {
    std::fs::write(dir.join(file), bytes)?;
    Ok(GraphSpec {
        file: file.into(),
        sha256: sha256_hex(bytes),
        inputs,
        outputs,
    })
}

/// Writes `image_encoder.onnx`, `image_decoder.onnx`, `audio_encoder.onnx`, `dit.onnx` (when the
/// set has a DiT) and `manifest.json`.
pub fn export(set: &ModelSet, dir: &Path) -> anyhow::Result<Manifest> {
    std::fs::create_dir_all(dir)?;
    let device = Device::flex();
    let latent_channels = set.image_section.model.latent_channels;
    let side = set.image_section.model.latent_size(SIZE) as i64;
    let latent = [-1, latent_channels as i64, side, side];
    let image = [-1, 3, SIZE as i64, SIZE as i64];
    let (n_mels, frames) = (
        set.audio_section.model.n_mels,
        set.audio_section.model.frames,
    );
    let mel = [-1, 1, n_mels as i64, frames as i64];
    let cond = [-1, set.audio_section.model.latent_dims as i64];
    let mut graphs = BTreeMap::new();
    graphs.insert(
        "image_encoder".to_string(),
        write_graph(
            dir,
            "image_encoder.onnx",
            &image_vae::encoder(set.image_vae, SIZE),
            vec![tensor(image_vae::IMAGE_INPUT, &image)],
            vec![tensor("mu", &latent), tensor("logvar", &latent)],
        )?,
    );
    graphs.insert(
        "image_decoder".to_string(),
        write_graph(
            dir,
            "image_decoder.onnx",
            &image_vae::decoder(set.image_vae, SIZE),
            vec![tensor(image_vae::LATENT_INPUT, &latent)],
            vec![tensor("image", &image)],
        )?,
    );
    graphs.insert(
        "audio_encoder".to_string(),
        write_graph(
            dir,
            "audio_encoder.onnx",
            &audio_encoder::encoder(set.audio_vae, n_mels, frames),
            vec![tensor(audio_encoder::MEL_INPUT, &mel)],
            vec![tensor("mu", &cond), tensor("logvar", &cond)],
        )?,
    );
    let scale = latent_scale(set.image_vae, set.data, &device);
    let diffusion = match &set.dit {
        None => None,
        Some(dit) => {
            anyhow::ensure!(
                dit.run.objective == Objective::Diffusion,
                "the DiT run given was trained as a regression baseline"
            );
            anyhow::ensure!(
                same_latent_scale(dit.run.latent_scale, scale),
                "the DiT was trained on latents scaled by {}, this image VAE's scale is {scale}: it was trained on another image VAE",
                dit.run.latent_scale
            );
            if let Some(audio_encoder) = &dit.run.audio_encoder {
                anyhow::ensure!(
                    audio_encoder == set.audio_section,
                    "the DiT learned the codes of another audio encoder (trained with {}), not of the audio encoder given (trained with {})",
                    serde_json::to_string(audio_encoder)?,
                    serde_json::to_string(set.audio_section)?
                );
            }
            let mut inputs = vec![
                tensor(dit::LATENT_INPUT, &latent),
                tensor(dit::TIMESTEP_INPUT, &[-1]),
                tensor(dit::AUDIO_INPUT, &cond),
            ];
            if dit.run.model.styles > 0 {
                inputs.push(tensor(dit::STYLE_INPUT, &[-1, dit.run.model.styles as i64]));
            }
            graphs.insert(
                "dit".to_string(),
                write_graph(
                    dir,
                    "dit.onnx",
                    &dit::graph(dit.model),
                    inputs,
                    vec![tensor(dit::OUTPUT, &latent)],
                )?,
            );
            Some(DiffusionSpec {
                schedule: dit.run.train.schedule.clone(),
                prediction: Prediction::V,
                recommended_steps: dit.recommended.steps,
                guidance: dit.recommended.guidance,
                guidance_interval: dit.recommended.guidance_interval,
            })
        }
    };
    let manifest = Manifest {
        version: MANIFEST_VERSION,
        name: set.name.clone(),
        features: FeatureConfig {
            n_mels,
            ..FeatureConfig::default()
        },
        context_frames: frames,
        image_size: SIZE,
        latent: LatentSpec {
            channels: latent_channels,
            height: side as usize,
            width: side as usize,
            scale,
        },
        conditioning_dims: set.audio_section.model.latent_dims,
        graphs,
        diffusion,
        // Written after export by `latent_map::write_for_model_set`, from the exported encoder.
        latent_map: None,
        training: serde_json::json!({
            "data": set.data,
            "image_vae": set.image_section,
            "audio_vae": set.audio_section,
            "dit": set.dit.as_ref().map(|d| d.run),
        }),
        evaluation: set.evaluation.clone(),
    };
    manifest.validate().map_err(anyhow::Error::msg)?;
    manifest.write(dir)?;
    Ok(manifest)
}

/// The run directories a set is exported from.
pub struct TrainedRuns<'a> {
    pub image: &'a Path,
    pub audio: &'a Path,
    /// Without a DiT the set can encode and decode but not generate.
    pub dit: Option<&'a Path>,
    /// Export the DiT run's last checkpoint rather than its finished model
    /// ([`load_snapshot`]).
    pub dit_snapshot: bool,
}

/// The set's name: its kind, and the step of a DiT exported from a checkpoint.
fn set_name(audio: &AudioVaeSection, dit_evaluation: Option<&serde_json::Value>) -> String {
    let kind = match audio.model.hierarchy {
        Some(_) => "synesthete hierarchical",
        None => "synesthete default",
    };
    match dit_evaluation.and_then(|e| e["snapshot_step"].as_u64()) {
        Some(step) => format!("{kind} (DiT snapshot at step {step})"),
        None => kind.into(),
    }
}

/// Exports the trained runs, recording their evaluations in the manifest.
pub fn export_runs(
    runs: &TrainedRuns,
    data: &DataConfig,
    recommended: &Recommendation,
    dir: &Path,
) -> anyhow::Result<Manifest> {
    let image = load_run::<ImageVaeSection>(runs.image)?;
    let audio = load_run::<AudioVaeSection>(runs.audio)?;
    let dit = match (runs.dit, runs.dit_snapshot) {
        (Some(run), false) => Some(load_run::<DitRunConfig>(run)?),
        (Some(run), true) => Some(load_snapshot::<DitRunConfig>(run)?),
        (None, _) => None,
    };
    let mut evaluation =
        serde_json::json!({ "image_vae": image.evaluation, "audio_vae": audio.evaluation });
    if let Some(dit) = &dit {
        evaluation["dit"] = dit.evaluation.clone();
    }
    // A decoder-only run (the sharp decoder) ships the encoder of the image VAE run it was
    // trained from; that run's figures through its own decoder go beside the decoder's.
    if let (true, Some(vae_run)) = (
        image.section.train.freeze_encoder,
        &image.section.train.init_from,
    ) {
        match read_json::<serde_json::Value>(&vae_run.join("evaluation.json")) {
            Ok(vae) => evaluation["image_vae_own_decoder"] = vae,
            Err(e) => eprintln!(
                "note: the manifest leaves out the image VAE's figures through its own decoder: {e:#}"
            ),
        }
    }
    export(
        &ModelSet {
            name: set_name(&audio.section, dit.as_ref().map(|dit| &dit.evaluation)),
            image_vae: &image.model,
            image_section: &image.section,
            audio_vae: &audio.model,
            audio_section: &audio.section,
            data,
            evaluation,
            dit: dit.as_ref().map(|dit| ExportedDit {
                model: &dit.model,
                run: &dit.section,
                recommended: *recommended,
            }),
        },
        dir,
    )
}
