//! `trainer train ...`

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use synesthete_trainer::training::config::{AudioVaeSection, ImageVaeSection, Preset};
use synesthete_trainer::training::dit_loop::Objective;
use synesthete_trainer::training::{audio_latents, tasks};

#[derive(Subcommand)]
pub enum TrainCommand {
    /// Train the image VAE (128x128 RGB <-> a latent, 4x32x32 in the default preset): its first run, then each `[[image_vae_fine_tune]]` from the run before (beside `--out` as `<out>_stage1`, ...), the last in `--out`.
    Vae {
        /// A preset name (`default`, `f8`, `tiny`, `hierarchical`) or a TOML file.
        #[arg(long, default_value = "default")]
        preset: String,
        #[arg(long, default_value = "runs/image_vae")]
        out: PathBuf,
        /// Cache rendered clips in this directory and reuse them (overrides the preset's
        /// `data.cache_dir`).
        #[arg(long)]
        data_cache: Option<PathBuf>,
    },
    /// Fine-tune a finished image VAE's decoder alone for crisp detail (the preset's
    /// `[sharp_decoder]`). The encoder, and the latent space the DiT learned, stay as they are;
    /// export this run with `--image-run`.
    SharpDecoder {
        /// A preset name (`default`, `f8`, `tiny`, `hierarchical`) or a TOML file.
        #[arg(long, default_value = "default")]
        preset: String,
        /// The finished image VAE run whose decoder is fine-tuned.
        #[arg(long, default_value = "runs/image_vae")]
        from: PathBuf,
        #[arg(long, default_value = "runs/image_vae_sharp")]
        out: PathBuf,
        /// Cache rendered clips in this directory and reuse them (overrides the preset's
        /// `data.cache_dir`).
        #[arg(long)]
        data_cache: Option<PathBuf>,
    },
    /// Reconstruction sheet, per-family PSNR and sharpness of a trained (or checkpointed) image
    /// VAE.
    InspectVae {
        #[arg(long, default_value = "runs/image_vae")]
        run: PathBuf,
        /// Use the latest checkpoint instead of the finished model.
        #[arg(long)]
        checkpoint: bool,
        #[arg(long, default_value_t = 128)]
        frames: usize,
        #[arg(long, default_value = "default")]
        preset: String,
    },
    /// PCA maps of the audio encoder's latent means coloured by the true factors, and an
    /// interpolation sheet between two clips (PNGs in the run directory).
    InspectAudio {
        #[arg(long, default_value = "runs/audio_vae")]
        run: PathBuf,
        #[arg(long, default_value_t = 512)]
        windows: usize,
        #[arg(long, default_value = "default")]
        preset: String,
    },
    /// Plot a run's metrics.jsonl to PNGs in the run directory.
    Plot {
        #[arg(long)]
        run: PathBuf,
    },
    /// Train the diffusion transformer on the trained autoencoders' latents.
    Dit {
        #[command(flatten)]
        args: DitArgs,
        #[arg(long, default_value = "runs/dit")]
        out: PathBuf,
    },
    /// Train the regression baseline (same network, data and budget as the DiT, MSE on the
    /// clean latent): the "gray sludge" the DiT is measured against.
    Regression {
        #[command(flatten)]
        args: DitArgs,
        #[arg(long, default_value = "runs/regression")]
        out: PathBuf,
    },
    /// Train the audio encoder (beta-VAE over log-mel windows).
    Audio {
        #[arg(long, default_value = "default")]
        preset: String,
        #[arg(long, default_value = "runs/audio_vae")]
        out: PathBuf,
        /// Cache rendered clips in this directory and reuse them (overrides the preset's
        /// `data.cache_dir`).
        #[arg(long)]
        data_cache: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
pub struct DitArgs {
    #[arg(long, default_value = "default")]
    preset: String,
    #[arg(long, default_value = "runs/image_vae")]
    image_run: PathBuf,
    #[arg(long, default_value = "runs/audio_vae")]
    audio_run: PathBuf,
    /// Cache rendered clips in this directory and reuse them.
    #[arg(long)]
    data_cache: Option<PathBuf>,
}

fn train_dit(args: DitArgs, objective: Objective, out: &std::path::Path) -> Result<()> {
    let preset = load_preset(&args.preset, args.data_cache)?;
    let autoencoders = tasks::Autoencoders::load(&args.image_run, &args.audio_run)?;
    let (_, evaluation) = tasks::train_dit(&preset, &autoencoders, objective, out)?;
    println!("{}", serde_json::to_string_pretty(&evaluation)?);
    println!("model, metrics and checkpoint in {}", out.display());
    Ok(())
}

pub fn run(command: TrainCommand) -> Result<()> {
    let (evaluation, out) = match command {
        TrainCommand::InspectAudio {
            run,
            windows,
            preset,
        } => {
            let preset = Preset::load(&preset).map_err(anyhow::Error::msg)?;
            let trained = tasks::load_run::<AudioVaeSection>(&run)?;
            let n_mels = trained.section.model.n_mels;
            let data = synesthete_trainer::data::dataset::DataConfig {
                context_frames: trained.section.model.frames,
                ..preset.data
            };
            let explained =
                audio_latents::write_pca_maps(&trained.model, &data, n_mels, windows, &run)?;
            audio_latents::write_interpolation_sheet(
                &trained.model,
                &data,
                n_mels,
                8,
                &run.join("interpolation.png"),
            )?;
            println!(
                "PCA of {windows} held-out latent means: PC1 {:.1}%, PC2 {:.1}% of variance; maps and interpolation.png in {}",
                100.0 * explained[0],
                100.0 * explained[1],
                run.display()
            );
            return Ok(());
        }
        TrainCommand::Plot { run } => {
            synesthete_trainer::plots::plot_run(&run)?;
            println!(
                "wrote training.png, kl.png and active.png in {}",
                run.display()
            );
            return Ok(());
        }
        TrainCommand::InspectVae {
            run,
            checkpoint,
            frames,
            preset,
        } => {
            let preset = Preset::load(&preset).map_err(anyhow::Error::msg)?;
            let weights = if checkpoint {
                run.join("checkpoint")
            } else {
                run.clone()
            };
            let model = tasks::load_model::<ImageVaeSection>(&run, &weights)?;
            let sheet = run.join("reconstructions.png");
            let (families, overall) = synesthete_trainer::training::inspect::reconstruction_report(
                &model,
                &preset.data,
                frames,
                &sheet,
            )?;
            for f in families.iter().chain([&overall]) {
                println!(
                    "{:>12}: {:5.2} dB, sharpness {:5.1}% of the frames' ({:.2e}), over {} frames",
                    f.family,
                    f.psnr_db,
                    f.sharpness_ratio * 100.0,
                    f.frame_sharpness,
                    f.frames
                );
            }
            println!("sheet {}", sheet.display());
            return Ok(());
        }
        TrainCommand::Vae {
            preset,
            out,
            data_cache,
        } => {
            let preset = load_preset(&preset, data_cache)?;
            (tasks::train_image_vae(&preset, &out)?.1, out)
        }
        TrainCommand::SharpDecoder {
            preset,
            from,
            out,
            data_cache,
        } => {
            let preset = load_preset(&preset, data_cache)?;
            let (_, evaluation) = tasks::train_sharp_decoder(&preset, &from, &out)?
                .ok_or_else(|| anyhow::anyhow!("the preset has no [sharp_decoder] section"))?;
            (evaluation, out)
        }
        TrainCommand::Dit { args, out } => return train_dit(args, Objective::Diffusion, &out),
        TrainCommand::Regression { args, out } => {
            return train_dit(args, Objective::Regression, &out);
        }
        TrainCommand::Audio {
            preset,
            out,
            data_cache,
        } => {
            let preset = load_preset(&preset, data_cache)?;
            (tasks::train_audio_vae(&preset, &out)?.1, out)
        }
    };
    println!("{}", serde_json::to_string_pretty(&evaluation)?);
    println!("model, metrics and checkpoint in {}", out.display());
    Ok(())
}

fn load_preset(name: &str, data_cache: Option<PathBuf>) -> Result<Preset> {
    let mut preset = Preset::load(name).map_err(anyhow::Error::msg)?;
    if data_cache.is_some() {
        preset.data.cache_dir = data_cache;
    }
    Ok(preset)
}
