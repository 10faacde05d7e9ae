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
