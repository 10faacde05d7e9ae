//! `trainer`: the Synesthete trainer's command line.

mod data_cmd;
mod denoise_cmd;
mod eval_cmd;
mod export_cmd;
mod latent_cmd;
mod train_cmd;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "trainer",
    version,
    about = "Synesthete trainer: data engine, models, export"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The procedural audio/visual data engine.
    #[command(subcommand)]
    Data(data_cmd::DataCommand),
    /// Train a model (resumes from the run directory's last checkpoint).
    #[command(subcommand)]
    Train(train_cmd::TrainCommand),
    /// Export the trained models to ONNX with the engine's manifest.
    Export(export_cmd::ExportArgs),
    /// Evaluate an exported set: diffusion vs the regression baseline vs the data.
    Eval(eval_cmd::EvalArgs),
    /// The DiT's one-step estimate of held-out frames from their latents noised to chosen
    /// levels: latent error and patch seams per level, and a sheet (denoise.png).
    Denoise(denoise_cmd::DenoiseArgs),
    /// Measure and look at the audio encoder's latent space.
    #[command(subcommand)]
    Latent(latent_cmd::LatentCommand),
    /// Everything: image VAE, audio encoder, DiT, regression baseline, export, evaluation
    /// (each stage resumes where it stopped).
    Pipeline {
        /// A preset name (`default`, `f8`, `tiny`, `hierarchical`) or a TOML file.
        #[arg(long, default_value = "default")]
        preset: String,
        /// Directory for the run directories and the evaluation.
        #[arg(long, default_value = "runs")]
        runs: std::path::PathBuf,
        /// Where the model set goes (`models` ships it).
        #[arg(long, default_value = "runs/models")]
        models: std::path::PathBuf,
    },
}

fn main() {
    let result = match Cli::parse().command {
        Command::Data(command) => data_cmd::run(command),
        Command::Train(command) => train_cmd::run(command),
        Command::Export(args) => export_cmd::run(args),
        Command::Eval(args) => eval_cmd::run(args),
        Command::Denoise(args) => denoise_cmd::run(args),
        Command::Latent(command) => latent_cmd::run(command),
        Command::Pipeline {
            preset,
            runs,
            models,
        } => pipeline(&preset, &runs, &models),
    };
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

/// ONNX Runtime for the trainer: `$SYNESTHETE_ORT_LIB`, else the copy `cargo xtask fetch-ort`
/// puts in `target/onnxruntime/` (found from the binary in `target/release/`).
fn ort_environment() -> anyhow::Result<&'static ort::environment::Environment> {
    let exe = std::env::current_exe()?;
    let target = exe
        .parent()
        .and_then(|dir| dir.parent())
        .map(std::path::Path::to_path_buf)
        .into_iter()
        .collect::<Vec<_>>();
    Ok(synesthete_engine::runtime::environment(&target)?)
}

fn pipeline(preset: &str, runs: &std::path::Path, models: &std::path::Path) -> anyhow::Result<()> {
    let preset =
        synesthete_trainer::training::config::Preset::load(preset).map_err(anyhow::Error::msg)?;
    let output = synesthete_trainer::pipeline::run(&preset, runs, models, ort_environment()?)?;
    println!(
        "{}",
        synesthete_trainer::eval::report::markdown(&output.report)
    );
    println!(
        "model set in {}, evaluation in {}",
        models.display(),
        runs.join("eval").display()
    );
    Ok(())
}
