//! A small CNN trained to tell the visualizer families apart. Its pooled features are the
//! embedding of the domain FID: a generated frame that "looks like" the training data lands
//! where real frames do, whatever the pixels.

use burn::nn::conv::Conv2d;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::{log_softmax, silu};

use crate::data::dataset::{DataConfig, DataStream, Sample};
use crate::data::visualizers::ALL_FAMILIES;
use crate::model::layers::conv;
use crate::training::batch;
use crate::training::conditioning::{one_hot, style_index};
use crate::training::seeding::seed_exclusively;

/// Channels of the last convolution; the embedding is their spatial mean and maximum.
const CHANNELS: usize = 64;
/// Width of the feature embedding.
pub const FEATURES: usize = 2 * CHANNELS;

#[derive(Module, Debug)]
pub struct FamilyClassifier {
    /// Four 3x3 stride-2 convolutions (16, 32, 64, 64 channels), each with SiLU.
    pub down: Vec<Conv2d>,
    pub head: Linear,
}

impl FamilyClassifier {
    pub fn new(device: &Device) -> Self {
        let channels = [3, 16, 32, 64, CHANNELS];
        Self {
            down: channels
                .windows(2)
                .map(|w| conv(w[0], w[1], 3, 2, device))
                .collect(),
            head: LinearConfig::new(FEATURES, ALL_FAMILIES.len()).init(device),
        }
    }

    /// `[batch, 3, H, W]` frames -> `[batch, FEATURES]`: the mean (how much of a texture) and
    /// the maximum (whether a shape occurs at all, e.g. one thin line) of each channel.
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        let mut h = images;
        for layer in &self.down {
            h = silu(layer.forward(h));
        }
        let mean = h.clone().mean_dim(3).mean_dim(2).flatten(1, 3);
        let max = h.max_dim(3).max_dim(2).flatten(1, 3);
        Tensor::cat(vec![mean, max], 1)
    }

    pub fn logits(&self, images: Tensor<4>) -> Tensor<2> {
        self.head.forward(self.features(images))
    }
}

/// Trains the classifier on `steps` batches of the stream; returns it with its accuracy on
/// `heldout`.
pub fn train(
    data: &DataConfig,
    steps: usize,
    heldout: &[Sample],
    progress: &indicatif::ProgressBar,
) -> (FamilyClassifier, f32) {
    let base = Device::flex();
    let _generator = seed_exclusively(&base, 11);
    let device = base.clone().autodiff();
    let mut model = FamilyClassifier::new(&device);
    let mut optim = AdamConfig::new().init();
    let mut stream = DataStream::new(data.clone());
    for _ in 0..steps {
        let samples = stream.next_batch(32);
        let families: Vec<_> = samples.iter().map(|s| s.family).collect();
        let target = Tensor::<2>::from_data(
            TensorData::new(
                one_hot(&families, ALL_FAMILIES.len()),
                [samples.len(), ALL_FAMILIES.len()],
            ),
            &device,
        );
        let log_probs = log_softmax(model.logits(batch::images(&samples, &device)), 1);
        let loss = (log_probs * target).sum_dim(1).mean().neg();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(2e-3, model, grads);
        progress.inc(1);
    }
    let model = model.valid();
    let accuracy = accuracy(&model, heldout, &base);
    (model, accuracy)
}

fn accuracy(model: &FamilyClassifier, samples: &[Sample], device: &Device) -> f32 {
    let logits = batch::to_vec(model.logits(batch::images(samples, device)));
    let classes = ALL_FAMILIES.len();
    let correct = samples
        .iter()
        .zip(logits.chunks(classes))
        .filter(|(sample, row)| predicted(row) == Some(style_index(sample.family)))
        .count();
    correct as f32 / samples.len().max(1) as f32
}

/// The class with the largest logit.
fn predicted(row: &[f32]) -> Option<usize> {
    row.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)
}

