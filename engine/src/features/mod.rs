//! Audio features shared by the plugin's engine thread, the offline renderer and the trainer.
//! Every number here is part of the model contract and is recorded in the model manifest.

pub mod analyzer;
pub mod levels;
pub mod mel;
pub mod onset;
pub mod resample;
pub mod stft;
pub mod tempo;
pub mod window;

use serde::{Deserialize, Serialize};

/// The feature-extraction settings a model was trained with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// Rate the audio is resampled to before analysis, in Hz.
    pub sample_rate: u32,
    /// FFT size (and Hann window length) in samples.
    pub n_fft: usize,
    /// Hop between analysis frames in samples.
    pub hop_length: usize,
    /// Number of mel bands.
    pub n_mels: usize,
    /// Lowest mel filter edge in Hz.
    pub f_min: f32,
    /// Highest mel filter edge in Hz (at most `sample_rate / 2`).
    pub f_max: f32,
    /// Floor of the dB scale; log-mel values are clipped to `[db_floor, 0]` then mapped to [-1, 1].
    pub db_floor: f32,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            sample_rate: 22_050,
            n_fft: 1024,
            hop_length: 256,
            n_mels: 80,
            f_min: 0.0,
            f_max: 11_025.0,
            db_floor: -80.0,
        }
    }
}

impl FeatureConfig {
    /// Analysis frames per second.
    pub fn frame_rate(&self) -> f64 {
        self.sample_rate as f64 / self.hop_length as f64
    }

    /// Checks the settings a manifest or config file supplied.
    pub fn validate(&self) -> Result<(), String> {
        if !(8_000..=192_000).contains(&self.sample_rate) {
            return Err(format!(
                "sample_rate {} is outside 8000..=192000 Hz",
                self.sample_rate
            ));
        }
        if !self.n_fft.is_power_of_two() || !(64..=16_384).contains(&self.n_fft) {
            return Err(format!(
                "n_fft {} must be a power of two in 64..=16384",
                self.n_fft
            ));
        }
        if self.hop_length == 0 || self.hop_length > self.n_fft {
            return Err(format!(
                "hop_length {} must be in 1..=n_fft",
                self.hop_length
            ));
        }
        if !(1..=512).contains(&self.n_mels) {
            return Err(format!("n_mels {} must be in 1..=512", self.n_mels));
        }
        let nyquist = self.sample_rate as f32 / 2.0;
        if !(self.f_min >= 0.0 && self.f_min < self.f_max && self.f_max <= nyquist) {
            return Err(format!(
                "mel range {}..{} Hz must satisfy 0 <= f_min < f_max <= {nyquist}",
                self.f_min, self.f_max
            ));
        }
        if !(self.db_floor < 0.0 && self.db_floor.is_finite()) {
            return Err(format!("db_floor {} must be negative", self.db_floor));
        }
        Ok(())
    }
}

/// Maps a power ratio (1.0 = full-scale sine) to the model's normalised [-1, 1] scale.
#[inline]
pub fn power_to_normalized_db(power: f32, db_floor: f32) -> f32 {
    let db = 10.0 * power.max(1e-20).log10();
    let clipped = db.clamp(db_floor, 0.0);
    1.0 - 2.0 * clipped / db_floor
}

/// Replaces NaN and infinities with silence and clamps wild values to +-1e3 so one bad sample
/// from a host cannot poison the FFT state.
#[inline]
pub fn sanitize_sample(x: f32) -> f32 {
    if x.is_finite() {
        x.clamp(-1e3, 1e3)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid() {
        FeatureConfig::default().validate().unwrap();
    }

    #[test]
    fn rejects_bad_configs() {
        let bad = [
            FeatureConfig {
                n_fft: 1000,
                ..Default::default()
            },
            FeatureConfig {
                hop_length: 0,
                ..Default::default()
            },
            FeatureConfig {
                f_max: 20_000.0,
                ..Default::default()
            },
            FeatureConfig {
                db_floor: 3.0,
                ..Default::default()
            },
        ];
        for config in bad {
            assert!(config.validate().is_err(), "{config:?} should be rejected");
        }
    }

    #[test]
    fn normalized_db_spans_minus_one_to_one() {
        assert_eq!(power_to_normalized_db(1.0, -80.0), 1.0);
        assert_eq!(power_to_normalized_db(0.0, -80.0), -1.0);
        assert!((power_to_normalized_db(1e-4, -80.0) - 0.0).abs() < 1e-6);
        assert_eq!(power_to_normalized_db(10.0, -80.0), 1.0);
    }

    #[test]
    fn sanitize_removes_non_finite() {
        assert_eq!(sanitize_sample(f32::NAN), 0.0);
        assert_eq!(sanitize_sample(f32::INFINITY), 0.0);
        assert_eq!(sanitize_sample(0.5), 0.5);
        assert_eq!(sanitize_sample(1e9), 1e3);
    }
}
