//! The trainer's models (burn). The trainer owns these architectures and writes their ONNX graphs
//! itself (`crate::export`), so every layer here uses only ops the exporter knows.

pub mod audio_hierarchy;
pub mod audio_vae;
pub mod dit;
pub mod image_vae;
pub mod layers;

use burn::prelude::*;

use crate::training::slowness::PairMasks;
use audio_hierarchy::PriorKl;

/// What the training loop needs from a beta-VAE.
pub trait BetaVae: burn::module::Module {
    /// Returns (reconstruction, mu, logvar); mu/logvar are flattened to `[batch, latent_dims]`.
    fn forward_train(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<2>, Tensor<2>);

    /// Like `forward_train` but decodes the mean (no sampling): the deterministic reconstruction
    /// used for evaluation.
    fn forward_mean(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<2>, Tensor<2>);

    /// KL of each sample's posterior to the model's prior (standard normal unless the model
    /// learns its own).
    fn prior_kl(&self, mu: Tensor<2>, logvar: Tensor<2>) -> PriorKl {
        standard_normal_kl(mu, logvar)
    }

    /// A training term beyond reconstruction and KL, from the batch's posterior means and
    /// which samples belong together (`None`: no such term).
    fn regulariser(&self, _mu: Tensor<2>, _pairs: &PairMasks) -> Option<Tensor<1>> {
        None
    }

    /// Mean squared error between the decoding of the posterior means (`mu`, flattened as
    /// `forward_train` returns them) averaged over 2x2 latent cells and the input `x` averaged
    /// over 2x2 pixels (`None`: the model has no spatial latent).
    fn scale_equivariance(&self, _mu: Tensor<2>, _x: Tensor<4>) -> Option<Tensor<1>> {
        None
    }

    /// The model with its encoder's weights frozen, for training the decoder alone.
    fn with_frozen_encoder(self) -> anyhow::Result<Self>
    where
        Self: Sized,
    {
        anyhow::bail!("freeze_encoder: this model cannot train its decoder alone")
    }
}

/// Per-dimension KL(N(mu, e^logvar) || N(0, 1)); nothing outside the dimensions.
pub fn standard_normal_kl(mu: Tensor<2>, logvar: Tensor<2>) -> PriorKl {
    let [batch, _] = mu.dims();
    let device = mu.device();
    PriorKl {
        per_dim: (mu.square() + logvar.clone().exp() - logvar.add_scalar(1.0)).mul_scalar(0.5),
        rest: Tensor::zeros([batch], &device),
    }
}
