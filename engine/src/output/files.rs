//! PNG sequence output for offline rendering: `frame_00000.png`, `frame_00001.png`... in one
//! folder, the same names `synesthete render` writes, so `ffmpeg -i frame_%05d.png` picks them up.
//!
//! Compiled with the `cli` feature only, which brings the `image` crate; without it
//! [`super::open`] answers the route with [`OutputError::NotBuilt`]. Encoding a 1280x720 PNG takes
//! a few milliseconds to tens of milliseconds, so this sink is for offline rendering, where the
//! engine waits for every frame anyway, not for a live performance.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use image::ImageEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};

use super::{Frame, FrameSink, OutputError};

/// Writes every frame as the next PNG of the sequence.
pub struct FilesSink {
    /// The folder the frames go to (created by [`FilesSink::create`]).
    dir: PathBuf,
    /// Number of the next frame's file, from 0.
    next: u64,
}

impl FilesSink {
    /// Creates `dir` (and its parents) if missing. Frames already there with the same names
    /// are overwritten.
    pub fn create(dir: &Path) -> Result<Self, OutputError> {
        std::fs::create_dir_all(dir).map_err(|error| OutputError::Files {
            path: dir.to_path_buf(),
            error,
        })?;
        Ok(Self {
            dir: dir.to_path_buf(),
            next: 0,
        })
    }
}

impl FrameSink for FilesSink {
    fn describe(&self) -> String {
        format!(
            "PNG files frame_00000.png... in {} ({} written)",
            self.dir.display(),
            self.next
        )
    }

    fn send(&mut self, frame: &Frame) -> Result<(), OutputError> {
        frame.check()?;
        let path = self.dir.join(format!("frame_{:05}.png", self.next));
        let file_error = |error| OutputError::Files {
            path: path.clone(),
            error,
        };
        let file = File::create(&path).map_err(file_error)?;
        let mut writer = BufWriter::new(file);
        PngEncoder::new_with_quality(&mut writer, CompressionType::Fast, FilterType::Adaptive)
            .write_image(
                frame.rgba,
                frame.width,
                frame.height,
                image::ExtendedColorType::Rgba8,
            )
            .map_err(|error| match error {
                image::ImageError::IoError(error) => file_error(error),
                other => OutputError::Png {
                    path: path.clone(),
                    reason: other.to_string(),
                },
            })?;
        writer
            .into_inner()
            .map_err(|error| file_error(error.into_error()))?;
        self.next += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{OutputRoute, open};

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "synesthete-output-files-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn writes_a_numbered_png_sequence_with_the_exact_pixels() {
        let dir = scratch("sequence").join("nested");
        let mut sink = open(&OutputRoute::Files { dir: dir.clone() }).unwrap();
        let (width, height) = (5u32, 3u32);
        let frames: Vec<Vec<u8>> = (0..2u8)
            .map(|n| {
                (0..Frame::byte_len(width, height))
                    .map(|i| (i as u8).wrapping_mul(17).wrapping_add(n * 101))
                    .collect()
            })
            .collect();
        for rgba in &frames {
            sink.send(&Frame {
                width,
                height,
                rgba,
            })
            .unwrap();
        }
        assert!(
            sink.describe().contains("(2 written)"),
            "{}",
            sink.describe()
        );
        for (n, rgba) in frames.iter().enumerate() {
            let path = dir.join(format!("frame_{n:05}.png"));
            let image = image::open(&path).unwrap().to_rgba8();
            assert_eq!(image.dimensions(), (width, height), "{}", path.display());
            assert_eq!(image.as_raw(), rgba, "{}", path.display());
        }
        assert!(!dir.join("frame_00002.png").exists());
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_folder_that_cannot_be_created_is_a_clear_error() {
        let dir = scratch("blocked");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("not-a-folder");
        std::fs::write(&file, b"").unwrap();
        let error = open(&OutputRoute::Files {
            dir: file.join("frames"),
        })
        .err()
        .expect("a file stands where the folder should be");
        assert!(matches!(error, OutputError::Files { .. }), "{error:?}");
        assert!(
            error.to_string().contains("can be created and written to"),
            "{error}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
