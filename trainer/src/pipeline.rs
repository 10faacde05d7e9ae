//! `trainer pipeline`: data -> image VAE (and its sharp decoder) -> audio encoder -> DiT and
//! regression baseline -> export -> evaluation -> demo video, each stage resuming from its run
//! directory (a finished stage only reloads its result), so an interrupted pipeline picks up
//! where it stopped.

use std::path::Path;

use synesthete_engine::generation::{Models, SampleSettings};

use crate::eval::{self, Regression};
use crate::export::latent_map;
use crate::export::model_set::{Recommendation, TrainedRuns, export_runs};
use crate::training::config::Preset;
use crate::training::dit_loop::{DitRunConfig, Objective};
use crate::training::tasks::{self, Autoencoders, load_run};

pub struct PipelineOutput {
    pub report: eval::Report,
    /// The demo clip rendered by the new model set.
    pub demo: std::path::PathBuf,
}

/// Runs every stage with `preset`, runs under `runs`, the model set in `models_dir`.
pub fn run(
    preset: &Preset,
    runs: &Path,
    models_dir: &Path,
    environment: &ort::environment::Environment,
) -> anyhow::Result<PipelineOutput> {
    let eval_config = &preset.eval;
    let image_run = runs.join("image_vae");
    let sharp_run = runs.join("image_vae_sharp");
    let audio_run = runs.join("audio_vae");
    let dit_run = runs.join("dit");
    let regression_run = runs.join("regression");
    stage("image VAE");
    tasks::train_image_vae(preset, &image_run)?;
    // The DiT learns the encoder's latents, which the sharp decoder leaves as they are.
    let decoder_run = if preset.sharp_decoder.is_some() {
        stage("sharp decoder");
        tasks::train_sharp_decoder(preset, &image_run, &sharp_run)?;
        &sharp_run
    } else {
        &image_run
    };
    stage("audio encoder");
    tasks::train_audio_vae(preset, &audio_run)?;
    let autoencoders = Autoencoders::load(&image_run, &audio_run)?;
    stage("DiT");
    tasks::train_dit(preset, &autoencoders, Objective::Diffusion, &dit_run)?;
    stage("regression baseline");
    tasks::train_dit(
        preset,
        &autoencoders,
        Objective::Regression,
        &regression_run,
    )?;
    stage("export");
    export_runs(
        &TrainedRuns {
            image: decoder_run,
            audio: &audio_run,
            dit: Some(&dit_run),
            dit_snapshot: false,
        },
        &preset.data,
        &Recommendation::of(eval_config),
        models_dir,
    )?;
    stage("evaluation");
    let mut models = Models::load_with_image_encoder(models_dir, environment, 2)?;
    let regression = load_run::<DitRunConfig>(&regression_run)?;
    let report = eval::evaluate(
        &mut models,
        Some(Regression {
            model: &regression.model,
            run: &regression.section,
        }),
        &preset.data,
        eval_config,
        &runs.join("eval"),
    )?;
    eval::record(&models, &report, eval_config, models_dir)?;
    stage("latent map");
    latent_map::write_for_model_set(
        models_dir,
        &mut models,
        &preset.data,
        latent_map::DEFAULT_WINDOWS,
    )?;
    stage("demo video");
    let demo = runs.join("eval").join("demo.gif");
    let settings = SampleSettings {
        steps: eval_config.steps,
        guidance: eval_config.guidance,
        guidance_interval: eval_config.guidance_interval,
        style: None,
        strength: 1.0,
    };
    eval::demo::write_demo_gif(&mut models, &settings, eval_config.demo_seconds, &demo)?;
    Ok(PipelineOutput { report, demo })
}

fn stage(name: &str) {
    println!("== pipeline: {name}");
}
