//! The whole analysis chain: host-rate samples in, one [`FeatureFrame`] per hop out.
//! sanitise -> resample to the model rate -> STFT -> log-mel, levels, onsets, tempo.

use super::levels::{BandSplitter, rms};
use super::mel::MelFilterbank;
use super::onset::OnsetDetector;
use super::resample::StreamResampler;
use super::stft::Stft;
use super::tempo::{TempoEstimate, TempoTracker, choose_tempo};
use super::{FeatureConfig, sanitize_sample};
use crate::transport::HostTransport;

/// Seconds of onset envelope the tempo estimate looks at.
const TEMPO_WINDOW_SECONDS: f64 = 8.0;

/// Everything the visuals and the model see for one analysis hop.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FeatureFrame {
    /// Hop index since the analyzer started.
    pub index: u64,
    /// Time of the end of this frame's window, in seconds of audio since start.
    pub time_s: f64,
    /// Normalised log-mel, `n_mels` values in [-1, 1].
    pub log_mel: Vec<f32>,
    /// RMS of the newest hop, linear (1.0 = full scale).
    pub rms: f32,
    /// Low / mid / high band levels in [0, 1].
    pub bands: [f32; 3],
    /// Spectral flux (onset strength), >= 0.
    pub flux: f32,
    /// An onset was detected in this frame.
    pub onset: bool,
    /// Tempo from the host when it has one, otherwise estimated.
    pub tempo: Option<TempoEstimate>,
    /// Position within the current beat in [0, 1), when a tempo is known.
    pub beat_phase: Option<f64>,
}

pub struct Analyzer {
    config: FeatureConfig,
    resampler: StreamResampler,
    /// Model-rate samples not yet consumed; fewer than `n_fft` after each call.
    samples: Vec<f32>,
    resampled: Vec<f32>,
    sanitized: Vec<f32>,
    stft: Stft,
    power: Vec<f32>,
    mel: MelFilterbank,
    bands: BandSplitter,
    onsets: OnsetDetector,
    tempo: TempoTracker,
    host: HostTransport,
    last_onset_s: Option<f64>,
    frame: FeatureFrame,
}

impl Analyzer {
    /// `input_rate` is the host's sample rate in Hz.
    pub fn new(config: FeatureConfig, input_rate: u32) -> Result<Self, String> {
        config.validate()?;
        let resampler = StreamResampler::new(input_rate, config.sample_rate)?;
        let frame_rate = config.frame_rate();
        Ok(Self {
            resampler,
            // Start with a window of silence so the first frame comes after one hop.
            samples: vec![0.0; config.n_fft - config.hop_length],
            resampled: Vec::new(),
            sanitized: Vec::new(),
            stft: Stft::new(config.n_fft),
            power: vec![0.0; config.n_fft / 2 + 1],
            mel: MelFilterbank::new(&config),
            bands: BandSplitter::new(&config),
            onsets: OnsetDetector::new(config.n_mels, frame_rate),
            tempo: TempoTracker::new(frame_rate, TEMPO_WINDOW_SECONDS),
            host: HostTransport {
                tempo_bpm: None,
                beat_position: None,
                playing: false,
            },
            last_onset_s: None,
            frame: FeatureFrame {
                index: 0,
                time_s: 0.0,
                log_mel: vec![-1.0; config.n_mels],
                rms: 0.0,
                bands: [0.0; 3],
                flux: 0.0,
                onset: false,
                tempo: None,
                beat_phase: None,
            },
            config,
        })
    }

    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }

    /// Latest transport from the host; its tempo and beat position win over the estimate.
    pub fn set_host_transport(&mut self, transport: HostTransport) {
        self.host = transport;
    }

    /// The most recent frame (silence before the first hop).
    pub fn latest(&self) -> &FeatureFrame {
        &self.frame
    }

    /// Feeds host-rate mono samples; calls `on_frame` for every completed hop, in order.
    pub fn process(&mut self, input: &[f32], mut on_frame: impl FnMut(&FeatureFrame)) {
        self.sanitized.clear();
        self.sanitized
            .extend(input.iter().copied().map(sanitize_sample));
        self.resampled.clear();
        self.resampler.process(&self.sanitized, &mut self.resampled);
        self.samples.extend_from_slice(&self.resampled);
        let (n_fft, hop) = (self.config.n_fft, self.config.hop_length);
        let mut start = 0;
        while self.samples.len() - start >= n_fft {
            self.analyze_window(start);
            on_frame(&self.frame);
            start += hop;
        }
        self.samples.drain(..start);
    }

    fn analyze_window(&mut self, start: usize) {
        let window = &self.samples[start..start + self.config.n_fft];
        let hop = &window[self.config.n_fft - self.config.hop_length..];
        self.stft.power_spectrum(window, &mut self.power);
        let frame = &mut self.frame;
        frame.rms = rms(hop);
        self.mel.log_mel(&self.power, &mut frame.log_mel);
        frame.bands = self.bands.levels(&self.power);
        let (flux, onset) = self.onsets.process(&frame.log_mel);
        frame.flux = flux;
        frame.onset = onset;
        self.tempo.push(flux);
        frame.index += 1;
        // The first window is padded with n_fft - hop zeros, so frame k ends k hops into the audio.
        frame.time_s =
            (frame.index * self.config.hop_length as u64) as f64 / self.config.sample_rate as f64;
        if onset {
            self.last_onset_s = Some(frame.time_s);
        }
        frame.tempo = choose_tempo(self.host.tempo_bpm, self.tempo.estimate());
        frame.beat_phase = match (self.host.beat_position, frame.tempo, self.last_onset_s) {
            (Some(beats), _, _) => Some(beats.rem_euclid(1.0)),
            (None, Some(tempo), Some(onset_s)) => {
                Some(((frame.time_s - onset_s) * tempo.bpm / 60.0).rem_euclid(1.0))
            }
            _ => None,
        };
    }
}

