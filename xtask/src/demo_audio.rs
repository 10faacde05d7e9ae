//! Writes the engine's embedded demo clip: 12 s of a 120 BPM groove (kick, snare, hats, bass,
//! chord pad) at 22.05 kHz mono, deterministic so the file is reproducible.

use std::f32::consts::TAU;
use std::path::Path;

use anyhow::Result;

const RATE: u32 = 22_050;
const SECONDS: f32 = 12.0;
const BPM: f32 = 120.0;

/// Deterministic white noise (xorshift32), so the clip is bit-identical on every run.
struct Noise(u32);

impl Noise {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0 as f32 / u32::MAX as f32 * 2.0 - 1.0
    }
}

fn midi_hz(note: f32) -> f32 {
    440.0 * 2f32.powf((note - 69.0) / 12.0)
}

pub fn render() -> Vec<f32> {
    let beat_s = 60.0 / BPM;
    let mut noise = Noise(0x5EED_1234);
    // Am - F - C - G, one chord per bar.
    let roots = [45.0, 41.0, 48.0, 43.0];
    let mut previous_noise = 0.0;
    (0..(SECONDS * RATE as f32) as usize)
        .map(|i| {
            let t = i as f32 / RATE as f32;
            let beat = t / beat_s;
            let in_beat = beat.fract() * beat_s;
            let in_eighth = (beat * 2.0).fract() * beat_s / 2.0;
            let bar = (beat / 4.0) as usize % roots.len();
            let white = noise.next();
            // High-passed noise (first difference) for hats.
            let bright = white - previous_noise;
            previous_noise = white;

            let kick_hz = 50.0 + 100.0 * (-in_beat * 30.0).exp();
            let kick = (TAU * kick_hz * in_beat).sin() * (-in_beat * 9.0).exp();
            let backbeat = (beat as usize) % 2 == 1;
            let snare = if backbeat {
                (0.6 * white + 0.4 * (TAU * 190.0 * in_beat).sin()) * (-in_beat * 18.0).exp()
            } else {
                0.0
            };
            let hat = 0.5 * bright * (-in_eighth * 60.0).exp();
            let root = roots[bar];
            let bass_phase = (midi_hz(root) * t).fract();
            let bass = (2.0 * bass_phase - 1.0) * 0.5 * (-in_eighth * 4.0).exp();
            let pad: f32 = [0.0, 3.0 + 1.0 * (bar % 2 == 1) as u8 as f32, 7.0]
                .iter()
                .map(|interval| (TAU * midi_hz(root + 24.0 + interval) * t).sin())
                .sum::<f32>()
                / 3.0;
            0.55 * kick + 0.35 * snare + 0.25 * hat + 0.3 * bass + 0.12 * pad
        })
        .collect()
}

pub fn write(path: &Path) -> Result<()> {
    let samples = render();
    let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs())).max(1e-6);
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec)?;
    for sample in samples {
        writer.write_sample((sample / peak * 0.9 * i16::MAX as f32) as i16)?;
    }
    writer.finalize()?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
