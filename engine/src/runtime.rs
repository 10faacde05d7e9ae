//! Finding and loading the ONNX Runtime shared library (`ort` with `load-dynamic`).
//!
//! The library ships inside the plugin bundle; a missing or wrong library is reported as a
//! [`RuntimeError`] with the fix, never a panic, so the plugin keeps passing audio without it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The ONNX Runtime release `ort` 2.0.0-rc.15 is built against (PyPI wheel `onnxruntime`).
pub const ORT_VERSION: &str = "1.31.1";

/// Environment variable naming the ONNX Runtime library file; checked before anything else.
pub const ORT_LIB_ENV: &str = "SYNESTHETE_ORT_LIB";

/// Subfolder of a resource directory that holds the runtime library.
pub const ORT_SUBDIR: &str = "onnxruntime";

/// File name of the runtime library on this platform.
pub fn ort_library_file_name() -> String {
    if cfg!(target_os = "windows") {
        "onnxruntime.dll".to_string()
    } else if cfg!(target_os = "macos") {
        format!("libonnxruntime.{ORT_VERSION}.dylib")
    } else {
        format!("libonnxruntime.so.{ORT_VERSION}")
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum RuntimeError {
    #[error(
        "ONNX Runtime {ORT_VERSION} was not found (looked at: {searched}). Reinstall the Synesthete \
         bundle, run `cargo xtask fetch-ort` in a source checkout, or set {ORT_LIB_ENV} to the \
         path of {file}"
    )]
    NotFound { searched: String, file: String },
    #[error("{ORT_LIB_ENV} points at {0}, which does not exist")]
    EnvPathMissing(PathBuf),
    #[error("ONNX Runtime at {path} could not be loaded: {reason}")]
    LoadFailed { path: PathBuf, reason: String },
}

/// Where the library is looked for, in order: `$SYNESTHETE_ORT_LIB`, then
/// `<dir>/onnxruntime/<file>` and `<dir>/<file>` for each resource directory given.
pub fn locate_runtime(resource_dirs: &[PathBuf]) -> Result<PathBuf, RuntimeError> {
    let from_env = std::env::var_os(ORT_LIB_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    locate_runtime_in(from_env, resource_dirs)
}

fn locate_runtime_in(
    from_env: Option<PathBuf>,
    resource_dirs: &[PathBuf],
) -> Result<PathBuf, RuntimeError> {
    if let Some(path) = from_env {
        return if path.is_file() {
            Ok(path)
        } else {
            Err(RuntimeError::EnvPathMissing(path))
        };
    }
    let file = ort_library_file_name();
    let candidates: Vec<PathBuf> = resource_dirs
        .iter()
        .flat_map(|dir| [dir.join(ORT_SUBDIR).join(&file), dir.join(&file)])
        .collect();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| RuntimeError::NotFound {
            searched: if candidates.is_empty() {
                format!("${ORT_LIB_ENV} (unset)")
            } else {
                candidates
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            file,
        })
}

/// The process-wide ONNX Runtime environment, loaded once from the first library that loads.
/// Later calls return the same environment (or the same error).
pub fn environment(
    resource_dirs: &[PathBuf],
) -> Result<&'static ort::environment::Environment, RuntimeError> {
    loaded(resource_dirs).map(|(environment, _)| environment)
}

/// Like [`environment`], plus the path of the library that was actually loaded.
pub fn loaded(
    resource_dirs: &[PathBuf],
) -> Result<(&'static ort::environment::Environment, &'static Path), RuntimeError> {
    static LOADED: OnceLock<Result<(ort::environment::Environment, PathBuf), RuntimeError>> =
        OnceLock::new();
    let result = LOADED.get_or_init(|| {
        let path = locate_runtime(resource_dirs)?;
        Ok((load(&path)?, path))
    });
    match result {
        Ok((environment, path)) => Ok((environment, path.as_path())),
        Err(error) => Err(error.clone()),
    }
}

fn load(path: &Path) -> Result<ort::environment::Environment, RuntimeError> {
    let failed = |reason: String| RuntimeError::LoadFailed {
        path: path.to_path_buf(),
        reason,
    };
    let builder = ort::init_from(path).map_err(|e| failed(e.to_string()))?;
    builder
        .with_name("synesthete")
        .build()
        .map_err(|e| failed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_library_names_every_place_and_the_fix() {
        let dirs = vec![
            PathBuf::from("/nonexistent/a"),
            PathBuf::from("/nonexistent/b"),
        ];
        let err = locate_runtime_in(None, &dirs).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("/nonexistent/a/onnxruntime/libonnxruntime.so.1.31.1"),
            "{message}"
        );
        assert!(message.contains("/nonexistent/b"), "{message}");
        assert!(message.contains("cargo xtask fetch-ort"), "{message}");
    }

    #[test]
    fn finds_the_library_in_a_resource_dir() {
        let dir = std::env::temp_dir().join(format!("synesthete-locate-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(ORT_SUBDIR)).unwrap();
        let file = dir.join(ORT_SUBDIR).join(ort_library_file_name());
        std::fs::write(&file, b"not really a library").unwrap();
        let found = locate_runtime_in(None, &[PathBuf::from("/nonexistent"), dir.clone()]).unwrap();
        assert_eq!(found, file);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn env_override_wins_and_must_exist() {
        let missing = PathBuf::from("/nonexistent/libonnxruntime.so");
        assert_eq!(
            locate_runtime_in(Some(missing.clone()), &[]),
            Err(RuntimeError::EnvPathMissing(missing))
        );
        let exe = std::env::current_exe().unwrap();
        assert_eq!(locate_runtime_in(Some(exe.clone()), &[]), Ok(exe));
    }
}
