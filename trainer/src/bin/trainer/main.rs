//! `trainer`: the Synesthete trainer's command line.

mod data_cmd;
mod export_cmd;
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
}

fn main() {
    let result = match Cli::parse().command {
        Command::Data(command) => data_cmd::run(command),
        Command::Train(command) => train_cmd::run(command),
        Command::Export(args) => export_cmd::run(args),
    };
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}