/// The share of rows of `logits` (`classes` per row) whose largest logit is each class.
pub fn class_shares(logits: &[f32], classes: usize) -> Vec<f64> {
    let mut counts = vec![0usize; classes];
    for row in logits.chunks(classes) {
        if let Some(best) = predicted(row) {
            counts[best] += 1;
        }
    }
    let rows = (logits.len() / classes.max(1)).max(1) as f64;
    counts.into_iter().map(|n| n as f64 / rows).collect()
}

/// Which families the classifier sees in CHW frames (`3 * size * size` values each): the
/// share of frames it assigns to each, in `ALL_FAMILIES` order. A source whose mix leans to
/// smooth families is less sharp overall however crisp each family is drawn.
pub fn family_mix(model: &FamilyClassifier, frames: &[&Vec<f32>], size: usize) -> Vec<f64> {
    let logits = in_batches(frames, size, |images| model.logits(images));
    class_shares(&logits, ALL_FAMILIES.len())
}

/// Features of CHW frames (each `3 * size * size` values), in batches.
pub fn embed(model: &FamilyClassifier, frames: &[Vec<f32>], size: usize) -> Vec<f32> {
    in_batches(frames, size, |images| model.features(images))
}

/// `forward`'s `[batch, n]` outputs for CHW frames (`3 * size * size` values each), run in
/// batches of 64 and concatenated.
fn in_batches<F: AsRef<[f32]>>(
    frames: &[F],
    size: usize,
    forward: impl Fn(Tensor<4>) -> Tensor<2>,
) -> Vec<f32> {
    let device = Device::flex();
    frames
        .chunks(64)
        .flat_map(|chunk| {
            let data: Vec<f32> = chunk
                .iter()
                .flat_map(|f| f.as_ref().iter().copied())
                .collect();
            let images = Tensor::<4>::from_data(
                TensorData::new(data, [chunk.len(), 3, size, size]),
                &device,
            );
            batch::to_vec(forward(images))
        })
        .collect()
}

/// What a cached classifier was trained with; a different one is retrained.
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct CacheKey {
    steps: usize,
    data: DataConfig,
    accuracy: f32,
}

/// The classifier cached in `dir` when it was trained with the same settings, else a newly
/// trained one (then cached), so repeated evaluations compare in one feature space.
pub fn load_or_train(
    dir: &std::path::Path,
    data: &DataConfig,
    steps: usize,
    heldout: &[Sample],
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<(FamilyClassifier, f32)> {
    let key_path = dir.join("classifier.json");
    let weights = dir.join("classifier.bpk");
    if let Ok(bytes) = std::fs::read(&key_path)
        && let Ok(key) = serde_json::from_slice::<CacheKey>(&bytes)
        && key.steps == steps
        && key.data == *data
        && let Ok(model) = FamilyClassifier::new(&Device::flex()).try_load_file(&weights)
    {
        progress.inc(steps as u64);
        return Ok((model, key.accuracy));
    }
    let (model, accuracy) = train(data, steps, heldout, progress);
    std::fs::create_dir_all(dir)?;
    model
        .clone()
        .save_file(&weights)
        .map_err(|e| anyhow::anyhow!("saving the classifier: {e:?}"))?;
    let key = CacheKey {
        steps,
        data: data.clone(),
        accuracy,
    };
    std::fs::write(key_path, serde_json::to_vec_pretty(&key)?)?;
    Ok((model, accuracy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_shares_count_each_rows_largest_logit() {
        // Three rows of three classes: class 2, class 0, class 2.
        let logits = [0.1, 0.2, 0.9, 3.0, -1.0, 0.0, -5.0, -4.0, -3.0];
        let shares = class_shares(&logits, 3);
        assert_eq!(shares.len(), 3);
        assert!((shares[0] - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(shares[1], 0.0);
        assert!((shares[2] - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(class_shares(&[], 3), vec![0.0; 3]);
    }
}
