//! Short-time Fourier transform of one frame, on rustfft, producing a power spectrum scaled so a
//! full-scale sine centred on a bin has power 1.0 in that bin.

use std::sync::Arc;

use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

pub struct Stft {
    fft: Arc<dyn Fft<f32>>,
    window: Vec<f32>,
    /// 4 / (sum of window)^2: maps |X|^2 of a unit-amplitude sine to 1.0.
    power_scale: f32,
    buffer: Vec<Complex32>,
    scratch: Vec<Complex32>,
}

impl Stft {
    pub fn new(n_fft: usize) -> Self {
        let fft = FftPlanner::new().plan_fft_forward(n_fft);
        // Periodic Hann, as in librosa/torch.stft.
        let window: Vec<f32> = (0..n_fft)
            .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / n_fft as f32).cos())
            .collect();
        let window_sum: f32 = window.iter().sum();
        let scratch = vec![Complex32::default(); fft.get_inplace_scratch_len()];
        Self {
            fft,
            power_scale: 4.0 / (window_sum * window_sum),
            window,
            buffer: vec![Complex32::default(); n_fft],
            scratch,
        }
    }

    pub fn n_fft(&self) -> usize {
        self.window.len()
    }

    /// Number of power bins written by [`Self::power_spectrum`]: `n_fft / 2 + 1`.
    pub fn n_bins(&self) -> usize {
        self.window.len() / 2 + 1
    }

    /// Windows `frame` (length `n_fft`) and writes its power spectrum into `power`
    /// (length `n_bins`). Does not allocate.
    pub fn power_spectrum(&mut self, frame: &[f32], power: &mut [f32]) {
        assert_eq!(frame.len(), self.window.len(), "frame must be n_fft long");
        assert_eq!(
            power.len(),
            self.n_bins(),
            "power must be n_fft / 2 + 1 long"
        );
        for ((slot, sample), w) in self.buffer.iter_mut().zip(frame).zip(&self.window) {
            *slot = Complex32::new(sample * w, 0.0);
        }
        self.fft
            .process_with_scratch(&mut self.buffer, &mut self.scratch);
        for (p, c) in power.iter_mut().zip(&self.buffer) {
            *p = c.norm_sqr() * self.power_scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_scale_sine_on_a_bin_has_unit_power() {
        let n = 1024;
        let mut stft = Stft::new(n);
        let bin = 40;
        let frame: Vec<f32> = (0..n)
            .map(|i| (2.0 * std::f32::consts::PI * bin as f32 * i as f32 / n as f32).sin())
            .collect();
        let mut power = vec![0.0; stft.n_bins()];
        stft.power_spectrum(&frame, &mut power);
        let peak = power
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap();
        assert_eq!(peak.0, bin);
        assert!((peak.1 - 1.0).abs() < 1e-3, "peak power {}", peak.1);
    }
}
