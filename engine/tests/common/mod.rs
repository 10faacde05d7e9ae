//! Shared by the engine's integration tests: the repository root and the `synesthete` binary
//! pointed at the ONNX Runtime that `cargo xtask fetch-ort` installs.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The fetched runtime, unless the caller points elsewhere with SYNESTHETE_ORT_LIB.
pub fn ort_library() -> PathBuf {
    std::env::var_os("SYNESTHETE_ORT_LIB")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/onnxruntime/libonnxruntime.so.1.31.1"))
}

pub fn synesthete() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_synesthete"));
    command.env("SYNESTHETE_ORT_LIB", ort_library());
    command
}

/// Loads the model set in `dir` (relative to the repository) through the fetched runtime.
pub fn load_models(dir: &str) -> synesthete_engine::generation::Models {
    if std::env::var_os(synesthete_engine::runtime::ORT_LIB_ENV).is_none() {
        // SAFETY: set before any other thread starts.
        unsafe { std::env::set_var(synesthete_engine::runtime::ORT_LIB_ENV, ort_library()) };
    }
    let environment = synesthete_engine::runtime::environment(&[]).unwrap();
    synesthete_engine::generation::Models::load(&repo().join(dir), environment, 2).unwrap()
}

/// Every frame `render_clip` makes of `clip` at `fps`, with the parameters `params_at` gives.
pub fn render_frames(
    models: &mut synesthete_engine::generation::Models,
    clip: &synesthete_engine::demo::MonoClip,
    fps: f32,
    params_at: impl FnMut(f64) -> synesthete_engine::params::VisualParams,
) -> Vec<Vec<f32>> {
    let mut frames = Vec::new();
    synesthete_engine::generation::render::render_clip(
        models,
        clip,
        fps,
        params_at,
        |_, _, _, frame| {
            frames.push(frame.to_vec());
            Ok(())
        },
    )
    .unwrap();
    frames
}

/// Mean absolute difference per value between two frames.
pub fn mean_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32
}
