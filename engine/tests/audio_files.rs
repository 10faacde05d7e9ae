//! `audio_file::load_mono` on real FLAC, Ogg Vorbis and MP3 files that ffmpeg encodes from a
//! known stereo WAV: each decodes to ~1 s of mono 440 Hz, FLAC bit-exact; damaged copies fail
//! cleanly or decode partially, never panic.
//!
//! Needs `ffmpeg` with libvorbis and libmp3lame (`scripts/setup.sh` installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

use synesthete_engine::audio_file::{AudioFileError, load_mono};
use synesthete_engine::demo::MonoClip;

const FREQUENCY_HZ: f64 = 440.0;
const RATE: u32 = 44_100;
/// Left and right amplitudes; the mono mix is their mean, 0.4.
const LEFT: f64 = 0.6;
const RIGHT: f64 = 0.2;

/// A scratch folder unique to this test and process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "synesthete-audio-files-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `seconds` of a 440 Hz sine, 16-bit stereo at 44.1 kHz; returns the interleaved samples.
fn write_sine_wav(path: &Path, seconds: u32) -> Vec<i16> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    let mut written = Vec::new();
    for n in 0..RATE * seconds {
        let phase = 2.0 * std::f64::consts::PI * FREQUENCY_HZ * f64::from(n) / f64::from(RATE);
        for amplitude in [LEFT, RIGHT] {
            let sample = (amplitude * phase.sin() * 32_767.0).round() as i16;
            writer.write_sample(sample).unwrap();
            written.push(sample);
        }
    }
    writer.finalize().unwrap();
    written
}

/// Encodes `wav` into `output` with ffmpeg and the given codec arguments.
fn ffmpeg(wav: &Path, output: &Path, codec_args: &[&str]) {
    let result = Command::new("ffmpeg")
        .args(["-nostdin", "-y", "-loglevel", "error", "-i"])
        .arg(wav)
        .args(codec_args)
        .arg(output)
        .output();
    let output_text = match result {
        Ok(out) if out.status.success() => return,
        Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
        Err(e) => e.to_string(),
    };
    panic!(
        "ffmpeg could not encode {} ({output_text}); these tests need ffmpeg with libvorbis and \
         libmp3lame: run scripts/setup.sh",
        output.display()
    );
}

fn require_ffmpeg() {
    let found = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|out| out.status.success());
    assert!(
        found,
        "ffmpeg is not installed; run scripts/setup.sh (these tests encode FLAC, Ogg and MP3 with it)"
    );
}

/// Frequency from the upward zero crossings (linearly interpolated) of the middle of the clip,
/// away from codec fade-in and padding.
fn dominant_frequency_hz(clip: &MonoClip) -> f64 {
    let rate = f64::from(clip.sample_rate);
    let n = clip.samples.len();
    let middle = &clip.samples[n / 10..n - n / 10];
    let crossings: Vec<f64> = middle
        .windows(2)
        .enumerate()
        .filter(|(_, pair)| pair[0] < 0.0 && pair[1] >= 0.0)
        .map(|(i, pair)| {
            let fraction = f64::from(-pair[0]) / f64::from(pair[1] - pair[0]);
            (i as f64 + fraction) / rate
        })
        .collect();
    assert!(crossings.len() > 100, "{} zero crossings", crossings.len());
    (crossings.len() - 1) as f64 / (crossings[crossings.len() - 1] - crossings[0])
}

