//! Small synthesis building blocks for the procedural music engine: oscillators, a one-pole
//! low-pass, a resonant band-pass, ADSR-ish envelopes. Sample-rate aware, allocation-free.

use std::f32::consts::TAU;

/// Timbres the music engine picks from per part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Voice {
    Sine,
    Saw,
    Square,
    /// Two-operator FM (ratio 2, moderate index): bell/electric-piano like.
    Fm,
    /// Karplus-Strong plucked string.
    Pluck,
    /// Three detuned saws through a low-pass: a pad.
    SuperSaw,
}

pub const ALL_VOICES: [Voice; 6] = [
    Voice::Sine,
    Voice::Saw,
    Voice::Square,
    Voice::Fm,
    Voice::Pluck,
    Voice::SuperSaw,
];

/// Band-limited enough for training data at 22.05 kHz: naive shapes softened by a low-pass.
pub fn oscillator(voice: Voice, phase: f32, t: f32, hz: f32) -> f32 {
    let p = phase.fract();
    match voice {
        Voice::Sine => (TAU * p).sin(),
        Voice::Saw | Voice::Pluck => 2.0 * p - 1.0,
        Voice::Square => {
            if p < 0.5 {
                0.8
            } else {
                -0.8
            }
        }
        Voice::Fm => {
            let index = 2.0 * (-t * 3.0).exp() + 0.3;
            (TAU * p + index * (TAU * 2.0 * p).sin()).sin()
        }
        Voice::SuperSaw => {
            let detune = |cents: f32| 2.0 * (hz * t * 2f32.powf(cents / 1200.0)).fract() - 1.0;
            (detune(-12.0) + detune(0.0) + detune(11.0)) / 3.0
        }
    }
}

/// Attack / decay / sustain level / release envelope value at `t` seconds into a note of
/// `length` seconds.
pub fn envelope(t: f32, length: f32, attack: f32, decay: f32, sustain: f32, release: f32) -> f32 {
    if t < 0.0 || t > length + release {
        return 0.0;
    }
    let level = if t < attack {
        t / attack.max(1e-4)
    } else if t < attack + decay {
        1.0 - (1.0 - sustain) * (t - attack) / decay.max(1e-4)
    } else {
        sustain
    };
    if t > length {
        level * (1.0 - (t - length) / release.max(1e-4))
    } else {
        level
    }
}

/// One-pole low-pass.
#[derive(Debug, Clone, Default)]
pub struct OnePole {
    state: f32,
}

impl OnePole {
    pub fn process(&mut self, x: f32, cutoff_hz: f32, sample_rate: f32) -> f32 {
        let alpha = 1.0 - (-TAU * cutoff_hz / sample_rate).exp();
        self.state += alpha * (x - self.state);
        self.state
    }
}

/// State-variable band-pass (Chamberlin), used for noise sweeps and formants.
#[derive(Debug, Clone, Default)]
pub struct BandPass {
    low: f32,
    band: f32,
}

impl BandPass {
    pub fn process(&mut self, x: f32, center_hz: f32, q: f32, sample_rate: f32) -> f32 {
        let f = 2.0 * (std::f32::consts::PI * center_hz.min(sample_rate / 6.0) / sample_rate).sin();
        let damping = 1.0 / q.max(0.5);
        let high = x - self.low - damping * self.band;
        self.band += f * high;
        self.low += f * self.band;
        self.band
    }
}

pub fn midi_to_hz(note: f32) -> f32 {
    440.0 * 2f32.powf((note - 69.0) / 12.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_shape() {
        assert_eq!(envelope(-0.1, 1.0, 0.1, 0.1, 0.5, 0.2), 0.0);
        assert!((envelope(0.05, 1.0, 0.1, 0.1, 0.5, 0.2) - 0.5).abs() < 1e-6);
        assert!((envelope(0.5, 1.0, 0.1, 0.1, 0.5, 0.2) - 0.5).abs() < 1e-6);
        assert_eq!(envelope(1.3, 1.0, 0.1, 0.1, 0.5, 0.2), 0.0);
    }

    #[test]
    fn oscillators_stay_bounded() {
        for voice in ALL_VOICES {
            for i in 0..1000 {
                let t = i as f32 / 1000.0;
                let v = oscillator(voice, t * 220.0, t, 220.0);
                assert!(v.abs() <= 1.0001, "{voice:?} {v}");
            }
        }
    }
}
