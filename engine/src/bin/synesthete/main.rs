//! `synesthete`: the engine's command-line tool.

mod analyze;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "synesthete",
    version,
    about = "Synesthete: audio-reactive latent-diffusion visuals"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse audio with the engine's feature extractor (the embedded demo clip by default) and
    /// report tempo, onsets, loudness and bands, plus whether ONNX Runtime loads.
    Analyze(analyze::AnalyzeArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(args),
    };
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}
