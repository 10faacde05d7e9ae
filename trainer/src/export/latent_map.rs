//! The latent pad's map for an exported model set (format: `synesthete_engine::latent_map`):
//! held-out reference windows are encoded by the set's own ONNX audio encoder — the exact
//! conditioning the engine computes live — and the plane of their two principal directions,
//! with the windows placed on it and labelled by the visual family the data paired them with,
//! is written beside the manifest.

use std::path::Path;

use nalgebra::{DMatrix, SymmetricEigen};
use synesthete_engine::generation::{FrameGenerator, Models};
use synesthete_engine::latent_map::{LATENT_MAP_FILE, LATENT_MAP_VERSION, LatentMap, MapPoint};
use synesthete_engine::manifest::Manifest;
use synesthete_engine::params::VisualParams;

use crate::data::dataset::DataConfig;
use crate::data::preview::blit;
use crate::data::visualizers::{ALL_FAMILIES, Frame, SIZE};
use crate::training::vae_loop::heldout_samples;

/// Reference windows placed on the shipped map (enough to show its regions in the editor).
pub const DEFAULT_WINDOWS: usize = 640;

/// The mean, the two principal directions (unit length) and the standard deviation along each,
/// of `rows` (each one vector).
pub struct PrincipalPlane {
    pub mean: Vec<f64>,
    pub axes: [Vec<f64>; 2],
    pub spread: [f64; 2],
    /// Share of the total variance each axis explains.
    pub explained: [f64; 2],
}

pub fn principal_plane(rows: &[Vec<f32>]) -> PrincipalPlane {
    let n = rows.len();
    let d = rows.first().map_or(0, Vec::len);
    let mut data = DMatrix::<f64>::from_fn(n, d, |i, j| rows[i][j] as f64);
    let mut mean = vec![0.0; d];
    for (j, m) in mean.iter_mut().enumerate() {
        *m = data.column(j).mean();
        data.column_mut(j).add_scalar_mut(-*m);
    }
    let covariance = data.transpose() * &data / (n.max(2) - 1) as f64;
    let eigen = SymmetricEigen::new(covariance);
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
    let total: f64 = eigen
        .eigenvalues
        .iter()
        .map(|v| v.max(0.0))
        .sum::<f64>()
        .max(1e-12);
    let axis = |k: usize| -> Vec<f64> {
        eigen
            .eigenvectors
            .column(order[k])
            .iter()
            .copied()
            .collect()
    };
    let variance = |k: usize| eigen.eigenvalues[order[k]].max(0.0);
    PrincipalPlane {
        mean,
        axes: [axis(0), axis(1)],
        spread: [variance(0).sqrt(), variance(1).sqrt()],
        explained: [variance(0) / total, variance(1) / total],
    }
}

/// The map of `conditioning` vectors, labelled by `labels` (indices into `label_names`).
pub fn build_map(
    conditioning: &[Vec<f32>],
    labels: &[u16],
    label_names: Vec<String>,
) -> anyhow::Result<LatentMap> {
    anyhow::ensure!(
        conditioning.len() >= 8 && conditioning.len() == labels.len(),
        "a latent map needs at least 8 labelled reference windows"
    );
    let plane = principal_plane(conditioning);
    let to_f32 = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<_>>();
    let mut map = LatentMap {
        version: LATENT_MAP_VERSION,
        center: to_f32(&plane.mean),
        axes: [to_f32(&plane.axes[0]), to_f32(&plane.axes[1])],
        // A flat direction would make the pad a no-op: keep a floor.
        spread: plane.spread.map(|s| (s as f32).max(1e-4)),
        labels: label_names,
        points: Vec::new(),
    };
    map.points = conditioning
        .iter()
        .zip(labels)
        .map(|(c, &label)| {
            let (x, y) = map.project(c);
            MapPoint { x, y, label }
        })
        .collect();
    map.validate(map.center.len()).map_err(anyhow::Error::msg)?;
    Ok(map)
}

