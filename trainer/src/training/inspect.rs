//! Reconstruction sheets and per-family PSNR of a trained image VAE on held-out frames.

use std::path::Path;

use burn::prelude::*;

use super::batch;
use super::diagnostics::psnr;
use super::vae_loop::heldout_samples;
use crate::data::dataset::DataConfig;
use crate::data::preview::blit;
use crate::data::visualizers::{ALL_FAMILIES, Frame, SIZE};
use crate::model::BetaVae;
use crate::model::image_vae::ImageVae;

#[derive(Debug, Clone, serde::Serialize)]
pub struct FamilyPsnr {
    pub family: &'static str,
    pub frames: usize,
    pub psnr_db: f32,
}

/// Writes `sheet` (top row held-out frames, bottom row reconstructions from the mean) and
/// returns the PSNR per visualizer family and overall.
pub fn reconstruction_report(
    model: &ImageVae,
    data: &DataConfig,
    count: usize,
    sheet: &Path,
) -> anyhow::Result<(Vec<FamilyPsnr>, f32)> {
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
    let columns = samples.len().min(16);
    let mut image = image::RgbImage::new((columns * SIZE) as u32, (2 * SIZE) as u32);
    for (i, (sample, recon)) in samples
        .iter()
        .zip(&reconstructions)
        .take(columns)
        .enumerate()
    {
        blit(&mut image, &sample.image, i * SIZE, 0);
        blit(&mut image, recon, i * SIZE, SIZE);
    }
    image.save(sheet)?;
    let all_original: Vec<f32> = samples
        .iter()
        .flat_map(|s| s.image.data.iter().copied())
        .collect();
    let all_recon: Vec<f32> = reconstructions
        .iter()
        .flat_map(|r| r.data.iter().copied())
        .collect();
    let per_family = ALL_FAMILIES
        .iter()
        .filter_map(|&family| {
            let pairs: Vec<_> = samples
                .iter()
                .zip(&reconstructions)
                .filter(|(s, _)| s.family == family)
                .collect();
            if pairs.is_empty() {
                return None;
            }
            let original: Vec<f32> = pairs
                .iter()
                .flat_map(|(s, _)| s.image.data.iter().copied())
                .collect();
            let recon: Vec<f32> = pairs
                .iter()
                .flat_map(|(_, r)| r.data.iter().copied())
                .collect();
            Some(FamilyPsnr {
                family: family.name(),
                frames: pairs.len(),
                psnr_db: psnr(&recon, &original, 1.0),
            })
        })
        .collect();
    Ok((per_family, psnr(&all_recon, &all_original, 1.0)))
}
