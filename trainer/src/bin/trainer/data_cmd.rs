//! `trainer data ...`

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Subcommand;
use synesthete_trainer::data::dataset::{DataConfig, DataStream};
use synesthete_trainer::data::preview::{PreviewConfig, write_preview};

#[derive(Subcommand)]
pub enum DataCommand {
    /// Write a contact sheet (one row per visualizer family) and the WAV it came from.
    Preview {
        #[arg(long, default_value = "preview")]
        out: PathBuf,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long, default_value_t = 8)]
        columns: usize,
        #[arg(long, default_value_t = 6.0)]
        seconds: f32,
    },
    /// Measure how fast the streaming dataset produces training samples.
    Bench {
        #[arg(long, default_value_t = 512)]
        samples: usize,
        #[arg(long, default_value_t = 2)]
        workers: usize,
    },
}

pub fn run(command: DataCommand) -> Result<()> {
    match command {
        DataCommand::Preview {
            out,
            seed,
            columns,
            seconds,
        } => {
            anyhow::ensure!(columns > 0 && columns <= 64, "--columns must be in 1..=64");
            anyhow::ensure!(
                (2.0..=60.0).contains(&seconds),
                "--seconds must be in 2..=60"
            );
            let specs = write_preview(
                &PreviewConfig {
                    seed,
                    columns,
                    clip_seconds: seconds,
                },
                &out,
            )?;
            for (family, spec) in synesthete_trainer::data::visualizers::ALL_FAMILIES
                .iter()
                .zip(&specs)
            {
                println!(
                    "{:>12}: clip seed {} at {:.0} BPM, key {}, {:?}",
                    family.name(),
                    spec.seed,
                    spec.bpm,
                    spec.key,
                    spec.scale
                );
            }
            println!(
                "wrote {} and {}",
                out.join("contact_sheet.png").display(),
                out.join("preview.wav").display()
            );
        }
        DataCommand::Bench { samples, workers } => {
            let mut stream = DataStream::new(DataConfig {
                workers,
                ..Default::default()
            });
            let bar = indicatif::ProgressBar::new(samples as u64);
            let start = Instant::now();
            for _ in 0..samples {
                stream.next_sample();
                bar.inc(1);
            }
            bar.finish_and_clear();
            let rate = samples as f64 / start.elapsed().as_secs_f64();
            println!(
                "{rate:.1} samples/s with {workers} workers ({:.1} ms per batch of 32)",
                32_000.0 / rate
            );
        }
    }
    Ok(())
}
