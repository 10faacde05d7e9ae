//! Spectral-flux onset detection on the normalised log-mel, causal (no look-ahead) so it can run
//! live.

/// Onset detector state. One call per analysis frame.
#[derive(Debug, Clone)]
pub struct OnsetDetector {
    previous: Vec<f32>,
    /// Recent flux values for the adaptive threshold (ring).
    history: Vec<f32>,
    history_pos: usize,
    frames_since_onset: usize,
    min_gap_frames: usize,
}

/// Flux must exceed the recent mean by this much (normalised-dB units per band).
const THRESHOLD_DELTA: f32 = 0.02;
/// And be this many times the recent mean.
const THRESHOLD_RATIO: f32 = 1.5;

impl OnsetDetector {
    /// `frame_rate` in frames per second; onsets closer than 60 ms are merged.
    pub fn new(n_mels: usize, frame_rate: f64) -> Self {
        let history_len = ((0.5 * frame_rate).round() as usize).max(4);
        let min_gap_frames = ((0.06 * frame_rate).round() as usize).max(1);
        Self {
            previous: vec![-1.0; n_mels],
            history: vec![0.0; history_len],
            history_pos: 0,
            frames_since_onset: usize::MAX / 2,
            min_gap_frames,
        }
    }

    /// Returns `(flux, onset)` for the next log-mel frame. `flux` is the mean positive change
    /// per band (>= 0); `onset` is true when flux clears the adaptive threshold, at most once per 60 ms.
    pub fn process(&mut self, log_mel: &[f32]) -> (f32, bool) {
        let flux = log_mel
            .iter()
            .zip(&self.previous)
            .map(|(now, before)| (now - before).max(0.0))
            .sum::<f32>()
            / log_mel.len().max(1) as f32;
        self.previous.copy_from_slice(log_mel);

        let mean = self.history.iter().sum::<f32>() / self.history.len() as f32;
        let threshold = (mean * THRESHOLD_RATIO).max(mean + THRESHOLD_DELTA);
        self.history[self.history_pos] = flux;
        self.history_pos = (self.history_pos + 1) % self.history.len();

        self.frames_since_onset = self.frames_since_onset.saturating_add(1);
        let onset = flux > threshold && self.frames_since_onset >= self.min_gap_frames;
        if onset {
            self.frames_since_onset = 0;
        }
        (flux, onset)
    }
}
