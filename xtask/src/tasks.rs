//! The composite tasks behind the README's two commands.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{bundle_resources, onnxruntime};

/// Cargo flags of the test build: release optimisation with debug assertions, and nice-plug's
/// allocation assertions on the audio thread.
const TEST_FLAGS: [&str; 5] = [
    "--workspace",
    "--profile",
    "audit",
    "--features",
    "synesthete/assert_process_allocs",
];

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
}

fn cargo(args: &[&str], envs: &[(&str, &Path)]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(args);
    for (key, value) in envs {
        command.env(key, value);
    }
    let status = command.status().context("could not run cargo")?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// `cargo xtask bundle <package> [args]`: nice-plug-xtask's bundling plus our resources.
pub fn bundle(args: Vec<String>) -> Result<()> {
    let runtime = onnxruntime::fetch()?;
    nice_plug_xtask::main_with_args(
        "cargo xtask",
        std::iter::once("bundle".to_string()).chain(args),
    )?;
    finish_bundles(&runtime)
}

/// Completes what nice-plug-xtask wrote in `target/bundled/`.
fn finish_bundles(runtime: &Path) -> Result<()> {
    let bundled = target_dir().join("bundled");
    bundle_resources::remove_stray_standalone(&bundled)?;
    bundle_resources::install(&bundled, Path::new("models"), runtime)
}

/// Builds the test profile once, bundles that build, and runs every test against it.
pub fn test(extra: Vec<String>) -> Result<()> {
    let runtime = onnxruntime::fetch()?;
    let mut build: Vec<&str> = vec!["build", "--all-targets"];
    build.extend(TEST_FLAGS);
    cargo(&build, &[])?;
    nice_plug_xtask::bundle(
        &target_dir(),
        "synesthete",
        &["--profile".into(), "audit".into()],
        false,
    )?;
    finish_bundles(&runtime)?;
    let mut test: Vec<&str> = vec!["test"];
    test.extend(TEST_FLAGS);
    test.extend(extra.iter().map(String::as_str));
    cargo(&test, &[("SYNESTHETE_ORT_LIB", &runtime)])
}

/// Runs the release `synesthete` CLI with `args`, using the fetched ONNX Runtime.
fn synesthete_cli(args: &[&str], runtime: &Path) -> Result<()> {
    let mut command = vec![
        "run",
        "--quiet",
        "--release",
        "-p",
        "synesthete-engine",
        "--bin",
        "synesthete",
        "--",
    ];
    command.extend(args);
    cargo(&command, &[("SYNESTHETE_ORT_LIB", runtime)])
}

/// Bundles the release plugin, runs the engine's analysis on the embedded demo clip, renders it
/// with the shipped models to a video with sound, and benchmarks the live pipeline.
pub fn demo() -> Result<()> {
    bundle(vec!["synesthete".into(), "--release".into()])?;
    let runtime = onnxruntime::fetch()?;
    synesthete_cli(&["analyze"], &runtime)?;
    let video = target_dir().join("demo").join("demo.mp4");
    synesthete_cli(
        &[
            "render",
            "--models",
            "models",
            "--output",
            &video.to_string_lossy(),
        ],
        &runtime,
    )?;
    synesthete_cli(&["bench", "--seconds", "5", "--models", "models"], &runtime)?;
    let bundled = std::fs::canonicalize(target_dir().join("bundled"))?;
    println!("\nPlugin bundles are in {}:", bundled.display());
    for entry in std::fs::read_dir(&bundled)? {
        println!("  {}", entry?.file_name().to_string_lossy());
    }
    Ok(())
}
