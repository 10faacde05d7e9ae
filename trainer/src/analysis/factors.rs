//! The true factors behind each held-out window, as the procedural music engine recorded them,
//! in the form the metrics and the maps need: categorical factors as category indices,
//! continuous ones as values, and "not applicable" where a factor means nothing for a window
//! (the tempo of a noise sweep, the key of silence).

use crate::data::dataset::Sample;
use crate::data::music::{ClipKind, Section};

use super::mutual_info::quantile_bins;

/// Quantile bins a continuous factor is discretised into for the mutual information.
pub const CONTINUOUS_BINS: usize = 10;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorKind {
    /// Discrete as it is; the value is an index into these labels.
    Categorical { labels: Vec<String> },
    /// Binned into [`CONTINUOUS_BINS`] quantile bins for the metrics.
    Continuous { unit: String },
}

/// One true factor over the analysed windows.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// Short name used in file names and tables (`tempo`, `key`, ...).
    pub name: &'static str,
    /// Human description for plots.
    pub description: &'static str,
    pub kind: FactorKind,
    /// Per window: the value (a category index for categorical factors), or `None` where the
    /// factor does not apply.
    pub values: Vec<Option<f64>>,
}

impl Factor {
    /// Indices of the windows the factor applies to, and the factor's discrete code for each.
    pub fn codes(&self) -> (Vec<usize>, Vec<usize>) {
        let (indices, values): (Vec<usize>, Vec<f64>) = self
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i, v)))
            .unzip();
        let codes = match self.kind {
            FactorKind::Categorical { .. } => values.iter().map(|&v| v as usize).collect(),
            FactorKind::Continuous { .. } => quantile_bins(&values, CONTINUOUS_BINS),
        };
        (indices, codes)
    }
}

/// Names of the 12 roots, 0 = C.
pub const KEYS: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];
const INSTRUMENTS: [&str; 4] = ["drums", "bass", "chords", "lead"];

fn labels(names: &[&str]) -> FactorKind {
    FactorKind::Categorical {
        labels: names.iter().map(|s| s.to_string()).collect(),
    }
}

fn continuous(unit: &str) -> FactorKind {
    FactorKind::Continuous { unit: unit.into() }
}

/// The factors of `samples`: clip kind (all windows); tempo, key, section, each instrument's
/// gain in the mix and the dominant instrument (music windows only); loudness (every window
/// that is not silence).
pub fn true_factors(samples: &[Sample]) -> Vec<Factor> {
    let music = |s: &Sample| s.factors.kind == ClipKind::Music;
    let music_value = |f: &dyn Fn(&Sample) -> f64| -> Vec<Option<f64>> {
        samples.iter().map(|s| music(s).then(|| f(s))).collect()
    };
    let mut factors = vec![
        Factor {
            name: "kind",
            description: "kind of clip",
            kind: labels(&["music", "noise sweep", "speech", "silence"]),
            values: samples
                .iter()
                .map(|s| {
                    Some(match s.factors.kind {
                        ClipKind::Music => 0.0,
                        ClipKind::NoiseSweep => 1.0,
                        ClipKind::Speech => 2.0,
                        ClipKind::Silence => 3.0,
                    })
                })
                .collect(),
        },
        Factor {
            name: "tempo",
            description: "tempo (BPM)",
            kind: continuous("BPM"),
            values: music_value(&|s| s.factors.bpm as f64),
        },
        Factor {
            name: "key",
            description: "key (root note)",
            kind: labels(&KEYS),
            values: music_value(&|s| s.factors.key as f64),
        },
        Factor {
            name: "section",
            description: "song section at the window's end",
            kind: labels(&["build", "drop", "break"]),
            values: music_value(&|s| match s.factors.section {
                Section::Build => 0.0,
                Section::Drop => 1.0,
                Section::Break => 2.0,
            }),
        },
        Factor {
            name: "loudness",
            description: "clip loudness (peak dBFS)",
            kind: continuous("dBFS"),
            values: samples
                .iter()
                .map(|s| {
                    (s.factors.kind != ClipKind::Silence).then_some(s.factors.loudness_db as f64)
                })
                .collect(),
        },
    ];
    for (index, name) in INSTRUMENTS.iter().enumerate() {
        factors.push(Factor {
            name,
            description: match index {
                0 => "drums gain in the mix",
                1 => "bass gain in the mix",
                2 => "chords gain in the mix",
                _ => "lead gain in the mix",
            },
            kind: continuous("gain"),
            values: music_value(&|s| s.factors.mix[index] as f64),
        });
    }
    factors.push(Factor {
        name: "dominant",
        description: "loudest instrument in the mix",
        kind: labels(&INSTRUMENTS),
        values: samples
            .iter()
            .map(|s| {
                let mix = s.factors.mix;
                let (index, gain) = mix
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .expect("four instruments");
                (music(s) && *gain > 0.0).then_some(index as f64)
            })
            .collect(),
    });
    factors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::dataset::{DataConfig, samples_for_clip};

    #[test]
    fn factors_follow_the_clip_specs() {
        let config = DataConfig {
            clip_seconds: 2.0,
            context_frames: 32,
            samples_per_clip: 2,
            ..Default::default()
        };
        let samples: Vec<Sample> = (0..24).flat_map(|c| samples_for_clip(&config, c)).collect();
        let factors = true_factors(&samples);
        let names: Vec<&str> = factors.iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "kind", "tempo", "key", "section", "loudness", "drums", "bass", "chords", "lead",
                "dominant"
            ]
        );
        let tempo = &factors[1];
        for (sample, value) in samples.iter().zip(&tempo.values) {
            match sample.factors.kind {
                ClipKind::Music => assert_eq!(*value, Some(sample.factors.bpm as f64)),
                _ => assert_eq!(*value, None),
            }
        }
        let (indices, codes) = factors[2].codes();
        assert_eq!(indices.len(), codes.len());
        assert!(codes.iter().all(|&c| c < 12));
        let (_, tempo_codes) = tempo.codes();
        assert!(tempo_codes.iter().all(|&c| c < CONTINUOUS_BINS));
    }
}
