//! `trainer train ...`

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use synesthete_trainer::training::config::Preset;
use synesthete_trainer::training::tasks;

#[derive(Subcommand)]
pub enum TrainCommand {
    /// Train the image VAE (128x128 RGB <-> 4x16x16 latent).
    Vae {
        /// `default`, `tiny`, or a TOML file.
        #[arg(long, default_value = "default")]
        preset: String,
        #[arg(long, default_value = "runs/image_vae")]
        out: PathBuf,
    },
    /// Train the audio encoder (beta-VAE over log-mel windows).
    Audio {
        #[arg(long, default_value = "default")]
        preset: String,
        #[arg(long, default_value = "runs/audio_vae")]
        out: PathBuf,
    },
}

pub fn run(command: TrainCommand) -> Result<()> {
    let (evaluation, out) = match command {
        TrainCommand::Vae { preset, out } => {
            let preset = Preset::load(&preset).map_err(anyhow::Error::msg)?;
            (tasks::train_image_vae(&preset, &out)?.1, out)
        }
        TrainCommand::Audio { preset, out } => {
            let preset = Preset::load(&preset).map_err(anyhow::Error::msg)?;
            (tasks::train_audio_vae(&preset, &out)?.1, out)
        }
    };
    println!("{}", serde_json::to_string_pretty(&evaluation)?);
    println!("model, metrics and checkpoint in {}", out.display());
    Ok(())
}
