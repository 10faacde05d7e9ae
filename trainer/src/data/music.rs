//! Procedural music engine: a deterministic clip from a seed, with the true factors that made it
//! (tempo, key, scale, instrument mix, loudness, sections) recorded for evaluation.
//!
//! Music clips have drums (kick, snare, hats with swing), bass, chords and a lead melody in a
//! random key and scale at 70-180 BPM, with song sections (build, drop, break). Some clips are
//! non-musical material a DAW track also carries: noise sweeps, speech-like formants, silence.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::synth::{ALL_VOICES, BandPass, OnePole, Voice, envelope, midi_to_hz, oscillator};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ClipKind {
    Music,
    NoiseSweep,
    Speech,
    Silence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Section {
    /// Sparse drums, rising hats and filter.
    Build,
    /// Everything, loud.
    Drop,
    /// No drums: chords and lead.
    Break,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Scale {
    Major,
    Minor,
    Dorian,
    PentatonicMinor,
}

impl Scale {
    fn steps(self) -> &'static [i32] {
        match self {
            Scale::Major => &[0, 2, 4, 5, 7, 9, 11],
            Scale::Minor => &[0, 2, 3, 5, 7, 8, 10],
            Scale::Dorian => &[0, 2, 3, 5, 7, 9, 10],
            Scale::PentatonicMinor => &[0, 3, 5, 7, 10],
        }
    }

    /// Semitones above the root of scale degree `degree` (any integer; wraps by octaves).
    fn semitones(self, degree: i32) -> i32 {
        let steps = self.steps();
        let n = steps.len() as i32;
        steps[degree.rem_euclid(n) as usize] + 12 * degree.div_euclid(n)
    }
}

/// Everything that determines a clip; the ground truth for disentanglement metrics.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SongSpec {
    pub seed: u64,
    pub kind: ClipKind,
    pub bpm: f32,
    /// Root note, 0 = C .. 11 = B.
    pub key: u8,
    pub scale: Scale,
    /// Delay of off-beat 16ths as a fraction of a 16th (0 = straight).
    pub swing: f32,
    pub bass_voice: Voice,
    pub chord_voice: Voice,
    pub lead_voice: Voice,
    /// Gains of drums, bass, chords, lead (0 = part absent).
    pub mix: [f32; 4],
    /// Overall level in dB (peak-normalised clip scaled by this).
    pub loudness_db: f32,
    /// Section of each bar, cycling.
    pub sections: Vec<Section>,
}

impl SongSpec {
    /// Draws a spec from `seed`. About 85% of clips are music.
    pub fn from_seed(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let kind = match rng.random_range(0..100) {
            0..85 => ClipKind::Music,
            85..91 => ClipKind::NoiseSweep,
            91..97 => ClipKind::Speech,
            _ => ClipKind::Silence,
        };
        let voice = |rng: &mut ChaCha8Rng| ALL_VOICES[rng.random_range(0..ALL_VOICES.len())];
        let mut mix = [0.0; 4];
        for gain in &mut mix {
            *gain = if rng.random_bool(0.8) {
                rng.random_range(0.3..1.0)
            } else {
                0.0
            };
        }
        let sections = (0..rng.random_range(2..5))
            .map(|_| [Section::Build, Section::Drop, Section::Break][rng.random_range(0..3)])
            .collect();
        Self {
            seed,
            kind,
            bpm: rng.random_range(70.0..180.0),
            key: rng.random_range(0..12),
            scale: [
                Scale::Major,
                Scale::Minor,
                Scale::Dorian,
                Scale::PentatonicMinor,
            ][rng.random_range(0..4)],
            swing: if rng.random_bool(0.5) {
                rng.random_range(0.0..0.35)
            } else {
                0.0
            },
            bass_voice: voice(&mut rng),
            chord_voice: voice(&mut rng),
            lead_voice: voice(&mut rng),
            mix,
            loudness_db: rng.random_range(-24.0..-1.0),
            sections,
        }
    }

    /// Section playing at `t` seconds (one section per bar of 4 beats, cycling).
    pub fn section_at(&self, t: f32) -> Section {
        let bar = (t * self.bpm / 60.0 / 4.0) as usize;
        self.sections[bar % self.sections.len()]
    }
}

