//! Reconstruction sheets and per-family PSNR and sharpness of a trained image VAE on held-out
//! frames.

use std::path::Path;

use burn::prelude::*;

use super::batch;
use super::diagnostics::psnr;
use super::vae_loop::heldout_samples;
use crate::data::dataset::DataConfig;
use crate::data::preview::blit;
use crate::data::visualizers::{ALL_FAMILIES, Frame, SIZE};
use crate::eval::metrics::{mean_sharpness, sharpness_ratio};
use crate::model::BetaVae;
use crate::model::image_vae::ImageVae;

#[derive(Debug, Clone, serde::Serialize)]
pub struct FamilyFidelity {
    pub family: &'static str,
    pub frames: usize,
    pub psnr_db: f32,
    /// Mean sharpness (variance of the Laplacian) of the frames themselves: which families hold
    /// the data's sharpness, so weigh most in a sharpness ratio over many families.
    pub frame_sharpness: f64,
    /// Mean sharpness (variance of the Laplacian) of the reconstructions ÷ the frames'.
    pub sharpness_ratio: f64,
}

/// Writes `sheet` (top row held-out frames, bottom row their reconstructions from the mean;
/// the first two frames of each family present, so every family is seen) and returns the
/// PSNR and sharpness per visualizer family, then overall.
pub fn reconstruction_report(
    model: &ImageVae,
    data: &DataConfig,
    count: usize,
    sheet: &Path,
) -> anyhow::Result<(Vec<FamilyFidelity>, FamilyFidelity)> {
    let device = Device::flex();
    let samples = heldout_samples(data, count);
    let mut reconstructions = Vec::with_capacity(samples.len());
    for chunk in samples.chunks(16) {
        let (recon, _, _) = model.forward_mean(batch::images(chunk, &device));
        reconstructions.extend(
            batch::to_vec(recon)
                .chunks(3 * SIZE * SIZE)
                .map(|c| Frame { data: c.to_vec() }),
        );
    }
    let pairs: Vec<(&Frame, &Frame)> = samples
        .iter()
        .map(|s| &s.image)
        .zip(&reconstructions)
        .collect();
    let shown: Vec<_> = ALL_FAMILIES
        .iter()
        .flat_map(|&family| {
            pairs
                .iter()
                .zip(&samples)
                .filter(move |(_, s)| s.family == family)
                .map(|(pair, _)| *pair)
                .take(2)
        })
        .collect();
    let mut image = image::RgbImage::new((shown.len() * SIZE) as u32, (2 * SIZE) as u32);
    for (i, (original, recon)) in shown.iter().enumerate() {
        blit(&mut image, original, i * SIZE, 0);
        blit(&mut image, recon, i * SIZE, SIZE);
    }
    image.save(sheet)?;
    let per_family = ALL_FAMILIES
        .iter()
        .filter_map(|&family| {
            let of_family: Vec<_> = pairs
                .iter()
                .zip(&samples)
                .filter(|(_, s)| s.family == family)
                .map(|(pair, _)| *pair)
                .collect();
            (!of_family.is_empty()).then(|| fidelity(family.name(), &of_family))
        })
        .collect();
    Ok((per_family, fidelity("overall", &pairs)))
}

/// PSNR and sharpness ratio of (original, reconstruction) pairs.
fn fidelity(family: &'static str, pairs: &[(&Frame, &Frame)]) -> FamilyFidelity {
    let original: Vec<f32> = pairs
        .iter()
        .flat_map(|(o, _)| o.data.iter().copied())
        .collect();
    let recon: Vec<f32> = pairs
        .iter()
        .flat_map(|(_, r)| r.data.iter().copied())
        .collect();
    FamilyFidelity {
        family,
        frames: pairs.len(),
        psnr_db: psnr(&recon, &original, 1.0),
        frame_sharpness: mean_sharpness(pairs.iter().map(|(o, _)| o.data.as_slice())),
        sharpness_ratio: sharpness_ratio(
            pairs.iter().map(|(_, r)| r.data.as_slice()),
            pairs.iter().map(|(o, _)| o.data.as_slice()),
        ),
    }
}
