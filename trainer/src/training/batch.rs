//! Dataset samples -> burn tensors.

use burn::prelude::*;

use crate::data::dataset::Sample;
use crate::data::visualizers::SIZE;

/// `[batch, 3, 128, 128]` images in [0, 1].
pub fn images(samples: &[Sample], device: &Device) -> Tensor<4> {
    let data: Vec<f32> = samples
        .iter()
        .flat_map(|s| s.image.data.iter().copied())
        .collect();
    Tensor::from_data(
        TensorData::new(data, [samples.len(), 3, SIZE, SIZE]),
        device,
    )
}

/// `[batch, 3, crop, crop]` random crops of the images. The VAE is fully convolutional, so
/// training on crops costs a quarter of the compute at 64 px and the weights apply unchanged
/// to full 128 px frames. Offsets are a deterministic function of each sample.
pub fn image_crops(samples: &[Sample], crop: usize, device: &Device) -> Tensor<4> {
    if crop >= SIZE {
        return images(samples, device);
    }
    let span = (SIZE - crop + 1) as u64;
    let mut data = Vec::with_capacity(samples.len() * 3 * crop * crop);
    for sample in samples {
        let hash = (sample.factors.clip_seed ^ sample.time_s.to_bits() as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let (x0, y0) = ((hash >> 20) % span, (hash >> 40) % span);
        for channel in sample.image.data.chunks(SIZE * SIZE) {
            for row in channel.chunks(SIZE).skip(y0 as usize).take(crop) {
                data.extend_from_slice(&row[x0 as usize..x0 as usize + crop]);
            }
        }
    }
    Tensor::from_data(
        TensorData::new(data, [samples.len(), 3, crop, crop]),
        device,
    )
}

/// `[batch, 1, n_mels, frames]` log-mel windows in [-1, 1].
pub fn mels(samples: &[Sample], n_mels: usize, device: &Device) -> Tensor<4> {
    let frames = samples.first().map_or(0, |s| s.mel.len() / n_mels);
    let data: Vec<f32> = samples.iter().flat_map(|s| s.mel.iter().copied()).collect();
    Tensor::from_data(
        TensorData::new(data, [samples.len(), 1, n_mels, frames]),
        device,
    )
}

pub fn to_vec<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor
        .into_data()
        .try_into_vec_as::<f32>()
        .expect("float tensor")
}
