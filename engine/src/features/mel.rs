//! Mel filterbank (HTK mel scale, triangular filters with unit peak) and the normalised log-mel.

use super::{FeatureConfig, power_to_normalized_db};

/// HTK mel scale.
pub fn hz_to_mel(hz: f32) -> f32 {
    2595.0 * (1.0 + hz / 700.0).log10()
}

pub fn mel_to_hz(mel: f32) -> f32 {
    700.0 * (10f32.powf(mel / 2595.0) - 1.0)
}

/// One triangular filter stored sparsely: weights for bins `first_bin..first_bin + weights.len()`.
#[derive(Debug, Clone)]
struct Filter {
    first_bin: usize,
    weights: Vec<f32>,
}

#[derive(Debug, Clone)]
pub struct MelFilterbank {
    filters: Vec<Filter>,
    centers_hz: Vec<f32>,
    db_floor: f32,
}

impl MelFilterbank {
    pub fn new(config: &FeatureConfig) -> Self {
        let n_bins = config.n_fft / 2 + 1;
        let bin_hz = config.sample_rate as f32 / config.n_fft as f32;
        let (mel_lo, mel_hi) = (hz_to_mel(config.f_min), hz_to_mel(config.f_max));
        let edges: Vec<f32> = (0..config.n_mels + 2)
            .map(|i| mel_to_hz(mel_lo + (mel_hi - mel_lo) * i as f32 / (config.n_mels + 1) as f32))
            .collect();
        let filters = edges
            .windows(3)
            .map(|edge| {
                let (lo, center, hi) = (edge[0], edge[1], edge[2]);
                let weight = |bin: usize| {
                    let f = bin as f32 * bin_hz;
                    let rising = (f - lo) / (center - lo);
                    let falling = (hi - f) / (hi - center);
                    rising.min(falling).max(0.0)
                };
                let bins: Vec<usize> = (0..n_bins).filter(|&b| weight(b) > 0.0).collect();
                match (bins.first(), bins.last()) {
                    (Some(&first), Some(&last)) => Filter {
                        first_bin: first,
                        weights: (first..=last).map(weight).collect(),
                    },
                    // A filter narrower than one bin still gets the bin nearest its centre, so
                    // no band is silent by construction.
                    _ => Filter {
                        first_bin: ((center / bin_hz).round() as usize).min(n_bins - 1),
                        weights: vec![1.0],
                    },
                }
            })
            .collect();
        Self {
            filters,
            centers_hz: edges[1..=config.n_mels].to_vec(),
            db_floor: config.db_floor,
        }
    }

    pub fn n_mels(&self) -> usize {
        self.filters.len()
    }

    /// Centre frequency of each band in Hz.
    pub fn centers_hz(&self) -> &[f32] {
        &self.centers_hz
    }

    /// Writes the normalised log-mel of one power spectrum into `out` (length `n_mels`):
    /// dB (0 dB = full-scale sine) clipped to `[db_floor, 0]` and mapped to [-1, 1].
    pub fn log_mel(&self, power: &[f32], out: &mut [f32]) {
        assert_eq!(out.len(), self.filters.len(), "out must be n_mels long");
        for (value, filter) in out.iter_mut().zip(&self.filters) {
            let bins = &power[filter.first_bin..filter.first_bin + filter.weights.len()];
            let energy: f32 = bins.iter().zip(&filter.weights).map(|(p, w)| p * w).sum();
            *value = power_to_normalized_db(energy, self.db_floor);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::stft::Stft;

    fn log_mel_of_sine(hz: f32, amplitude: f32) -> (MelFilterbank, Vec<f32>) {
        let config = FeatureConfig::default();
        let bank = MelFilterbank::new(&config);
        let mut stft = Stft::new(config.n_fft);
        let frame: Vec<f32> = (0..config.n_fft)
            .map(|i| {
                amplitude
                    * (2.0 * std::f32::consts::PI * hz * i as f32 / config.sample_rate as f32).sin()
            })
            .collect();
        let mut power = vec![0.0; stft.n_bins()];
        stft.power_spectrum(&frame, &mut power);
        let mut mel = vec![0.0; bank.n_mels()];
        bank.log_mel(&power, &mut mel);
        (bank, mel)
    }

    #[test]
    fn mel_scale_round_trips() {
        for hz in [0.0, 440.0, 1000.0, 11_025.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 0.05);
        }
    }

    #[test]
    fn one_khz_sine_peaks_in_the_band_centred_nearest_one_khz() {
        let (bank, mel) = log_mel_of_sine(1000.0, 1.0);
        let loudest = (0..mel.len())
            .max_by(|&a, &b| mel[a].total_cmp(&mel[b]))
            .unwrap();
        let nearest = (0..mel.len())
            .min_by(|&a, &b| {
                (bank.centers_hz()[a] - 1000.0)
                    .abs()
                    .total_cmp(&(bank.centers_hz()[b] - 1000.0).abs())
            })
            .unwrap();
        assert!(
            loudest.abs_diff(nearest) <= 1,
            "loudest band {loudest} ({} Hz), expected {nearest} ({} Hz)",
            bank.centers_hz()[loudest],
            bank.centers_hz()[nearest]
        );
        // A full-scale sine reaches the top of the scale; far-away bands stay near the floor.
        assert!(mel[loudest] > 0.9, "peak {}", mel[loudest]);
        assert!(mel[mel.len() - 1] < -0.5, "top band {}", mel[mel.len() - 1]);
    }

    #[test]
    fn silence_is_the_floor_everywhere() {
        let (_, mel) = log_mel_of_sine(1000.0, 0.0);
        assert!(mel.iter().all(|&v| v == -1.0));
    }

    #[test]
    fn every_band_has_weights_and_centres_increase() {
        let bank = MelFilterbank::new(&FeatureConfig::default());
        assert_eq!(bank.n_mels(), 80);
        assert!(bank.filters.iter().all(|f| !f.weights.is_empty()));
        assert!(bank.centers_hz().windows(2).all(|w| w[1] > w[0]));
    }
}