fn rms(samples: &[f32]) -> f64 {
    (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt()
}

/// ~1 s of mono 440 Hz at `rate` with the mix's level.
fn assert_sine(clip: &MonoClip, rate: u32, what: &str) {
    assert_eq!(clip.sample_rate, rate, "{what}: sample rate");
    let duration_s = clip.duration_s();
    assert!(
        (duration_s - 1.0).abs() <= 0.05,
        "{what}: {duration_s} s, expected 1 s within codec padding"
    );
    let frequency = dominant_frequency_hz(clip);
    assert!(
        (frequency - FREQUENCY_HZ).abs() <= 5.0,
        "{what}: {frequency} Hz, expected 440 Hz"
    );
    // A sine of amplitude 0.4 (the mean of 0.6 and 0.2), measured away from the edges.
    let n = clip.samples.len();
    let level = rms(&clip.samples[n / 10..n - n / 10]);
    let expected = (LEFT + RIGHT) / 2.0 / 2f64.sqrt();
    assert!(
        (level / expected - 1.0).abs() < 0.1,
        "{what}: RMS {level}, expected {expected} (mono mix of both channels)"
    );
}

/// The source WAV and its FLAC, Ogg Vorbis (48 kHz) and MP3 encodings, 1 s unless stated.
struct Fixture {
    dir: PathBuf,
    interleaved: Vec<i16>,
}

impl Fixture {
    fn new(name: &str) -> Self {
        Self::with_seconds(name, 1)
    }

    fn with_seconds(name: &str, seconds: u32) -> Self {
        require_ffmpeg();
        let dir = scratch(name);
        let wav = dir.join("sine.wav");
        let interleaved = write_sine_wav(&wav, seconds);
        ffmpeg(&wav, &dir.join("sine.flac"), &["-c:a", "flac"]);
        ffmpeg(
            &wav,
            &dir.join("sine.ogg"),
            &["-c:a", "libvorbis", "-q:a", "6", "-ar", "48000"],
        );
        ffmpeg(
            &wav,
            &dir.join("sine.mp3"),
            &["-c:a", "libmp3lame", "-b:a", "192k"],
        );
        Self { dir, interleaved }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn wav_flac_ogg_and_mp3_decode_to_mono_sine() {
    let fixture = Fixture::new("decode");
    for (name, rate) in [
        ("sine.wav", RATE),
        ("sine.flac", RATE),
        ("sine.ogg", 48_000),
        ("sine.mp3", RATE),
    ] {
        let clip = load_mono(&fixture.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_sine(&clip, rate, name);
    }
}

#[test]
fn flac_is_bit_exact_to_the_wav_mix() {
    let fixture = Fixture::new("exact");
    let clip = load_mono(&fixture.path("sine.flac")).unwrap();
    let expected: Vec<f32> = fixture
        .interleaved
        .chunks_exact(2)
        .map(|frame| (f32::from(frame[0]) + f32::from(frame[1])) / 2.0 / 32_768.0)
        .collect();
    assert_eq!(clip.samples.len(), expected.len());
    let lsb = 1.0 / 32_768.0;
    for (i, (&got, &want)) in clip.samples.iter().zip(&expected).enumerate() {
        assert!(
            (got - want).abs() <= lsb,
            "sample {i}: {got} vs {want} (more than 1 LSB apart)"
        );
    }
}

#[test]
fn extension_does_not_decide_the_format() {
    // Content wins over a wrong extension: an MP3 named .flac still decodes.
    let fixture = Fixture::new("renamed");
    let renamed = fixture.path("actually-mp3.flac");
    std::fs::copy(fixture.path("sine.mp3"), &renamed).unwrap();
    let clip = load_mono(&renamed).unwrap();
    assert_sine(&clip, RATE, "MP3 named .flac");
}

#[test]
fn truncated_and_corrupted_files_never_panic() {
    // 10 s, so that half a file is more than its headers (1 s of Ogg Vorbis is three pages).
    let fixture = Fixture::with_seconds("damaged", 10);
    for name in ["sine.flac", "sine.ogg", "sine.mp3"] {
        let bytes = std::fs::read(fixture.path(name)).unwrap();
        let damaged = fixture.path(&format!("damaged-{name}"));

        for cut in [4, 100, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
            std::fs::write(&damaged, &bytes[..cut]).unwrap();
            match load_mono(&damaged) {
                Ok(clip) => assert!(
                    clip.duration_s() < 10.05,
                    "{name} cut at {cut}: {} s",
                    clip.duration_s()
                ),
                Err(err) => assert_eq!(err.to_string().lines().count(), 1, "{err}"),
            }
        }

        // Half the file kept: about half the audio comes back.
        std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
        let half = load_mono(&damaged).unwrap_or_else(|e| panic!("half of {name}: {e}"));
        assert!(
            (2.0..8.0).contains(&half.duration_s()),
            "half of {name}: {} s",
            half.duration_s()
        );

        // Garbage over the middle third: the damaged packets are skipped or the file is refused
        // with one line, never a panic.
        let mut corrupted = bytes.clone();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for byte in &mut corrupted[bytes.len() / 3..2 * bytes.len() / 3] {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state as u8;
        }
        std::fs::write(&damaged, &corrupted).unwrap();
        if let Err(err) = load_mono(&damaged) {
            assert!(
                matches!(
                    err,
                    AudioFileError::Decode { .. } | AudioFileError::Read { .. }
                ),
                "{name} corrupted: {err}"
            );
            assert_eq!(err.to_string().lines().count(), 1, "{err}");
        }
    }
}
