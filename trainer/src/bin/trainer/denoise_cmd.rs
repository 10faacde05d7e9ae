//! `trainer denoise`: the DiT's one-step estimate of held-out frames at chosen noise levels.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use synesthete_engine::generation::Models;
use synesthete_trainer::eval::denoise::one_step_denoising;
use synesthete_trainer::training::config::Preset;

#[derive(Args)]
pub struct DenoiseArgs {
    /// The exported model set (with a DiT).
    #[arg(long, default_value = "models")]
    models: PathBuf,
    /// Data settings: a preset name (`default`, `f8`, `tiny`, `hierarchical`) or a TOML file.
    #[arg(long, default_value = "default")]
    preset: String,
    /// Held-out frames (8 per clip, so 32 is 4 clips).
    #[arg(long, default_value_t = 32)]
    frames: usize,
    /// Training timesteps to noise the frames' latents to (0 clean, 999 pure noise).
    #[arg(long, value_delimiter = ',', default_value = "250,500,750,900")]
    timesteps: Vec<usize>,
    /// Where denoise.png and denoise.json go.
    #[arg(long, default_value = "runs/denoise")]
    out: PathBuf,
}

pub fn run(args: DenoiseArgs) -> Result<()> {
    let preset = Preset::load(&args.preset).map_err(anyhow::Error::msg)?;
    let mut models = Models::load_with_image_encoder(&args.models, crate::ort_environment()?, 2)?;
    std::fs::create_dir_all(&args.out)?;
    let sheet = args.out.join("denoise.png");
    let report = one_step_denoising(
        &mut models,
        &preset.data,
        args.frames,
        &args.timesteps,
        &sheet,
    )?;
    std::fs::write(
        args.out.join("denoise.json"),
        serde_json::to_vec_pretty(&report)?,
    )?;
    println!(
        "{} held-out frames; latent variance {:.3}; patch seams of their reconstructions {:.2}",
        report.frames, report.latent_variance, report.data_seams
    );
    println!("| timestep | ᾱ | latent MSE of the estimate | patch seams |");
    println!("| ---: | ---: | ---: | ---: |");
    for level in &report.levels {
        println!(
            "| {} | {:.4} | {:.4} | {:.2} |",
            level.timestep, level.alpha_bar, level.latent_mse, level.patch_seams
        );
    }
    println!(
        "sheet {} (rows: frames, reconstructions, then one per timestep)",
        sheet.display()
    );
    Ok(())
}