/// A rendered clip: mono samples and the spec that produced them.
#[derive(Debug, Clone)]
pub struct Clip {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
    pub spec: SongSpec,
}

/// Renders `seconds` of the clip `spec` describes at `sample_rate` Hz. Deterministic.
pub fn render(spec: &SongSpec, sample_rate: u32, seconds: f32) -> Clip {
    let len = (seconds * sample_rate as f32) as usize;
    let mut samples = vec![0.0f32; len];
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed ^ 0x9E37_79B9_7F4A_7C15);
    match spec.kind {
        ClipKind::Music => render_music(spec, sample_rate, &mut samples, &mut rng),
        ClipKind::NoiseSweep => render_noise_sweep(sample_rate, &mut samples, &mut rng),
        ClipKind::Speech => render_speech(sample_rate, &mut samples, &mut rng),
        ClipKind::Silence => {}
    }
    let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    if peak > 0.0 {
        let gain = 10f32.powf(spec.loudness_db / 20.0) / peak;
        samples.iter_mut().for_each(|s| *s *= gain);
    }
    Clip {
        samples,
        sample_rate,
        spec: spec.clone(),
    }
}

/// Adds one note of `voice` to `out`.
#[allow(clippy::too_many_arguments)]
fn add_note(
    out: &mut [f32],
    rate: f32,
    start_s: f32,
    length_s: f32,
    hz: f32,
    voice: Voice,
    gain: f32,
    release_s: f32,
) {
    let start = (start_s * rate) as usize;
    let end = (((start_s + length_s + release_s) * rate) as usize).min(out.len());
    let mut filter = OnePole::default();
    // Karplus-Strong needs a delay line; other voices are stateless oscillators.
    let period = ((rate / hz) as usize).max(2);
    let mut delay: Vec<f32> = if voice == Voice::Pluck {
        let mut seed = (hz.to_bits() as u64).wrapping_mul(0x2545_F491_4F6C_DD1D) | 1;
        (0..period)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
            })
            .collect()
    } else {
        Vec::new()
    };
    let cutoff = (hz * 6.0).clamp(400.0, rate * 0.4);
    for (n, slot) in out.iter_mut().enumerate().take(end).skip(start) {
        let t = (n - start) as f32 / rate;
        let raw = if voice == Voice::Pluck {
            let i = (n - start) % period;
            let next = delay[(i + 1) % period];
            let value = delay[i];
            delay[i] = 0.996 * 0.5 * (value + next);
            value
        } else {
            oscillator(voice, hz * t, t, hz)
        };
        let env = envelope(t, length_s, 0.005, 0.08, 0.6, release_s);
        *slot += gain * env * filter.process(raw, cutoff, rate);
    }
}

fn render_music(spec: &SongSpec, sample_rate: u32, out: &mut [f32], rng: &mut ChaCha8Rng) {
    let rate = sample_rate as f32;
    let seconds = out.len() as f32 / rate;
    let beat = 60.0 / spec.bpm;
    let sixteenth = beat / 4.0;
    let root = 36 + spec.key as i32;
    let [drums, bass, chords, lead] = spec.mix;
    // A chord progression in scale degrees, one chord per bar.
    let progression: Vec<i32> = (0..4)
        .map(|_| [0, 3, 4, 5, 1][rng.random_range(0..5)])
        .collect();
    let n_steps = (seconds / sixteenth).ceil() as usize + 1;
    let mut noise = ChaCha8Rng::seed_from_u64(spec.seed.wrapping_add(17));
    let mut lead_degree = 0i32;
    for step in 0..n_steps {
        let swing = if step % 2 == 1 {
            spec.swing * sixteenth
        } else {
            0.0
        };
        let t = step as f32 * sixteenth + swing;
        if t >= seconds {
            break;
        }
        let section = spec.section_at(t);
        let bar = step / 16;
        let degree = progression[bar % progression.len()];
        let in_bar = step % 16;
        let (drum_gain, hat_density) = match section {
            Section::Drop => (drums, 1.0),
            Section::Build => (drums * 0.6, (bar % 4) as f32 / 4.0 + 0.25),
            Section::Break => (0.0, 0.0),
        };
        if drum_gain > 0.0 {
            if in_bar % 4 == 0 && (section == Section::Drop || in_bar == 0) {
                add_kick(out, rate, t, drum_gain);
            }
            if in_bar == 4 || in_bar == 12 {
                add_noise_hit(out, rate, t, 0.18, 190.0, 0.7 * drum_gain, &mut noise);
            }
            if in_bar % 2 == 0 && noise.random::<f32>() < hat_density {
                add_noise_hit(out, rate, t, 0.04, 8000.0, 0.25 * drum_gain, &mut noise);
            }
        }
        if bass > 0.0 && section != Section::Break && in_bar % 4 == 0 {
            let note = root + spec.scale.semitones(degree);
            add_note(
                out,
                rate,
                t,
                beat * 0.9,
                midi_to_hz(note as f32),
                spec.bass_voice,
                0.6 * bass,
                0.05,
            );
        }
        if chords > 0.0 && in_bar == 0 {
            for third in 0..3 {
                let note = root + 24 + spec.scale.semitones(degree + 2 * third);
                add_note(
                    out,
                    rate,
                    t,
                    beat * 3.8,
                    midi_to_hz(note as f32),
                    spec.chord_voice,
                    0.25 * chords,
                    0.3,
                );
            }
        }
        if lead > 0.0 && section != Section::Build && in_bar % 2 == 0 && rng.random_bool(0.55) {
            lead_degree = (lead_degree + rng.random_range(-2..=2)).clamp(-3, 10);
            let note = root + 36 + spec.scale.semitones(degree + lead_degree);
            add_note(
                out,
                rate,
                t,
                sixteenth * 1.8,
                midi_to_hz(note as f32),
                spec.lead_voice,
                0.3 * lead,
                0.08,
            );
        }
    }
}