/// Analyses a whole clip offline and returns every frame.
pub fn analyze_clip(
    samples: &[f32],
    input_rate: u32,
    config: FeatureConfig,
) -> Result<Vec<FeatureFrame>, String> {
    let mut analyzer = Analyzer::new(config, input_rate)?;
    let mut frames = Vec::new();
    analyzer.process(samples, |frame| frames.push(frame.clone()));
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clicks(bpm: f64, rate: u32, seconds: f64) -> Vec<f32> {
        let period = (60.0 / bpm * rate as f64).round() as usize;
        (0..(seconds * rate as f64) as usize)
            .map(|i| if i % period < 32 { 0.9 } else { 0.0 })
            .collect()
    }

    #[test]
    fn clicks_at_120_bpm_give_half_second_onsets_and_120_bpm() {
        for rate in [22_050, 44_100, 48_000, 96_000] {
            let frames =
                analyze_clip(&clicks(120.0, rate, 12.0), rate, FeatureConfig::default()).unwrap();
            let onsets: Vec<f64> = frames
                .iter()
                .filter(|f| f.onset)
                .map(|f| f.time_s)
                .collect();
            assert!(onsets.len() >= 22, "{rate} Hz: {} onsets", onsets.len());
            let hop_s = 256.0 / 22_050.0;
            for gap in onsets.windows(2).map(|w| w[1] - w[0]) {
                assert!(
                    (gap - 0.5).abs() <= hop_s + 1e-9,
                    "{rate} Hz: onset gap {gap}"
                );
            }
            let tempo = frames
                .last()
                .unwrap()
                .tempo
                .expect("a steady click has a tempo");
            assert!((tempo.bpm - 120.0).abs() < 1.5, "{rate} Hz: {tempo:?}");
            assert_eq!(tempo.source, super::super::tempo::TempoSource::Estimated);
        }
    }

    #[test]
    fn frame_count_follows_the_hop() {
        let frames =
            analyze_clip(&vec![0.0; 22_050 * 2], 22_050, FeatureConfig::default()).unwrap();
        assert_eq!(frames.len(), 22_050 * 2 / 256);
        let last = frames.last().unwrap();
        assert!((last.time_s - frames.len() as f64 * 256.0 / 22_050.0).abs() < 1e-9);
    }

    #[test]
    fn silence_gives_the_floor_and_nothing_else() {
        let frames =
            analyze_clip(&vec![0.0; 22_050 * 3], 22_050, FeatureConfig::default()).unwrap();
        for frame in &frames {
            assert!(frame.log_mel.iter().all(|&v| v == -1.0));
            assert_eq!(frame.rms, 0.0);
            assert_eq!(frame.bands, [0.0; 3]);
            assert!(!frame.onset);
            assert_eq!(frame.tempo, None);
        }
    }

    #[test]
    fn non_finite_input_is_sanitised() {
        let mut input = vec![0.25f32; 22_050];
        for (i, x) in input.iter_mut().enumerate() {
            if i % 7 == 0 {
                *x = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][i % 3];
            }
        }
        let frames = analyze_clip(&input, 48_000, FeatureConfig::default()).unwrap();
        assert!(!frames.is_empty());
        for frame in &frames {
            assert!(
                frame
                    .log_mel
                    .iter()
                    .all(|v| v.is_finite() && (-1.0..=1.0).contains(v))
            );
            assert!(frame.rms.is_finite() && frame.flux.is_finite());
            assert!(frame.bands.iter().all(|b| b.is_finite()));
        }
    }

    #[test]
    fn host_transport_overrides_the_estimate() {
        let mut analyzer = Analyzer::new(FeatureConfig::default(), 48_000).unwrap();
        analyzer.set_host_transport(HostTransport {
            tempo_bpm: Some(87.0),
            beat_position: Some(10.25),
            playing: true,
        });
        let mut last = None;
        analyzer.process(&clicks(120.0, 48_000, 10.0), |f| last = Some(f.clone()));
        let last = last.unwrap();
        assert_eq!(last.tempo.unwrap().bpm, 87.0);
        assert_eq!(last.beat_phase, Some(0.25));
    }

    #[test]
    fn louder_input_reads_louder() {
        let tone =
            |amp: f32| -> Vec<f32> { (0..22_050).map(|i| amp * (i as f32 * 0.2).sin()).collect() };
        let quiet = analyze_clip(&tone(0.05), 22_050, FeatureConfig::default()).unwrap();
        let loud = analyze_clip(&tone(0.8), 22_050, FeatureConfig::default()).unwrap();
        let (q, l) = (quiet.last().unwrap(), loud.last().unwrap());
        assert!(l.rms > 10.0 * q.rms);
        let mean = |f: &FeatureFrame| f.log_mel.iter().sum::<f32>() / f.log_mel.len() as f32;
        assert!(mean(l) > mean(q));
    }
}
