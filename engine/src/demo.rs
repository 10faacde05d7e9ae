//! The demo clip embedded in the engine (a 12 s, 120 BPM groove written by `cargo xtask
//! gen-demo`), and WAV decoding shared with the CLI.

use std::io::Cursor;
use std::path::Path;

/// 22.05 kHz mono 16-bit WAV.
pub const DEMO_WAV: &[u8] = include_bytes!("../assets/demo.wav");

/// Tempo the demo clip was written at.
pub const DEMO_BPM: f64 = 120.0;

/// Decoded audio: mono samples in [-1, 1] and their rate.
#[derive(Debug, Clone)]
pub struct MonoClip {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl MonoClip {
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / self.sample_rate as f64
    }
}

/// The embedded demo clip.
pub fn demo_clip() -> MonoClip {
    decode_wav(DEMO_WAV)
        .expect("the embedded demo WAV is valid; regenerate it with `cargo xtask gen-demo`")
}

/// Reads a WAV file and mixes it down to mono.
pub fn read_wav(path: &Path) -> Result<MonoClip, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    decode_wav(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Decodes WAV bytes (PCM 8-32 bit or 32-bit float, any channel count) to mono.
pub fn decode_wav(bytes: &[u8]) -> Result<MonoClip, String> {
    let reader = hound::WavReader::new(Cursor::new(bytes))
        .map_err(|e| format!("not a readable WAV file ({e})"))?;
    let spec = reader.spec();
    if spec.channels == 0 || spec.sample_rate == 0 {
        return Err("WAV header declares zero channels or a zero sample rate".into());
    }
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.into_samples::<f32>().collect::<Result<_, _>>(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
        }
    }
    .map_err(|e| format!("corrupt WAV sample data ({e})"))?;
    let channels = spec.channels as usize;
    let samples = interleaved
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect();
    Ok(MonoClip {
        samples,
        sample_rate: spec.sample_rate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_clip_is_twelve_seconds_of_sound() {
        let clip = demo_clip();
        assert_eq!(clip.sample_rate, 22_050);
        assert!((clip.duration_s() - 12.0).abs() < 0.01);
        assert!(crate::features::levels::rms(&clip.samples) > 0.05);
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let err = decode_wav(b"definitely not RIFF").unwrap_err();
        assert!(err.contains("not a readable WAV"), "{err}");
        assert!(
            read_wav(Path::new("/nonexistent.wav"))
                .unwrap_err()
                .contains("cannot read")
        );
    }

    #[test]
    fn stereo_is_mixed_to_mono() {
        let mut bytes = Cursor::new(Vec::new());
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 48_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::new(&mut bytes, spec).unwrap();
        for _ in 0..10 {
            writer.write_sample(16_384i16).unwrap();
            writer.write_sample(0i16).unwrap();
        }
        writer.finalize().unwrap();
        let clip = decode_wav(bytes.get_ref()).unwrap();
        assert_eq!(clip.samples.len(), 10);
        assert!(clip.samples.iter().all(|&s| (s - 0.25).abs() < 1e-4));
    }
}
