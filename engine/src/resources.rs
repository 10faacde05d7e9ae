//! Where the plugin and the CLI find what ships beside their binary: `models/` and the ONNX
//! Runtime library.
//!
//! Bundle layouts (written by `cargo xtask bundle`):
//! - VST3 (all platforms) and macOS CLAP: `<bundle>/Contents/<arch>/<binary>` with resources in
//!   `<bundle>/Contents/Resources/`.
//! - Linux and Windows CLAP are a single file, so their resources sit beside it in
//!   `Synesthete.resources/`.

use std::path::{Path, PathBuf};

/// Overrides every other resource location when set.
pub const RESOURCES_ENV: &str = "SYNESTHETE_RESOURCES";

/// Folder beside a single-file plugin that holds its resources.
pub const SIDECAR_DIR: &str = "Synesthete.resources";

/// Subfolder of a resource directory holding the model set.
pub const MODELS_SUBDIR: &str = "models";

/// Candidate resource directories for a binary at `binary`, most specific first.
pub fn resource_dirs_for_binary(binary: &Path) -> Vec<PathBuf> {
    let Some(bin_dir) = binary.parent() else {
        return Vec::new();
    };
    let mut dirs = Vec::new();
    if let Some(contents) = bin_dir.parent() {
        dirs.push(contents.join("Resources"));
    }
    dirs.push(bin_dir.join(SIDECAR_DIR));
    dirs.push(bin_dir.to_path_buf());
    dirs
}

/// Resource directories for the running plugin library or executable, with the
/// [`RESOURCES_ENV`] override first.
pub fn resource_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os(RESOURCES_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .into_iter()
        .collect();
    // The plugin's own shared library, not the host executable that loaded it.
    if let Some(binary) = process_path::get_dylib_path().or_else(|| std::env::current_exe().ok()) {
        dirs.extend(resource_dirs_for_binary(&binary));
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vst3_and_sidecar_layouts_are_searched() {
        let dirs = resource_dirs_for_binary(Path::new(
            "/home/u/.vst3/Synesthete.vst3/Contents/x86_64-linux/Synesthete.so",
        ));
        assert_eq!(
            dirs[0],
            Path::new("/home/u/.vst3/Synesthete.vst3/Contents/Resources")
        );
        let dirs = resource_dirs_for_binary(Path::new("/home/u/.clap/Synesthete.clap"));
        assert!(dirs.contains(&PathBuf::from("/home/u/.clap/Synesthete.resources")));
    }
}
