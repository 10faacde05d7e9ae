//! The latent-space figures of issue 7, per level of an encoder: KL to the prior, active
//! dimensions (Burda et al. 2016) and the Mutual Information Gap against every true factor,
//! with the markdown table that puts encoders and levels side by side.

use super::factors::{CONTINUOUS_BINS, Factor, FactorKind};
use super::levels::LevelLatents;
use super::mutual_info::{Gap, equal_width_bins, mutual_information_gap};
use crate::training::diagnostics::{ACTIVE_VARIANCE, mu_variance_per_dimension};
use crate::training::slowness::{PairMasks, slowness};

/// Equal-width bins each latent mean is discretised into for the mutual information.
pub const LATENT_BINS: usize = 20;
/// Targets of issue 7: total KL in nats, share of active dimensions, MIG.
pub const KL_TARGET_NATS: (f64, f64) = (10.0, 50.0);
pub const ACTIVE_TARGET: f64 = 0.9;
pub const MIG_TARGET: f64 = 0.2;

/// Minimum, median and maximum of a per-dimension figure.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Spread {
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(values: &[f64]) -> Self {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let pick = |i: usize| sorted.get(i).copied().unwrap_or(f64::NAN);
        Self {
            min: pick(0),
            median: pick(sorted.len() / 2),
            max: pick(sorted.len().saturating_sub(1)),
        }
    }
}

/// MIG of one factor for one level.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FactorGap {
    pub factor: String,
    /// Windows the factor applies to.
    pub windows: usize,
    /// `None` when the factor is constant over these windows.
    pub gap: Option<Gap>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LevelMetrics {
    pub level: String,
    pub dims: usize,
    /// Mean over windows of KL(q(z|x) || prior), nats per window: Σ_d of the per-dimension
    /// figures plus a mixture prior's component term. The prior is a standard normal for the
    /// flat encoder and the learned (conditional) priors for a hierarchical one.
    pub kl_total_nats: f64,
    pub kl_per_dim_nats: Vec<f64>,
    pub kl_per_dim_spread: Spread,
    /// Var over windows of each dimension's mean.
    pub mu_variance: Vec<f64>,
    /// Dimensions with `mu_variance` above the threshold, and their share.
    pub active_dims: usize,
    pub active_fraction: f64,
    pub active_threshold: f64,
    pub mig: Vec<FactorGap>,
    /// Mean MIG over the factors that have one.
    pub mig_mean: f64,
    /// Slowness (mean squared distance of means within a clip / within a phrase, over that of
    /// all pairs; see `training::slowness`): low for a slow level. `None` without such pairs.
    #[serde(default)]
    pub slowness_clip: Option<f64>,
    #[serde(default)]
    pub slowness_phrase: Option<f64>,
}

/// One encoder's figures: one entry per level, plus all levels taken together when there is
/// more than one.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EncoderMetrics {
    pub encoder: String,
    /// Where the weights came from.
    pub source: String,
    pub windows: usize,
    pub levels: Vec<LevelMetrics>,
    pub all_levels: Option<LevelMetrics>,
}

/// Figures of one level over its windows against `factors` (whose values are per window) and,
/// when given, the pairs of windows that share a clip or a phrase.
pub fn level_metrics(
    level: &LevelLatents,
    factors: &[Factor],
    pairs: Option<&PairMasks>,
) -> LevelMetrics {
    let dims = level.dims;
    let windows = level.samples().max(1) as f64;
    let mut kl = vec![0.0f64; dims];
    for (i, value) in level.kl.iter().enumerate() {
        kl[i % dims.max(1)] += f64::from(*value) / windows;
    }
    let kl_rest = level.kl_rest.iter().map(|&r| f64::from(r)).sum::<f64>() / windows;
    let (slowness_clip, slowness_phrase) = match pairs {
        Some(p) => {
            let device = burn::prelude::Device::flex();
            let mu = burn::prelude::Tensor::<1>::from_floats(level.mu.as_slice(), &device)
                .reshape([level.samples(), dims]);
            let slowness_of = |mask: &Option<burn::prelude::Tensor<2>>| {
                slowness(mu.clone(), mask).map(|t| f64::from(t.into_scalar::<f32>()))
            };
            (slowness_of(&p.same_clip), slowness_of(&p.same_phrase))
        }
        None => (None, None),
    };
    let variance: Vec<f64> = mu_variance_per_dimension(&level.mu, dims)
        .into_iter()
        .map(f64::from)
        .collect();
    let active = variance
        .iter()
        .filter(|&&v| v > ACTIVE_VARIANCE as f64)
        .count();
    let columns: Vec<Vec<f64>> = (0..dims).map(|d| level.dimension(d)).collect();
    let mig: Vec<FactorGap> = factors
        .iter()
        .map(|factor| {
            let (indices, codes) = factor.codes();
            // The latent is discretised over the windows the factor applies to.
            let latents: Vec<Vec<usize>> = columns
                .iter()
                .map(|column| {
                    let values: Vec<f64> = indices.iter().map(|&i| column[i]).collect();
                    equal_width_bins(&values, LATENT_BINS)
                })
                .collect();
            FactorGap {
                factor: factor.name.into(),
                windows: indices.len(),
                gap: mutual_information_gap(&latents, &codes),
            }
        })
        .collect();
    let gaps: Vec<f64> = mig
        .iter()
        .filter_map(|m| m.gap.as_ref().map(|g| g.mig))
        .collect();
    LevelMetrics {
        level: level.name.clone(),
        dims,
        kl_total_nats: kl.iter().sum::<f64>() + kl_rest,
        kl_per_dim_spread: Spread::of(&kl),
        kl_per_dim_nats: kl,
        mu_variance: variance,
        active_dims: active,
        active_fraction: active as f64 / dims.max(1) as f64,
        active_threshold: ACTIVE_VARIANCE as f64,
        mig_mean: gaps.iter().sum::<f64>() / gaps.len().max(1) as f64,
        mig,
        slowness_clip,
        slowness_phrase,
    }
}

