//! Per-dimension latent traversals: one held-out window's mean with a single dimension swept
//! from −kσ to +kσ (σ: that dimension's spread over the held-out windows), the others fixed.
//! Each step is decoded back to log-mel by the audio VAE and, given a frame source, drawn as
//! the frame the DiT generates for that conditioning.

use std::path::Path;

use super::frames::{FrameSource, decode_row};
use super::levels::LevelLatents;
use super::metrics::LevelMetrics;
use super::sheet::{Cell, Layout, Row, band_levels_db, write_sheet};
use crate::model::audio_vae::AudioVae;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TraversalConfig {
    /// How many dimensions (the most active first).
    pub dims: usize,
    /// Steps from −`sigmas` to +`sigmas` (odd keeps the unchanged mean in the middle).
    pub steps: usize,
    pub sigmas: f32,
}

impl Default for TraversalConfig {
    fn default() -> Self {
        Self {
            dims: 8,
            steps: 7,
            sigmas: 3.0,
        }
    }
}

/// The audio descriptors along one dimension's sweep.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Traversal {
    pub dim: usize,
    /// Std over held-out windows of this dimension's mean (the sweep's unit).
    pub mu_std: f64,
    pub kl_nats: f64,
    /// Offsets from the anchor's mean, in units of `mu_std`.
    pub offsets: Vec<f32>,
    /// Decoded mel level of the low, mid and high thirds of the bands at each step (dB).
    pub band_levels_db: Vec<[f32; 3]>,
}

impl Traversal {
    /// How far the decoded band levels move along the sweep (max − min over steps, summed
    /// over the three bands), in dB: a dead dimension moves nothing.
    pub fn band_swing_db(&self) -> f32 {
        (0..3)
            .map(|b| {
                let levels = self.band_levels_db.iter().map(|l| l[b]);
                let (lo, hi) =
                    levels.fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
                hi - lo
            })
            .sum()
    }
}

/// The `count` dimensions whose means vary most over the windows, most active first.
pub fn most_active_dims(metrics: &LevelMetrics, count: usize) -> Vec<usize> {
    let mut dims: Vec<usize> = (0..metrics.dims).collect();
    dims.sort_by(|&a, &b| metrics.mu_variance[b].total_cmp(&metrics.mu_variance[a]));
    dims.truncate(count);
    dims
}

/// Sweeps the most active dimensions around window `anchor`'s mean, writes the sheet to `path`
/// and returns the descriptors. `progress` is called once per decoded step.
#[allow(clippy::too_many_arguments)]
pub fn write_traversals(
    model: &AudioVae,
    n_mels: usize,
    level: &LevelLatents,
    metrics: &LevelMetrics,
    anchor: usize,
    config: &TraversalConfig,
    mut frames: Option<&mut dyn FrameSource>,
    path: &Path,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<Vec<Traversal>> {
    let base = level.mean(anchor);
    let dims = level.dims;
    let steps = config.steps.max(2);
    let offsets: Vec<f32> = (0..steps)
        .map(|k| -config.sigmas + 2.0 * config.sigmas * k as f32 / (steps - 1) as f32)
        .collect();
    let mut traversals = Vec::new();
    let mut rows = Vec::new();
    for dim in most_active_dims(metrics, config.dims) {
        let std = metrics.mu_variance[dim].sqrt();
        let mut latents = Vec::with_capacity(steps * dims);
        for offset in &offsets {
            let mut z = base.to_vec();
            z[dim] += offset * std as f32;
            latents.extend(z);
        }
        let (mels, pictures) = decode_row(model, &latents, dims, frames.as_deref_mut())?;
        let mel_len = mels.len() / steps;
        let cells: Vec<Cell> = mels
            .chunks(mel_len)
            .zip(pictures)
            .map(|(mel, frame)| Cell {
                frame,
                mel: mel.to_vec(),
            })
            .collect();
        let traversal = Traversal {
            dim,
            mu_std: std,
            kl_nats: metrics.kl_per_dim_nats[dim],
            offsets: offsets.clone(),
            band_levels_db: cells
                .iter()
                .map(|c| band_levels_db(&c.mel, n_mels))
                .collect(),
        };
        rows.push(Row {
            label: vec![
                format!("z{dim}"),
                format!("σ {std:.2}"),
                format!("KL {:.2}", traversal.kl_nats),
                format!("Δ {:.1} dB", traversal.band_swing_db()),
            ],
            cells,
        });
        traversals.push(traversal);
        progress(steps);
    }
    let headers: Vec<String> = offsets
        .iter()
        .map(|o| {
            if o.abs() < 1e-6 {
                "mean".to_string()
            } else {
                format!("{o:+.1}σ")
            }
        })
        .collect();
    let frame_size = frames.as_ref().map_or(0, |f| f.frame_size());
    write_sheet(
        path,
        "Latent traversals: one held-out window, one dimension swept at a time (most active first)",
        &headers,
        &rows,
        n_mels,
        frame_size,
        &Layout::default(),
    )?;
    Ok(traversals)
}
