//! `synesthete`: the engine's command-line tool.

mod analyze;
mod bench;
mod render;
mod size;

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
    /// Render a music video from audio with a model set (PNG frames + audio; MP4 with ffmpeg).
    Render(render::RenderArgs),
    /// Run the live pipeline on the embedded demo audio and report frames per second, latency,
    /// per-stage times and the execution provider.
    Bench(bench::BenchArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Render(args) => render::run(args),
        Command::Bench(args) => bench::run(args),
    };
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}