/// Figures of an encoder's levels (named `encoder`, weights from `source`).
pub fn encoder_metrics(
    encoder: &str,
    source: &str,
    levels: &[LevelLatents],
    factors: &[Factor],
    pairs: Option<&PairMasks>,
) -> EncoderMetrics {
    EncoderMetrics {
        encoder: encoder.into(),
        source: source.into(),
        windows: levels.first().map_or(0, LevelLatents::samples),
        levels: levels
            .iter()
            .map(|l| level_metrics(l, factors, pairs))
            .collect(),
        all_levels: (levels.len() > 1).then(|| {
            level_metrics(
                &LevelLatents::concatenate("all levels", levels),
                factors,
                pairs,
            )
        }),
    }
}

fn mark(ok: bool) -> &'static str {
    if ok { "✓" } else { "✗" }
}

/// A description of how each factor is discretised, for the table's footnote.
pub fn factor_note(factors: &[Factor]) -> String {
    let describe = |f: &Factor| match &f.kind {
        FactorKind::Categorical { labels } => format!("{} ({} categories)", f.name, labels.len()),
        FactorKind::Continuous { .. } => format!("{} ({CONTINUOUS_BINS} quantile bins)", f.name),
    };
    factors.iter().map(describe).collect::<Vec<_>>().join(", ")
}

