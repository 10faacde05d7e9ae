//! 2-D maps of the latent means (their first two principal components) coloured by each true
//! factor: a colour bar for continuous factors, a legend for categorical ones, grey for windows
//! the factor does not apply to. (UMAP would need a maintained Rust crate; PCA is linear and
//! exact, so what it separates the latent separates linearly.)

use std::path::{Path, PathBuf};

use super::factors::{Factor, FactorKind};
use super::levels::LevelLatents;
use crate::plots::{scatter_categories, scatter_colour_bar};
use crate::training::audio_latents::pca_2d;

/// What grey means on a map of `factor`.
fn not_applicable(factor: &Factor) -> &'static str {
    match factor.name {
        "loudness" => "silence",
        _ => "not music",
    }
}

/// Writes `map-<factor>.png` for every factor into `out_dir`; returns the files and the share
/// of variance PC1 and PC2 explain.
pub fn write_maps(
    level: &LevelLatents,
    factors: &[Factor],
    out_dir: &Path,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<(Vec<PathBuf>, [f64; 2])> {
    let (points, explained) = pca_2d(&level.rows());
    let axes = (
        format!("PC 1 ({:.0}% of variance)", 100.0 * explained[0]),
        format!("PC 2 ({:.0}% of variance)", 100.0 * explained[1]),
    );
    let axes = (axes.0.as_str(), axes.1.as_str());
    let mut files = Vec::new();
    for factor in factors {
        let path = out_dir.join(format!("map-{}.png", factor.name));
        let title = format!(
            "Audio latent means ({}, {} windows) by {}",
            level.name,
            points.len(),
            factor.description
        );
        match &factor.kind {
            FactorKind::Categorical { labels } => {
                let coloured: Vec<(f64, f64, Option<usize>)> = points
                    .iter()
                    .zip(&factor.values)
                    .map(|(&(x, y), v)| (x, y, v.map(|v| v as usize)))
                    .collect();
                scatter_categories(
                    &path,
                    &title,
                    axes,
                    &coloured,
                    labels,
                    not_applicable(factor),
                )?;
            }
            FactorKind::Continuous { unit } => {
                let coloured: Vec<(f64, f64, Option<f64>)> = points
                    .iter()
                    .zip(&factor.values)
                    .map(|(&(x, y), &v)| (x, y, v))
                    .collect();
                scatter_colour_bar(&path, &title, axes, &coloured, unit, not_applicable(factor))?;
            }
        }
        files.push(path);
        progress(1);
    }
    Ok((files, explained))
}