fn add_kick(out: &mut [f32], rate: f32, start_s: f32, gain: f32) {
    let start = (start_s * rate) as usize;
    let end = ((start_s + 0.35) * rate) as usize;
    let mut phase = 0.0f32;
    for (n, slot) in out.iter_mut().enumerate().take(end).skip(start) {
        let t = (n - start) as f32 / rate;
        phase += (48.0 + 110.0 * (-t * 28.0).exp()) / rate;
        *slot += gain * (std::f32::consts::TAU * phase).sin() * (-t * 9.0).exp();
    }
}

/// Band-passed noise burst (snare body at ~190 Hz, hats at ~8 kHz).
fn add_noise_hit(
    out: &mut [f32],
    rate: f32,
    start_s: f32,
    length_s: f32,
    center_hz: f32,
    gain: f32,
    noise: &mut ChaCha8Rng,
) {
    let start = (start_s * rate) as usize;
    let end = ((start_s + length_s * 3.0) * rate) as usize;
    let mut filter = BandPass::default();
    for (n, slot) in out.iter_mut().enumerate().take(end).skip(start) {
        let t = (n - start) as f32 / rate;
        let white = noise.random::<f32>() * 2.0 - 1.0;
        let body = filter.process(white, center_hz, 0.8, rate) + 0.4 * white;
        *slot += gain * body * (-t / length_s).exp();
    }
}

fn render_noise_sweep(sample_rate: u32, out: &mut [f32], rng: &mut ChaCha8Rng) {
    let rate = sample_rate as f32;
    let (from, to) = (
        rng.random_range(100.0..1000.0f32),
        rng.random_range(2000.0..9000.0f32),
    );
    let period_s = rng.random_range(1.0..6.0f32);
    let mut filter = BandPass::default();
    for (n, slot) in out.iter_mut().enumerate() {
        let t = n as f32 / rate;
        let sweep = (t / period_s).fract();
        let center = from * (to / from).powf(sweep);
        let white = rng.random::<f32>() * 2.0 - 1.0;
        *slot = filter.process(white, center, 6.0, rate) * (0.3 + 0.7 * sweep);
    }
}

