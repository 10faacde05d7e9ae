//! The audio encoder's input: the last `context` log-mel frames laid out band-major
//! (`[n_mels][context]`), as the trainer cuts them and the engine feeds them live.

use super::analyzer::FeatureFrame;

/// Fills `out` (`n_mels * context` values) with the window of `context` frames ending at
/// `frames[end]`. Frames before the start of `frames` read as silence (-1), so a window is
/// defined from the first frame on.
pub fn mel_window(frames: &[FeatureFrame], end: usize, context: usize, out: &mut [f32]) {
    out.fill(-1.0);
    let first = (end + 1).saturating_sub(context);
    let offset = context - (end + 1 - first);
    for (t, frame) in frames[first..=end].iter().enumerate() {
        for (band, value) in frame.log_mel.iter().enumerate() {
            out[band * context + offset + t] = *value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(value: f32) -> FeatureFrame {
        FeatureFrame {
            index: 0,
            time_s: 0.0,
            log_mel: vec![value, value + 0.5],
            rms: 0.0,
            bands: [0.0; 3],
            flux: 0.0,
            onset: false,
            tempo: None,
            beat_phase: None,
        }
    }

    #[test]
    fn windows_are_band_major_and_padded_with_silence() {
        let frames: Vec<FeatureFrame> = [0.1, 0.2, 0.3].into_iter().map(frame).collect();
        let mut out = vec![0.0; 2 * 2];
        mel_window(&frames, 2, 2, &mut out);
        assert_eq!(out, [0.2, 0.3, 0.7, 0.8]);
        let mut out = vec![0.0; 2 * 3];
        mel_window(&frames, 0, 3, &mut out);
        assert_eq!(out, [-1.0, -1.0, 0.1, -1.0, -1.0, 0.6]);
    }
}
