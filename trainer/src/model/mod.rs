//! The trainer's models (burn). The trainer owns these architectures and writes their ONNX graphs
//! itself (`crate::export`), so every layer here uses only ops the exporter knows.

pub mod audio_vae;
pub mod dit;
pub mod image_vae;
pub mod layers;

use burn::prelude::*;

/// What the training loop needs from a beta-VAE.
pub trait BetaVae: burn::module::Module {
    /// Returns (reconstruction, mu, logvar); mu/logvar are flattened to `[batch, latent_dims]`.
    fn forward_train(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<2>, Tensor<2>);

    /// Like `forward_train` but decodes the mean (no sampling): the deterministic reconstruction
    /// used for evaluation.
    fn forward_mean(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<2>, Tensor<2>);
}
