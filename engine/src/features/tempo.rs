//! Tempo estimate from the onset-strength envelope (autocorrelation with a prior around 120 BPM),
//! and the choice between the host's tempo and the estimate.

/// Where a tempo value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TempoSource {
    /// The host transport reported it.
    Host,
    /// Estimated from the audio.
    Estimated,
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TempoEstimate {
    pub bpm: f64,
    /// 0..1; for estimates, the normalised autocorrelation at the chosen lag.
    pub confidence: f32,
    pub source: TempoSource,
}

pub const MIN_BPM: f64 = 60.0;
pub const MAX_BPM: f64 = 200.0;
/// Estimates below this confidence are not reported.
const MIN_CONFIDENCE: f32 = 0.2;

/// Keeps the last few seconds of onset strength and estimates the tempo from it.
#[derive(Debug, Clone)]
pub struct TempoTracker {
    frame_rate: f64,
    envelope: Vec<f32>,
    /// Next write position in `envelope` (ring).
    head: usize,
    filled: usize,
    centered: Vec<f32>,
    smoothed: Vec<f32>,
    estimate: Option<TempoEstimate>,
    frames_until_update: usize,
    update_every: usize,
}

impl TempoTracker {
    /// Keeps `window_seconds` of envelope at `frame_rate` frames per second.
    pub fn new(frame_rate: f64, window_seconds: f64) -> Self {
        let len = (window_seconds * frame_rate).round() as usize;
        Self {
            frame_rate,
            envelope: vec![0.0; len],
            head: 0,
            filled: 0,
            centered: vec![0.0; len],
            smoothed: vec![0.0; len],
            estimate: None,
            frames_until_update: 0,
            update_every: ((0.25 * frame_rate).round() as usize).max(1),
        }
    }

    /// Adds one frame of onset strength; re-estimates a few times per second.
    pub fn push(&mut self, onset_strength: f32) {
        self.envelope[self.head] = onset_strength;
        self.head = (self.head + 1) % self.envelope.len();
        self.filled = (self.filled + 1).min(self.envelope.len());
        if self.frames_until_update == 0 {
            self.estimate = self.estimate_now();
            self.frames_until_update = self.update_every;
        }
        self.frames_until_update -= 1;
    }

    /// The audio-based estimate, if the envelope is periodic enough to trust.
    pub fn estimate(&self) -> Option<TempoEstimate> {
        self.estimate
    }

    fn estimate_now(&mut self) -> Option<TempoEstimate> {
        let max_lag = (60.0 / MIN_BPM * self.frame_rate).ceil() as usize;
        let min_lag = (60.0 / MAX_BPM * self.frame_rate).floor() as usize;
        // Need at least two periods of the slowest tempo.
        if self.filled < 2 * max_lag + 2 {
            return None;
        }
        let n = self.filled;
        let start = (self.head + self.envelope.len() - n) % self.envelope.len();
        for i in 0..n {
            self.centered[i] = self.envelope[(start + i) % self.envelope.len()];
        }
        // Smoothing with a short triangle lets pulses that land on neighbouring frames (a period
        // that is not a whole number of frames) still line up at the true lag.
        const KERNEL: [f32; 5] = [1.0, 2.0, 3.0, 2.0, 1.0];
        for i in 0..n {
            self.smoothed[i] = KERNEL
                .iter()
                .enumerate()
                .filter_map(|(k, w)| {
                    (i + k)
                        .checked_sub(2)
                        .filter(|&j| j < n)
                        .map(|j| w * self.centered[j])
                })
                .sum();
        }
        let signal = &mut self.smoothed[..n];
        let mean = signal.iter().sum::<f32>() / n as f32;
        signal.iter_mut().for_each(|x| *x -= mean);
        let energy: f32 = signal.iter().map(|x| x * x).sum();
        if energy <= 1e-9 {
            return None;
        }
        // Unbiased autocorrelation normalised by the zero-lag energy.
        let acf = |lag: usize| -> f32 {
            let sum: f32 = signal[..n - lag]
                .iter()
                .zip(&signal[lag..])
                .map(|(a, b)| a * b)
                .sum();
            sum / energy * n as f32 / (n - lag) as f32
        };
        // Log-normal prior centred on 120 BPM (one octave standard deviation) breaks the tie
        // between a tempo and its half/double.
        let weight = |lag: f64| {
            let bpm = 60.0 * self.frame_rate / lag;
            let octaves = (bpm / 120.0).log2();
            (-0.5 * octaves * octaves).exp() as f32
        };
        let (best_lag, _) = (min_lag.max(1)..=max_lag)
            .map(|lag| (lag, acf(lag) * weight(lag as f64)))
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        let peak = acf(best_lag);
        if peak < MIN_CONFIDENCE {
            return None;
        }
        // Parabolic interpolation around the peak for sub-frame lag precision.
        let (before, after) = (acf(best_lag - 1), acf(best_lag + 1));
        let curvature = before - 2.0 * peak + after;
        let offset = if curvature < 0.0 {
            (0.5 * (before - after) / curvature).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        let lag = best_lag as f64 + offset as f64;
        Some(TempoEstimate {
            bpm: 60.0 * self.frame_rate / lag,
            confidence: peak.min(1.0),
            source: TempoSource::Estimated,
        })
    }
}

/// Prefers the host's tempo when it reports one; otherwise the estimate.
pub fn choose_tempo(
    host_bpm: Option<f64>,
    estimate: Option<TempoEstimate>,
) -> Option<TempoEstimate> {
    match host_bpm {
        Some(bpm) if bpm.is_finite() && bpm > 0.0 => Some(TempoEstimate {
            bpm,
            confidence: 1.0,
            source: TempoSource::Host,
        }),
        _ => estimate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_pulses_give_their_tempo() {
        let frame_rate = 86.1328125;
        let mut tracker = TempoTracker::new(frame_rate, 8.0);
        for bpm in [95.0, 120.0, 150.0] {
            let period = 60.0 / bpm * frame_rate;
            for i in 0..(8.0 * frame_rate) as usize {
                let phase = (i as f64 / period).fract();
                tracker.push(if phase < 1.0 / period { 1.0 } else { 0.0 });
            }
            let estimate = tracker.estimate().expect("periodic input has a tempo");
            assert!(
                (estimate.bpm - bpm).abs() < 2.0,
                "expected {bpm}, got {estimate:?}"
            );
        }
    }

    #[test]
    fn flat_input_has_no_tempo() {
        let mut tracker = TempoTracker::new(86.0, 8.0);
        (0..800).for_each(|_| tracker.push(0.0));
        assert_eq!(tracker.estimate(), None);
    }

    #[test]
    fn host_tempo_wins() {
        let estimate = Some(TempoEstimate {
            bpm: 100.0,
            confidence: 0.9,
            source: TempoSource::Estimated,
        });
        assert_eq!(
            choose_tempo(Some(128.0), estimate).unwrap().source,
            TempoSource::Host
        );
        assert_eq!(choose_tempo(None, estimate), estimate);
        assert_eq!(choose_tempo(Some(f64::NAN), estimate), estimate);
    }
}
