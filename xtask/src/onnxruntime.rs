//! Fetches ONNX Runtime's shared library from the PyPI wheel `onnxruntime` (the version `ort`
//! 2.0.0-rc.15 targets) into `target/onnxruntime/`.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use synesthete_engine::runtime::{ORT_VERSION, ort_library_file_name as library_file_name};

pub fn install_dir() -> PathBuf {
    PathBuf::from("target/onnxruntime")
}

/// Path of the fetched library (absolute), downloading it if it is not there yet.
pub fn fetch() -> Result<PathBuf> {
    let dir = install_dir();
    let library = dir.join(library_file_name());
    if library.is_file() {
        return Ok(fs::canonicalize(&library)?);
    }
    let wheel_dir = dir.join("wheel");
    fs::create_dir_all(&wheel_dir)?;
    eprintln!("Fetching onnxruntime=={ORT_VERSION} from PyPI (pip download)...");
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let status = Command::new(&python)
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
        ])
        .arg(format!("onnxruntime=={ORT_VERSION}"))
        .arg("-d")
        .arg(&wheel_dir)
        .status()
        .with_context(|| format!("could not run `{python} -m pip`; install Python 3 with pip"))?;
    if !status.success() {
        bail!("pip could not download onnxruntime=={ORT_VERSION} ({status})");
    }
    let wheel = fs::read_dir(&wheel_dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with(&format!("onnxruntime-{ORT_VERSION}")) && n.ends_with(".whl")
            })
        })
        .context("pip finished but no onnxruntime wheel is in target/onnxruntime/wheel")?;
    extract_library(&wheel, &library)?;
    fs::remove_dir_all(&wheel_dir).ok();
    eprintln!(
        "ONNX Runtime {ORT_VERSION} installed at {}",
        library.display()
    );
    Ok(fs::canonicalize(&library)?)
}

fn extract_library(wheel: &Path, destination: &Path) -> Result<()> {
    let file = fs::File::open(wheel)?;
    let mut archive = zip::ZipArchive::new(file)
        .with_context(|| format!("{} is not a wheel", wheel.display()))?;
    let wanted = format!("onnxruntime/capi/{}", library_file_name());
    let mut entry = archive
        .by_name(&wanted)
        .with_context(|| format!("{} has no {wanted}", wheel.display()))?;
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    entry.read_to_end(&mut bytes)?;
    let partial = destination.with_extension("partial");
    fs::write(&partial, bytes)?;
    fs::rename(&partial, destination)?;
    Ok(())
}
