//! Optional on-disk cache of rendered clips: the samples (log-mel windows, frames, labels) of
//! clip `seed` are stored once and read back by every later run over the same stream (the image
//! VAE, the audio encoder and the DiT all train on the same clips).
//!
//! A cache file is untrusted input: anything that does not decode to samples of the expected
//! shapes is reported and regenerated, never trusted.

use std::path::{Path, PathBuf};

use super::dataset::{DataConfig, Sample};
use super::visualizers::SIZE;

/// Bump when the music engine, the visualizers or the sample layout change what a seed renders:
/// it is part of the cache directory name, so stale clips are never read.
pub const GENERATOR_VERSION: u32 = 2;

/// The directory holding the clips of streams shaped like `config` (the seed is per file).
pub fn directory(root: &Path, config: &DataConfig) -> PathBuf {
    root.join(format!(
        "v{GENERATOR_VERSION}-{}s-{}f-{}spc",
        config.clip_seconds, config.context_frames, config.samples_per_clip
    ))
}

fn clip_path(dir: &Path, seed: u64) -> PathBuf {
    dir.join(format!("clip-{seed}.bin"))
}

/// The cached samples of clip `seed`, `Ok(None)` if it is not cached yet.
pub fn load(dir: &Path, config: &DataConfig, seed: u64) -> Result<Option<Vec<Sample>>, String> {
    let path = clip_path(dir, seed);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("reading {}: {e}", path.display())),
    };
    let samples: Vec<Sample> = postcard::from_bytes(&bytes)
        .map_err(|e| format!("{} is not a cached clip: {e}", path.display()))?;
    validate(&samples, config, seed).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(samples))
}

fn validate(samples: &[Sample], config: &DataConfig, seed: u64) -> Result<(), String> {
    if samples.len() > config.samples_per_clip {
        return Err(format!(
            "{} samples, the stream cuts {} per clip",
            samples.len(),
            config.samples_per_clip
        ));
    }
    let n_mels = synesthete_engine::features::FeatureConfig::default().n_mels;
    for sample in samples {
        if sample.factors.clip_seed != seed {
            return Err(format!(
                "holds clip {} instead of {seed}",
                sample.factors.clip_seed
            ));
        }
        if sample.mel.len() != n_mels * config.context_frames
            || sample.image.data.len() != 3 * SIZE * SIZE
        {
            return Err("a sample has the wrong shape".into());
        }
        let finite_in = |values: &[f32], lo: f32, hi: f32| {
            values
                .iter()
                .all(|v| v.is_finite() && (lo..=hi).contains(v))
        };
        if !finite_in(&sample.mel, -1.0, 1.0) || !finite_in(&sample.image.data, 0.0, 1.0) {
            return Err("a sample holds values outside the contracted ranges".into());
        }
    }
    Ok(())
}

/// Writes clip `seed` atomically (temporary file + rename), so a run killed mid-write or two
/// runs sharing the cache never leave a torn file behind.
pub fn store(dir: &Path, seed: u64, samples: &[Sample]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let bytes = postcard::to_stdvec(samples).map_err(|e| format!("encoding clip {seed}: {e}"))?;
    let path = clip_path(dir, seed);
    let partial = path.with_extension(format!("{}.partial", std::process::id()));
    std::fs::write(&partial, bytes).map_err(|e| format!("writing {}: {e}", partial.display()))?;
    std::fs::rename(&partial, &path).map_err(|e| format!("renaming to {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::dataset::samples_for_clip;

    fn config(cache_dir: Option<PathBuf>) -> DataConfig {
        DataConfig {
            seed: 5,
            clip_seconds: 2.0,
            context_frames: 32,
            samples_per_clip: 3,
            cache_dir,
            ..Default::default()
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("synesthete-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn cached_clips_are_the_rendered_clips() {
        let root = scratch("same");
        let cached = config(Some(root.clone()));
        let rendered = samples_for_clip(&config(None), 1);
        assert_eq!(samples_for_clip(&cached, 1), rendered, "first pass renders");
        let file = clip_path(&directory(&root, &cached), 6);
        assert!(file.exists(), "the clip was stored at {}", file.display());
        assert_eq!(samples_for_clip(&cached, 1), rendered, "second pass reads");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_corrupt_or_foreign_file_is_refused_and_rendered_again() {
        let root = scratch("corrupt");
        let cached = config(Some(root.clone()));
        let dir = directory(&root, &cached);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(clip_path(&dir, 6), b"not a clip").unwrap();
        let err = load(&dir, &cached, 6).unwrap_err();
        assert!(err.contains("is not a cached clip"), "{err}");

        // A well-formed file holding another clip is caught too.
        let other = samples_for_clip(&config(None), 2);
        store(&dir, 6, &other).unwrap();
        let err = load(&dir, &cached, 6).unwrap_err();
        assert!(err.contains("holds clip 7 instead of 6"), "{err}");

        // The stream renders the right clip and repairs the cache.
        let rendered = samples_for_clip(&config(None), 1);
        assert_eq!(samples_for_clip(&cached, 1), rendered);
        assert_eq!(load(&dir, &cached, 6).unwrap(), Some(rendered));
        std::fs::remove_dir_all(root).unwrap();
    }
}
