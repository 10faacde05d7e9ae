//! `trainer latent ...`: measuring and looking at the audio encoder's latent space.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, Subcommand};
use synesthete_engine::generation::Models;
use synesthete_trainer::analysis::frames::{FrameSource, ModelSetFrames};
use synesthete_trainer::analysis::metrics::markdown;
use synesthete_trainer::analysis::report::{
    AnalysedEncoder, ReportConfig, load_encoder_run, read_encoders, write_report,
};
use synesthete_trainer::analysis::traversal::TraversalConfig;
use synesthete_trainer::data::dataset::DataConfig;
use synesthete_trainer::training::batch;
use synesthete_trainer::training::config::Preset;
use synesthete_trainer::training::vae_loop::heldout_samples;

#[derive(Subcommand)]
pub enum LatentCommand {
    /// KL, active dimensions and the Mutual Information Gap against the music's true factors
    /// (metrics.json, metrics.md), PCA maps coloured by each factor, per-dimension traversals
    /// and an interpolation between two clips (PNGs).
    Report(ReportArgs),
    /// Writes the latent pad's map into a model set (latent_map.json, recorded in its
    /// manifest): the plane of the two main directions of its audio encoder's conditioning
    /// over held-out windows, with those windows placed on it by visual family.
    Map(MapArgs),
}

#[derive(Args)]
pub struct MapArgs {
    /// The model set (exported folder) to add the map to.
    #[arg(long, default_value = "models")]
    models: PathBuf,
    /// Held-out windows to place on the map.
    #[arg(long, default_value_t = synesthete_trainer::export::latent_map::DEFAULT_WINDOWS)]
    windows: usize,
    /// Data settings: a preset name (`default`, `f8`, `tiny`, `hierarchical`) or a TOML file; the window length is the set's.
    #[arg(long, default_value = "default")]
    preset: String,
    /// Also write a sheet of the frames the pad alone makes across the map (5x5 positions).
    #[arg(long)]
    sheet: Option<PathBuf>,
}

#[derive(Args)]
pub struct ReportArgs {
    /// Run folder of the audio encoder (`trainer train audio`).
    #[arg(long, default_value = "runs/audio_vae")]
    run: PathBuf,
    /// Use the run's `checkpoint/` weights (also used when the run has no `model.bpk`).
    #[arg(long)]
    checkpoint: bool,
    /// Held-out windows to analyse.
    #[arg(long, default_value_t = 2048)]
    windows: usize,
    #[arg(long, default_value = "runs/latent-report")]
    out: PathBuf,
    /// Data settings: a preset name (`default`, `f8`, `tiny`, `hierarchical`) or a TOML file; the window length is the run's.
    #[arg(long, default_value = "default")]
    preset: String,
    /// Model set whose DiT and decoder draw the sheets' frames [default: `models`, skipped
    /// with a note when it does not load].
    #[arg(long)]
    models: Option<PathBuf>,
    /// No frames: the sheets show the audio VAE's decoded mel only.
    #[arg(long)]
    mel_only: bool,
    /// Dimensions to traverse (the most active first).
    #[arg(long, default_value_t = 8)]
    dims: usize,
    /// Steps from −3σ to +3σ.
    #[arg(long, default_value_t = 7)]
    steps: usize,
    /// Name of this encoder's column in the table.
    #[arg(long, default_value = "flat")]
    name: String,
    /// Another report's metrics.json whose encoders join the table (repeatable).
    #[arg(long)]
    compare: Vec<PathBuf>,
}

pub fn run(command: LatentCommand) -> Result<()> {
    match command {
        LatentCommand::Report(args) => report(args),
        LatentCommand::Map(args) => map(args),
    }
}

