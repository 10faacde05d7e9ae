//! `trainer export`: ONNX graphs + manifest for the engine.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use synesthete_trainer::export::model_set::{
    ExportedDit, ModelSet, Recommendation, TrainedRuns, export, export_runs,
};
use synesthete_trainer::training::conditioning::latent_scale;
use synesthete_trainer::training::config::Preset;
use synesthete_trainer::training::dit_loop::{DitRunConfig, Objective};
use synesthete_trainer::training::seeding::seed_exclusively;

#[derive(Args)]
pub struct ExportArgs {
    /// Run directory of the trained image VAE.
    #[arg(long, default_value = "runs/image_vae")]
    image_run: PathBuf,
    /// Run directory of the trained audio encoder.
    #[arg(long, default_value = "runs/audio_vae")]
    audio_run: PathBuf,
    /// Run directory of the trained DiT; without it the set has no DiT (and cannot generate).
    #[arg(long)]
    dit_run: Option<PathBuf>,
    /// Export the DiT run's last checkpoint instead of its finished model: for evaluating a run
    /// still training, or one stopped early (the manifest records the checkpoint's step).
    #[arg(long, requires = "dit_run")]
    snapshot: bool,
    /// DDIM steps to recommend in the manifest (default: the preset's `eval.steps`, what the
    /// evaluation measures).
    #[arg(long)]
    steps: Option<usize>,
    /// Classifier-free guidance scale to recommend in the manifest (default: the preset's
    /// `eval.guidance`).
    #[arg(long)]
    guidance: Option<f32>,
    /// Output folder (the engine's model folder).
    #[arg(long, default_value = "models")]
    out: PathBuf,
    /// Export correctly shaped models with random weights from a preset instead (for building
    /// against before training).
    #[arg(long)]
    random: bool,
    /// Preset for `--random`, also the data settings: a preset name (`default`, `f8`, `tiny`, `hierarchical`) or a TOML file.
    #[arg(long, default_value = "default")]
    preset: String,
}

pub fn run(args: ExportArgs) -> Result<()> {
    let preset = Preset::load(&args.preset).map_err(anyhow::Error::msg)?;
    let recommended = Recommendation {
        steps: args.steps.unwrap_or(preset.eval.steps),
        guidance: args.guidance.unwrap_or(preset.eval.guidance),
        guidance_interval: preset.eval.guidance_interval,
    };
    let manifest = if args.random {
        let device = burn::prelude::Device::flex();
        let _generator = seed_exclusively(&device, 0);
        let image = preset.image_vae.model.init(&device);
        let audio = preset.audio_vae.model.init(&device);
        let dit = preset.dit.model.init(&device);
        let dit_run = DitRunConfig::new(
            &preset.dit,
            Objective::Diffusion,
            latent_scale(&image, &preset.data, &device),
            &preset.audio_vae,
        );
        export(
            &ModelSet {
                name: "random weights (untrained)".into(),
                image_vae: &image,
                image_section: &preset.image_vae,
                audio_vae: &audio,
                audio_section: &preset.audio_vae,
                data: &preset.data,
                evaluation: serde_json::Value::Null,
                dit: Some(ExportedDit {
                    model: &dit,
                    run: &dit_run,
                    recommended,
                }),
            },
            &args.out,
        )?
    } else {
        export_runs(
            &TrainedRuns {
                image: &args.image_run,
                audio: &args.audio_run,
                dit: args.dit_run.as_deref(),
                dit_snapshot: args.snapshot,
            },
            &preset.data,
            &recommended,
            &args.out,
        )?
    };
    for (role, graph) in &manifest.graphs {
        let size = std::fs::metadata(args.out.join(&graph.file))?.len();
        println!("{role:>14}: {} ({:.2} MB)", graph.file, size as f64 / 1e6);
    }
    println!(
        "latent scale {:.4}; manifest written to {}",
        manifest.latent.scale,
        args.out.join("manifest.json").display()
    );
    Ok(())
}
