//! Streaming conversion of the host's sample rate to the model's, on rubato's FFT resampler.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

/// Input chunk size in frames; the resampler's latency is about one chunk.
const CHUNK: usize = 1024;

/// Mono streaming resampler. Passes samples straight through when the rates match.
pub struct StreamResampler {
    inner: Option<Fft<f32>>,
    pending: Vec<f32>,
    output: Vec<f32>,
}

impl StreamResampler {
    pub fn new(from_hz: u32, to_hz: u32) -> Result<Self, String> {
        if from_hz == 0 || to_hz == 0 {
            return Err(format!("cannot resample {from_hz} Hz -> {to_hz} Hz"));
        }
        let inner = if from_hz == to_hz {
            None
        } else {
            let resampler =
                Fft::<f32>::new(from_hz as usize, to_hz as usize, CHUNK, 1, FixedSync::Input)
                    .map_err(|e| format!("resampler {from_hz} Hz -> {to_hz} Hz: {e}"))?;
            Some(resampler)
        };
        let output_len = inner.as_ref().map_or(0, |r| r.output_frames_max());
        Ok(Self {
            inner,
            pending: Vec::with_capacity(2 * CHUNK),
            output: vec![0.0; output_len],
        })
    }

    /// Converts `input` and appends the model-rate samples produced so far to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        let Some(resampler) = self.inner.as_mut() else {
            out.extend_from_slice(input);
            return;
        };
        self.pending.extend_from_slice(input);
        let mut consumed = 0;
        while self.pending.len() - consumed >= resampler.input_frames_next() {
            let needed = resampler.input_frames_next();
            let chunk = &self.pending[consumed..consumed + needed];
            let capacity = self.output.len();
            let input_adapter =
                InterleavedSlice::new(chunk, 1, needed).expect("chunk is mono and sized");
            let mut output_adapter = InterleavedSlice::new_mut(&mut self.output, 1, capacity)
                .expect("output is mono and sized");
            let (read, written) = resampler
                .process_into_buffer(&input_adapter, &mut output_adapter, None)
                .expect("buffers are sized from the resampler's own requirements");
            out.extend_from_slice(&self.output[..written]);
            consumed += read;
        }
        self.pending.drain(..consumed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(hz: f32, rate: u32, seconds: f32) -> Vec<f32> {
        (0..(rate as f32 * seconds) as usize)
            .map(|i| (2.0 * std::f32::consts::PI * hz * i as f32 / rate as f32).sin())
            .collect()
    }

    /// Frequency estimate from zero crossings.
    fn frequency(signal: &[f32], rate: u32) -> f32 {
        let crossings = signal
            .windows(2)
            .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
            .count();
        crossings as f32 * rate as f32 / signal.len() as f32
    }

    #[test]
    fn converts_rate_and_keeps_pitch() {
        for from in [44_100, 48_000, 96_000] {
            let mut resampler = StreamResampler::new(from, 22_050).unwrap();
            let input = sine(440.0, from, 2.0);
            let mut out = Vec::new();
            // Feed in uneven blocks as a host would.
            for block in input.chunks(333) {
                resampler.process(block, &mut out);
            }
            let expected = 2.0 * 22_050.0;
            assert!(
                (out.len() as f32 - expected).abs() < 2.0 * CHUNK as f32,
                "{from}: {} samples",
                out.len()
            );
            let settled = &out[4096..out.len() - 1024];
            assert!(
                (frequency(settled, 22_050) - 440.0).abs() < 3.0,
                "{from} Hz input"
            );
        }
    }

    #[test]
    fn same_rate_passes_through() {
        let mut resampler = StreamResampler::new(22_050, 22_050).unwrap();
        let mut out = Vec::new();
        resampler.process(&[0.1, 0.2, 0.3], &mut out);
        assert_eq!(out, vec![0.1, 0.2, 0.3]);
    }

    #[test]
    fn zero_rate_is_an_error() {
        assert!(StreamResampler::new(0, 22_050).is_err());
    }
}
