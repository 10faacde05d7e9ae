//! Looking inside the audio encoder: a PCA map of latent means over held-out windows, coloured
//! by the true factors of the music (tempo, loudness, instrument mix), and an interpolation
//! sheet between two clips decoded back to log-mel.

use std::path::Path;

use burn::prelude::*;

use super::batch;
use super::vae_loop::heldout_samples;
use crate::data::dataset::{DataConfig, Sample};
use crate::export::latent_map::principal_plane;
use crate::model::audio_vae::AudioVae;
use crate::plots::scatter_by_value;

/// Principal axes of `rows` (each a vector); returns the 2-D projection and the share of
/// variance each of the two axes explains.
pub fn pca_2d(rows: &[Vec<f32>]) -> (Vec<(f64, f64)>, [f64; 2]) {
    let plane = principal_plane(rows);
    let along = |row: &[f32], axis: &[f64]| -> f64 {
        row.iter()
            .zip(&plane.mean)
            .zip(axis)
            .map(|((&v, m), a)| (v as f64 - m) * a)
            .sum()
    };
    let projected = rows
        .iter()
        .map(|row| (along(row, &plane.axes[0]), along(row, &plane.axes[1])))
        .collect();
    (projected, plane.explained)
}

fn means(model: &AudioVae, samples: &[Sample], n_mels: usize) -> Vec<Vec<f32>> {
    let device = Device::flex();
    samples
        .chunks(64)
        .flat_map(|chunk| {
            let (mu, _) = model.encode(batch::mels(chunk, n_mels, &device));
            let dims = mu.dims()[1];
            batch::to_vec(mu)
                .chunks(dims)
                .map(<[f32]>::to_vec)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Writes `pca_<factor>.png` maps into `out_dir`; returns the explained variance of PC1, PC2.
pub fn write_pca_maps(
    model: &AudioVae,
    data: &DataConfig,
    n_mels: usize,
    count: usize,
    out_dir: &Path,
) -> anyhow::Result<[f64; 2]> {
    std::fs::create_dir_all(out_dir)?;
    let samples = heldout_samples(data, count);
    let (points, explained) = pca_2d(&means(model, &samples, n_mels));
    type Factor = fn(&Sample) -> f64;
    let factors: [(&str, &str, Factor); 5] = [
        ("tempo", "tempo (BPM)", |s| s.factors.bpm as f64),
        ("loudness", "RMS level (dBFS)", |s| {
            20.0 * (s.factors.rms.max(1e-5) as f64).log10()
        }),
        ("drums", "drums in the mix", |s| s.factors.mix[0] as f64),
        ("bass", "bass in the mix", |s| s.factors.mix[1] as f64),
        ("lead", "lead in the mix", |s| s.factors.mix[3] as f64),
    ];
    for (file, label, value) in factors {
        let colored: Vec<(f64, f64, f64)> = points
            .iter()
            .zip(&samples)
            .map(|(&(x, y), s)| (x, y, value(s)))
            .collect();
        scatter_by_value(
            &out_dir.join(format!("pca_{file}.png")),
            "Audio latent means, PCA",
            &colored,
            label,
        )?;
    }
    Ok(explained)
}

/// Two windows from different, non-silent clips (the first such in `samples`, which must not be
/// empty): the ends of an interpolation.
pub fn interpolation_pair(samples: &[Sample]) -> (&Sample, &Sample) {
    let first = samples
        .iter()
        .find(|s| s.factors.rms > 0.01)
        .unwrap_or(&samples[0]);
    let second = samples
        .iter()
        .find(|s| s.factors.clip_seed != first.factors.clip_seed && s.factors.rms > 0.01)
        .unwrap_or(&samples[samples.len() - 1]);
    (first, second)
}

/// Writes `interpolation.png`: the log-mel of two held-out windows at the ends and the decoded
/// linear interpolation of their latent means in between (low frequencies at the bottom).
pub fn write_interpolation_sheet(
    model: &AudioVae,
    data: &DataConfig,
    n_mels: usize,
    steps: usize,
    path: &Path,
) -> anyhow::Result<()> {
    let device = Device::flex();
    let samples = heldout_samples(data, 4 * data.samples_per_clip);
    let (first, second) = interpolation_pair(&samples);
    let (mu, _) = model.encode(batch::mels(
        &[first.clone(), second.clone()],
        n_mels,
        &device,
    ));
    let mu = batch::to_vec(mu);
    let dims = mu.len() / 2;
    let mut path_latents = Vec::with_capacity(steps * dims);
    for k in 0..steps {
        let t = k as f32 / (steps - 1).max(1) as f32;
        path_latents.extend((0..dims).map(|d| (1.0 - t) * mu[d] + t * mu[dims + d]));
    }
    let decoded = batch::to_vec(model.decode(Tensor::from_data(
        TensorData::new(path_latents, [steps, dims]),
        &device,
    )));
    let frames = first.mel.len() / n_mels;
    let mut columns: Vec<&[f32]> = vec![&first.mel];
    columns.extend(decoded.chunks(n_mels * frames));
    columns.push(&second.mel);
    let gap = 4;
    let mut image = image::RgbImage::from_pixel(
        (columns.len() * (frames + gap)) as u32,
        n_mels as u32 * 2,
        image::Rgb([255, 255, 255]),
    );
    for (c, mel) in columns.iter().enumerate() {
        for band in 0..n_mels {
            for t in 0..frames {
                let v = ((mel[band * frames + t] + 1.0) * 0.5).clamp(0.0, 1.0);
                let pixel = image::Rgb([
                    (255.0 * v) as u8,
                    (255.0 * v * v) as u8,
                    (255.0 * (1.0 - v) * v * 2.0).min(255.0) as u8,
                ]);
                for dy in 0..2 {
                    image.put_pixel(
                        (c * (frames + gap) + t) as u32,
                        ((n_mels - 1 - band) * 2 + dy) as u32,
                        pixel,
                    );
                }
            }
        }
    }
    image.save(path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pca_finds_the_dominant_direction() {
        // Points spread along (1, 1, 0) with a little noise on the other axes.
        let rows: Vec<Vec<f32>> = (0..50)
            .map(|i| {
                let t = i as f32 - 25.0;
                vec![t, t, 0.1 * ((i * 7) % 5) as f32]
            })
            .collect();
        let (points, explained) = pca_2d(&rows);
        assert!(explained[0] > 0.99, "{explained:?}");
        let spread: f64 = points.iter().map(|p| p.0.abs()).sum();
        let off_axis: f64 = points.iter().map(|p| p.1.abs()).sum();
        assert!(spread > 50.0 * off_axis);
    }
}
