//! `trainer data preview`: a contact sheet of frames per visualizer family (one row per family,
//! frames left to right through one clip) and a WAV of the audio they came from.

use std::path::Path;

use synesthete_engine::features::FeatureConfig;
use synesthete_engine::features::analyzer::analyze_clip;

use super::music::{self, ClipKind, SongSpec};
use super::visualizers::{self, ALL_FAMILIES, Frame, SIZE, Style, VisualInput};

pub struct PreviewConfig {
    pub seed: u64,
    pub columns: usize,
    pub clip_seconds: f32,
}

/// Writes `<out_dir>/contact_sheet.png` and `<out_dir>/preview.wav` (the rows' clips one after
/// another, in row order). Returns the rows' clip specs.
pub fn write_preview(config: &PreviewConfig, out_dir: &Path) -> anyhow::Result<Vec<SongSpec>> {
    std::fs::create_dir_all(out_dir)?;
    let features = FeatureConfig::default();
    let (width, height) = (config.columns * SIZE, ALL_FAMILIES.len() * SIZE);
    let mut sheet = image::RgbImage::new(width as u32, height as u32);
    let mut audio = Vec::new();
    let mut specs = Vec::new();
    let mut seed = config.seed;
    for (row, family) in ALL_FAMILIES.iter().enumerate() {
        // Preview music clips: they show the most.
        let spec = loop {
            let spec = SongSpec::from_seed(seed);
            seed += 1;
            if spec.kind == ClipKind::Music {
                break spec;
            }
        };
        let clip = music::render(&spec, features.sample_rate, config.clip_seconds);
        let frames = analyze_clip(&clip.samples, clip.sample_rate, features.clone())
            .map_err(anyhow::Error::msg)?;
        let style = Style::random(*family, spec.seed);
        for column in 0..config.columns {
            let index = (column + 1) * frames.len() / (config.columns + 1);
            let frame = &frames[index.min(frames.len() - 1)];
            let end = ((frame.time_s * clip.sample_rate as f64) as usize).min(clip.samples.len());
            let waveform = &clip.samples[end.saturating_sub(512)..end];
            let image = visualizers::render(
                &style,
                &VisualInput {
                    features: frame,
                    waveform,
                    time_s: frame.time_s as f32,
                },
            );
            blit(&mut sheet, &image, column * SIZE, row * SIZE);
        }
        audio.extend_from_slice(&clip.samples);
        specs.push(spec);
    }
    sheet.save(out_dir.join("contact_sheet.png"))?;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: features.sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(out_dir.join("preview.wav"), spec)?;
    for sample in audio {
        writer.write_sample((sample.clamp(-1.0, 1.0) * i16::MAX as f32) as i16)?;
    }
    writer.finalize()?;
    Ok(specs)
}

/// Copies a CHW [0, 1] frame into an RGB image at (x0, y0).
pub fn blit(sheet: &mut image::RgbImage, frame: &Frame, x0: usize, y0: usize) {
    for y in 0..SIZE {
        for x in 0..SIZE {
            let rgb = frame.get(x, y).map(|v| (v * 255.0).round() as u8);
            sheet.put_pixel((x0 + x) as u32, (y0 + y) as u32, image::Rgb(rgb));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_writes_a_sheet_and_its_audio() {
        let dir = std::env::temp_dir().join(format!("synesthete-preview-{}", std::process::id()));
        let specs = write_preview(
            &PreviewConfig {
                seed: 5,
                columns: 3,
                clip_seconds: 2.0,
            },
            &dir,
        )
        .unwrap();
        assert_eq!(specs.len(), 8);
        let sheet = image::open(dir.join("contact_sheet.png")).unwrap();
        assert_eq!((sheet.width(), sheet.height()), (3 * 128, 8 * 128));
        let wav = hound::WavReader::open(dir.join("preview.wav")).unwrap();
        assert_eq!(wav.len(), 8 * 2 * 22_050);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
