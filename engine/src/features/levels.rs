//! Loudness (RMS) and low/mid/high band levels.

use super::{FeatureConfig, power_to_normalized_db};

/// Band edges in Hz: low = [20, 250), mid = [250, 4000), high = [4000, f_max].
pub const BAND_EDGES_HZ: [f32; 4] = [20.0, 250.0, 4000.0, f32::INFINITY];

/// Sum of a periodic Hann window's squared spectrum over all bins relative to its peak bin: a
/// sine's power spreads over ~1.5 bins' worth, so band sums are divided by this to read 0 dB
/// for a full-scale sine.
const HANN_POWER_SPREAD: f32 = 1.5;

/// Root mean square of `samples` (0 for an empty slice).
pub fn rms(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|x| x * x).sum::<f32>() / samples.len() as f32).sqrt()
}

/// Splits a power spectrum into the three [`BAND_EDGES_HZ`] bands.
#[derive(Debug, Clone)]
pub struct BandSplitter {
    ranges: [std::ops::Range<usize>; 3],
    db_floor: f32,
}

impl BandSplitter {
    pub fn new(config: &FeatureConfig) -> Self {
        let n_bins = config.n_fft / 2 + 1;
        let bin_hz = config.sample_rate as f32 / config.n_fft as f32;
        let bin_of = |hz: f32| ((hz / bin_hz).ceil() as usize).min(n_bins);
        let edge = |i: usize| bin_of(BAND_EDGES_HZ[i].min(config.f_max + bin_hz));
        Self {
            ranges: [edge(0)..edge(1), edge(1)..edge(2), edge(2)..edge(3)],
            db_floor: config.db_floor,
        }
    }

    /// Band levels on the normalised dB scale mapped to [0, 1] (0 = floor, 1 = full-scale sine).
    pub fn levels(&self, power: &[f32]) -> [f32; 3] {
        self.ranges.clone().map(|range| {
            let energy: f32 = power[range].iter().sum::<f32>() / HANN_POWER_SPREAD;
            0.5 * (power_to_normalized_db(energy, self.db_floor) + 1.0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::stft::Stft;

    fn band_levels(hz: f32) -> [f32; 3] {
        let config = FeatureConfig::default();
        let mut stft = Stft::new(config.n_fft);
        let frame: Vec<f32> = (0..config.n_fft)
            .map(|i| (2.0 * std::f32::consts::PI * hz * i as f32 / config.sample_rate as f32).sin())
            .collect();
        let mut power = vec![0.0; stft.n_bins()];
        stft.power_spectrum(&frame, &mut power);
        BandSplitter::new(&config).levels(&power)
    }

    #[test]
    fn rms_of_known_signals() {
        assert_eq!(rms(&[]), 0.0);
        assert_eq!(rms(&[0.5; 64]), 0.5);
        let sine: Vec<f32> = (0..4800).map(|i| (i as f32 * 0.0523).sin()).collect();
        assert!((rms(&sine) - std::f32::consts::FRAC_1_SQRT_2).abs() < 0.01);
    }

    #[test]
    fn each_band_lights_up_for_its_own_tone() {
        for (hz, band) in [(80.0, 0), (1000.0, 1), (8000.0, 2)] {
            let levels = band_levels(hz);
            assert!(levels[band] > 0.95, "{hz} Hz: {levels:?}");
            for other in (0..3).filter(|&b| b != band) {
                assert!(levels[other] < levels[band] - 0.3, "{hz} Hz: {levels:?}");
            }
        }
    }
}