/// The table: one row per figure, one column per level of each encoder (and "all levels" for a
/// multi-level encoder), with the target beside each figure.
pub fn markdown(encoders: &[EncoderMetrics]) -> String {
    // (title, figures, whether the column is a whole encoder: the KL target is for the total,
    // so one level of several is not marked against it)
    let columns: Vec<(String, &LevelMetrics, bool)> = encoders
        .iter()
        .flat_map(|e| {
            let whole = e.levels.len() == 1;
            e.levels
                .iter()
                .map(move |l| (l, whole))
                .chain(e.all_levels.as_ref().map(|l| (l, true)))
                .map(move |(l, whole)| {
                    let title = if l.level == e.encoder {
                        e.encoder.clone()
                    } else {
                        format!("{} · {}", e.encoder, l.level)
                    };
                    (title, l, whole)
                })
        })
        .collect();
    let mut out = String::new();
    let mut row = |cells: Vec<String>| {
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    };
    let header = |first: &str, target: &str| {
        let mut cells = vec![first.to_string(), target.to_string()];
        cells.extend(columns.iter().map(|(t, _, _)| t.clone()));
        cells
    };
    row(header("figure", "target"));
    row(vec!["---".to_string(); columns.len() + 2]);
    let figure_of_column = |name: &str, target: &str, f: &dyn Fn(&LevelMetrics, bool) -> String| {
        let mut cells = vec![name.to_string(), target.to_string()];
        cells.extend(columns.iter().map(|(_, l, whole)| f(l, *whole)));
        cells
    };
    let figure = |name: &str, target: &str, f: &dyn Fn(&LevelMetrics) -> String| {
        figure_of_column(name, target, &|l, _| f(l))
    };
    let (kl_lo, kl_hi) = KL_TARGET_NATS;
    row(figure("windows", "", &|_| {
        encoders.first().map_or(0, |e| e.windows).to_string()
    }));
    row(figure("latent dimensions", "", &|l| l.dims.to_string()));
    row(figure_of_column(
        "KL (nats)",
        "10–50 in total",
        &|l, whole| {
            let ok = (kl_lo..=kl_hi).contains(&l.kl_total_nats);
            match whole {
                true => format!("{:.1} {}", l.kl_total_nats, mark(ok)),
                false => format!("{:.1}", l.kl_total_nats),
            }
        },
    ));
    row(figure("KL per dim, min / median / max", "", &|l| {
        let s = &l.kl_per_dim_spread;
        format!("{:.2} / {:.2} / {:.2}", s.min, s.median, s.max)
    }));
    row(figure("active dims (Var μ > 0.01)", "> 90%", &|l| {
        format!(
            "{} ({:.0}%) {}",
            l.active_dims,
            100.0 * l.active_fraction,
            mark(l.active_fraction > ACTIVE_TARGET)
        )
    }));
    let factor_names: Vec<String> = columns
        .first()
        .map(|(_, l, _)| l.mig.iter().map(|m| m.factor.clone()).collect())
        .unwrap_or_default();
    for name in &factor_names {
        row(figure(&format!("MIG {name}"), "> 0.2", &|l| match l
            .mig
            .iter()
            .find(|m| &m.factor == name)
            .and_then(|m| m.gap.as_ref())
        {
            Some(g) => format!("{:.3} (z{})", g.mig, g.best_dim),
            None => "—".into(),
        }));
    }
    row(figure("**MIG mean**", "> 0.2", &|l| {
        format!("**{:.3}** {}", l.mig_mean, mark(l.mig_mean > MIG_TARGET))
    }));
    let ratio = |value: Option<f64>| value.map_or("—".into(), |v| format!("{v:.2}"));
    row(figure(
        "change within a clip ÷ overall",
        "low = slow",
        &|l| ratio(l.slowness_clip),
    ));
    row(figure(
        "change within a phrase ÷ overall",
        "low = slow",
        &|l| ratio(l.slowness_phrase),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factor(values: Vec<Option<f64>>) -> Factor {
        Factor {
            name: "parity",
            description: "test factor",
            kind: FactorKind::Categorical {
                labels: vec!["even".into(), "odd".into()],
            },
            values,
        }
    }

    #[test]
    fn a_level_that_encodes_a_factor_in_one_dimension_scores_well() {
        // Dimension 0 copies the factor with unit-variance posteriors; dimension 1 is collapsed
        // onto the prior (mu = 0, logvar = 0: no KL, inactive).
        let windows = 400;
        let parity: Vec<f64> = (0..windows).map(|i| (i % 2) as f64).collect();
        let mut mu = Vec::new();
        for &p in &parity {
            mu.extend([2.0 * p as f32 - 1.0, 0.0]);
        }
        let level = LevelLatents::standard_normal("flat", 2, mu.clone(), vec![0.0; mu.len()]);
        let metrics = level_metrics(
            &level,
            &[factor(parity.into_iter().map(Some).collect())],
            None,
        );
        // KL of N(±1, 1) is 0.5 nats; the collapsed dimension has none.
        assert!((metrics.kl_total_nats - 0.5).abs() < 1e-6);
        assert_eq!(metrics.active_dims, 1);
        assert!((metrics.active_fraction - 0.5).abs() < 1e-12);
        let gap = metrics.mig[0].gap.as_ref().unwrap();
        assert_eq!(gap.best_dim, 0);
        assert!((metrics.mig_mean - 1.0).abs() < 1e-9);
    }

    #[test]
    fn the_table_has_a_column_per_level_and_all_levels_together() {
        let level = |name: &str| {
            LevelLatents::standard_normal(name, 1, vec![-1.0, 1.0, -1.0, 1.0], vec![0.0; 4])
        };
        let parity = factor(vec![Some(0.0), Some(1.0), None, Some(1.0)]);
        let flat = encoder_metrics(
            "flat",
            "runs/a",
            &[level("flat")],
            std::slice::from_ref(&parity),
            None,
        );
        let hier = encoder_metrics(
            "hierarchical",
            "runs/b",
            &[level("coarse"), level("fine")],
            &[parity],
            None,
        );
        assert!(flat.all_levels.is_none());
        let all = hier.all_levels.as_ref().unwrap();
        assert_eq!(all.dims, 2);
        assert_eq!(all.mig[0].windows, 3);
        let table = markdown(&[flat, hier]);
        let header = table.lines().next().unwrap();
        assert_eq!(
            header,
            "| figure | target | flat | hierarchical · coarse | hierarchical · fine | hierarchical · all levels |"
        );
        assert!(table.contains("| MIG parity | > 0.2 |"));
        // The KL target is for a whole encoder: the single levels of a hierarchy are unmarked.
        let kl_row = table
            .lines()
            .find(|l| l.starts_with("| KL (nats)"))
            .unwrap();
        assert_eq!(kl_row.matches('✗').count() + kl_row.matches('✓').count(), 2);
        assert!(
            table
                .lines()
                .all(|l| l.matches('|').count() == header.matches('|').count())
        );
    }
}
