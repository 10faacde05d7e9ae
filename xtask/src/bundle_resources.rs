//! Copies what the plugin needs at run time into the bundles nice-plug-xtask wrote, so that
//! copying a bundle into a DAW's plugin folder is the whole install. The layout matches the
//! search order in `engine/src/resources.rs`.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub const BUNDLE_NAME: &str = "Synesthete";

/// Resource directories of the bundles present in `bundled_dir`.
fn resource_dirs(bundled_dir: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let vst3 = bundled_dir.join(format!("{BUNDLE_NAME}.vst3"));
    if vst3.is_dir() {
        dirs.push(vst3.join("Contents/Resources"));
    }
    let clap = bundled_dir.join(format!("{BUNDLE_NAME}.clap"));
    if clap.is_dir() {
        // macOS: the CLAP is a bundle directory too.
        dirs.push(clap.join("Contents/Resources"));
    } else if clap.is_file() {
        // Linux/Windows: a CLAP is one file; resources go beside it.
        dirs.push(bundled_dir.join(format!("{BUNDLE_NAME}.resources")));
    }
    dirs
}

pub fn install(bundled_dir: &Path, models_dir: &Path, runtime_library: &Path) -> Result<()> {
    let dirs = resource_dirs(bundled_dir);
    anyhow::ensure!(
        !dirs.is_empty(),
        "no {BUNDLE_NAME} bundle in {}",
        bundled_dir.display()
    );
    for dir in dirs {
        let models = dir.join("models");
        if models.exists() {
            fs::remove_dir_all(&models)?;
        }
        copy_dir(models_dir, &models)?;
        let runtime_dir = dir.join("onnxruntime");
        fs::create_dir_all(&runtime_dir)?;
        let file_name = runtime_library
            .file_name()
            .context("runtime library path has no file name")?;
        fs::copy(runtime_library, runtime_dir.join(file_name)).with_context(|| {
            format!(
                "copying {} into {}",
                runtime_library.display(),
                runtime_dir.display()
            )
        })?;
        eprintln!("Added models/ and ONNX Runtime to {}", dir.display());
    }
    Ok(())
}

/// nice-plug-xtask also bundles any executable named like the package as a "standalone"; here
/// that is the engine's `synesthete` CLI, not a standalone plugin, so its copy is removed.
pub fn remove_stray_standalone(bundled_dir: &Path) -> Result<()> {
    let stray = bundled_dir.join(BUNDLE_NAME);
    if stray.is_file() {
        fs::remove_file(&stray)?;
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