/// Glottal pulse train through three vowel formants, in syllables.
fn render_speech(sample_rate: u32, out: &mut [f32], rng: &mut ChaCha8Rng) {
    const VOWELS: [[f32; 3]; 5] = [
        [730.0, 1090.0, 2440.0],
        [270.0, 2290.0, 3010.0],
        [300.0, 870.0, 2240.0],
        [530.0, 1840.0, 2480.0],
        [570.0, 840.0, 2410.0],
    ];
    let rate = sample_rate as f32;
    let base_pitch = rng.random_range(90.0..230.0f32);
    let mut filters = [
        BandPass::default(),
        BandPass::default(),
        BandPass::default(),
    ];
    let mut phase = 0.0f32;
    let mut syllable_end = 0.0f32;
    let mut vowel = VOWELS[0];
    let mut syllable_start = 0.0f32;
    let mut pause = false;
    for (n, slot) in out.iter_mut().enumerate() {
        let t = n as f32 / rate;
        if t >= syllable_end {
            syllable_start = t;
            syllable_end = t + rng.random_range(0.12..0.3);
            vowel = VOWELS[rng.random_range(0..VOWELS.len())];
            pause = rng.random_bool(0.15);
        }
        let pitch = base_pitch * (1.0 + 0.15 * (t * 1.3).sin());
        phase += pitch / rate;
        let pulse = if phase.fract() < pitch / rate {
            1.0
        } else {
            0.0
        };
        let syllable = (t - syllable_start) / (syllable_end - syllable_start);
        let amp = if pause {
            0.0
        } else {
            (std::f32::consts::PI * syllable).sin()
        };
        let voiced: f32 = filters
            .iter_mut()
            .zip(vowel)
            .zip([1.0, 0.6, 0.3])
            .map(|((f, hz), g)| g * f.process(pulse, hz, 8.0, rate))
            .sum();
        *slot = amp * voiced;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_clip_different_seed_different_clip() {
        let a = render(&SongSpec::from_seed(7), 22_050, 2.0);
        let b = render(&SongSpec::from_seed(7), 22_050, 2.0);
        assert_eq!(a.spec, b.spec);
        assert_eq!(a.samples, b.samples);
        let c = render(&SongSpec::from_seed(8), 22_050, 2.0);
        assert_ne!(a.samples, c.samples);
    }

    #[test]
    fn specs_cover_the_advertised_ranges_and_kinds() {
        let specs: Vec<SongSpec> = (0..400).map(SongSpec::from_seed).collect();
        assert!(
            specs
                .iter()
                .all(|s| (70.0..180.0).contains(&s.bpm) && s.key < 12)
        );
        for kind in [
            ClipKind::Music,
            ClipKind::NoiseSweep,
            ClipKind::Speech,
            ClipKind::Silence,
        ] {
            assert!(
                specs.iter().any(|s| s.kind == kind),
                "no {kind:?} in 400 seeds"
            );
        }
        for section in [Section::Build, Section::Drop, Section::Break] {
            assert!(specs.iter().any(|s| s.sections.contains(&section)));
        }
    }

    #[test]
    fn clips_are_finite_and_hit_their_loudness() {
        for seed in 0..40 {
            let clip = render(&SongSpec::from_seed(seed), 22_050, 3.0);
            assert!(clip.samples.iter().all(|s| s.is_finite()));
            let peak = clip.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
            if clip.spec.kind == ClipKind::Silence {
                assert_eq!(peak, 0.0);
            } else if peak > 0.0 {
                let db = 20.0 * peak.log10();
                assert!(
                    (db - clip.spec.loudness_db).abs() < 0.01,
                    "seed {seed}: {db} vs {}",
                    clip.spec.loudness_db
                );
            }
        }
    }

    #[test]
    fn drums_follow_the_tempo() {
        // A drop-only spec with drums: the engine's tempo estimate should find its BPM (or an
        // octave of it, since hats and snares add faster periodicities).
        let mut spec = SongSpec::from_seed(3);
        spec.kind = ClipKind::Music;
        spec.bpm = 128.0;
        spec.mix = [1.0, 0.0, 0.0, 0.0];
        spec.sections = vec![Section::Drop];
        spec.swing = 0.0;
        let clip = render(&spec, 22_050, 10.0);
        let frames = synesthete_engine::features::analyzer::analyze_clip(
            &clip.samples,
            22_050,
            synesthete_engine::features::FeatureConfig::default(),
        )
        .unwrap();
        let bpm = frames
            .last()
            .unwrap()
            .tempo
            .expect("drums have a tempo")
            .bpm;
        let ratio = bpm / 128.0;
        assert!(
            [0.5, 1.0, 2.0].iter().any(|r| (ratio - r).abs() < 0.03),
            "estimated {bpm} BPM for a 128 BPM drum track"
        );
    }
}