fn map(args: MapArgs) -> Result<()> {
    let preset = Preset::load(&args.preset).map_err(anyhow::Error::msg)?;
    let mut models = Models::load(&args.models, crate::ort_environment()?, 2)?;
    let data = DataConfig {
        context_frames: models.manifest.context_frames,
        ..preset.data
    };
    let map = synesthete_trainer::export::latent_map::write_for_model_set(
        &args.models,
        &mut models,
        &data,
        args.windows,
    )?;
    if let Some(sheet) = &args.sheet {
        synesthete_trainer::export::latent_map::write_pad_sheet(&mut models, 5, sheet)?;
        println!("pad sheet: {}", sheet.display());
    }
    println!(
        "latent map of {} windows (spread {:.3} / {:.3} along its two axes) written to {}",
        map.points.len(),
        map.spread[0],
        map.spread[1],
        args.models.display()
    );
    Ok(())
}

/// The model set's frame source, warning when its audio encoder is not the analysed one.
fn frames_from(dir: &Path, data: &DataConfig, run: &AnalysedEncoder) -> Result<ModelSetFrames> {
    let models = Models::load(dir, crate::ort_environment()?, 2)?;
    let mut frames = ModelSetFrames::new(models, &dir.display().to_string(), 0)?;
    let probe = heldout_samples(data, 8);
    let (mu, _) = run.model.encode(batch::mels(
        &probe,
        run.n_mels,
        &burn::prelude::Device::flex(),
    ));
    let mel: Vec<f32> = probe.iter().flat_map(|s| s.mel.iter().copied()).collect();
    let mismatch = frames.encoder_mismatch(&mel, probe.len(), &batch::to_vec(mu))?;
    if mismatch > 1e-3 {
        eprintln!(
            "note: the audio encoder in {} is not this run's (max |Δμ| = {mismatch:.3}); its DiT \
             learned another latent space, so the frames only show what it makes of these vectors",
            dir.display()
        );
    }
    Ok(frames)
}

fn report(args: ReportArgs) -> Result<()> {
    let preset = Preset::load(&args.preset).map_err(anyhow::Error::msg)?;
    let compare = args
        .compare
        .iter()
        .map(|p| read_encoders(p))
        .collect::<Result<Vec<_>>>()?
        .concat();
    let run = load_encoder_run(&args.run, args.checkpoint)?;
    if !args.checkpoint && run.weights != args.run {
        eprintln!(
            "note: {} has no model.bpk; using its checkpoint ({})",
            args.run.display(),
            run.weights.display()
        );
    }
    let data = DataConfig {
        context_frames: run.section.model.frames,
        ..preset.data
    };
    let source = run.weights.display().to_string();
    let encoder = AnalysedEncoder {
        name: &args.name,
        source: &source,
        model: &run.model,
        n_mels: run.section.model.n_mels,
    };
    let mut frames = match (args.mel_only, &args.models) {
        (true, _) => None,
        (false, Some(dir)) => Some(frames_from(dir, &data, &encoder)?),
        (false, None) => match frames_from(Path::new("models"), &data, &encoder) {
            Ok(frames) => Some(frames),
            Err(e) => {
                eprintln!("note: no frames ({e:#}); the sheets show the decoded mel only");
                None
            }
        },
    };
    let config = ReportConfig {
        windows: args.windows,
        traversal: TraversalConfig {
            dims: args.dims,
            steps: args.steps,
            ..Default::default()
        },
        ..Default::default()
    };
    let report = write_report(
        &encoder,
        &data,
        &config,
        frames.as_mut().map(|f| f as &mut dyn FrameSource),
        &compare,
        &args.out,
    )?;
    let mut encoders = report.encoders.clone();
    encoders.extend(compare);
    println!("{}", markdown(&encoders));
    println!(
        "PCA of the means: PC1 {:.1}%, PC2 {:.1}% of variance",
        100.0 * report.pca_explained[0],
        100.0 * report.pca_explained[1]
    );
    if let Some(frames) = &report.frames {
        println!("{frames}");
    }
    println!("{} in {}", report.files.join(", "), args.out.display());
    Ok(())
}