/// Encodes `windows` held-out windows of `data` with `models` and writes the map into the
/// model set in `dir`, recording it in the manifest.
pub fn write_for_model_set(
    dir: &Path,
    models: &mut Models,
    data: &DataConfig,
    windows: usize,
) -> anyhow::Result<LatentMap> {
    let samples = heldout_samples(data, windows);
    let (n_mels, frames) = (
        models.manifest.features.n_mels,
        models.manifest.context_frames,
    );
    anyhow::ensure!(
        samples
            .first()
            .is_some_and(|s| s.mel.len() == n_mels * frames),
        "the data's log-mel windows do not match the model set's {n_mels}x{frames}"
    );
    let dims = models.manifest.conditioning_dims;
    let mut conditioning = Vec::with_capacity(samples.len());
    for chunk in samples.chunks(64) {
        let mel: Vec<f32> = chunk.iter().flat_map(|s| s.mel.iter().copied()).collect();
        let encoded = models.encode_audio(&mel, chunk.len())?;
        conditioning.extend(encoded.chunks(dims).map(<[f32]>::to_vec));
    }
    let labels: Vec<u16> = samples
        .iter()
        .map(|s| {
            ALL_FAMILIES
                .iter()
                .position(|&f| f == s.family)
                .unwrap_or(0) as u16
        })
        .collect();
    let names = ALL_FAMILIES.iter().map(|f| f.name().to_string()).collect();
    let map = build_map(&conditioning, &labels, names)?;
    std::fs::write(dir.join(LATENT_MAP_FILE), serde_json::to_vec(&map)?)?;
    let mut manifest = Manifest::load(dir)?;
    manifest.latent_map = Some(LATENT_MAP_FILE.to_string());
    manifest.write(dir)?;
    models.latent_map = Some(map.clone());
    Ok(map)
}

/// A `side` x `side` sheet of the frames the set generates from the pad alone (steer 1) across
/// the map, x left to right and y bottom to top, from one fixed seed and silence.
pub fn write_pad_sheet(models: &mut Models, side: usize, path: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(side >= 2, "the sheet needs at least 2x2 pad positions");
    anyhow::ensure!(
        models.latent_map.is_some(),
        "the model set has no latent map"
    );
    let size = models.manifest.image_size;
    anyhow::ensure!(
        size == SIZE,
        "the sheet draws {SIZE} px frames, the set makes {size} px"
    );
    let silence = vec![-1.0; models.manifest.features.n_mels * models.manifest.context_frames];
    let mut sheet = image::RgbImage::new((side * size) as u32, (side * size) as u32);
    for row in 0..side {
        for column in 0..side {
            let at = |i: usize| -1.0 + 2.0 * i as f32 / (side - 1) as f32;
            let params = VisualParams {
                steer: 1.0,
                pad_x: at(column),
                pad_y: -at(row),
                variation_hz: 0.0,
                ..VisualParams::default()
            };
            let mut generator = FrameGenerator::new(models, &params);
            let frame = generator.next_frame(models, &silence, &params, 0.0, None)?;
            blit(
                &mut sheet,
                &Frame { data: frame },
                column * size,
                row * size,
            );
        }
    }
    sheet.save(path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plane_follows_the_spread_of_the_data() {
        // Points spread mostly along (1, 1, 0) and a little along (0, 0, 1).
        let rows: Vec<Vec<f32>> = (0..200)
            .map(|i| {
                let t = (i as f32 / 20.0).sin() * 3.0;
                let s = (i as f32 / 7.0).cos() * 0.5;
                vec![1.0 + t, 1.0 + t, s]
            })
            .collect();
        let labels = vec![0u16; rows.len()];
        let map = build_map(&rows, &labels, vec!["bars".into()]).unwrap();
        let along = (map.axes[0][0] + map.axes[0][1]).abs() / 2f32.sqrt();
        assert!(along > 0.999, "first axis {:?}", map.axes[0]);
        assert!(
            map.axes[1][2].abs() > 0.999,
            "second axis {:?}",
            map.axes[1]
        );
        assert!(map.spread[0] > map.spread[1]);
        assert_eq!(map.points.len(), rows.len());
        assert!(
            map.points
                .iter()
                .all(|p| p.x.abs() <= 1.0 && p.y.abs() <= 1.0)
        );
    }
}
