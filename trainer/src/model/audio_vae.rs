//! Audio beta-VAE over log-mel context windows (`1 x 80 x T`, the engine's normalisation). Its
//! mean `mu` is the conditioning vector the DiT uses. Flat (one level under a standard normal
//! prior), or hierarchical with `hierarchy` set (see [`super::audio_hierarchy`]).

use burn::nn::conv::Conv2d;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::silu;

use super::BetaVae;
use super::audio_hierarchy::{Hierarchy, HierarchyConfig, PriorKl};
use super::layers::{conv, logvar_head, sample_latent, upsample2};
use crate::training::slowness::{PairMasks, slowness};

#[derive(Config, Debug, PartialEq)]
pub struct AudioVaeConfig {
    /// Mel bands (must be divisible by 16).
    #[config(default = 80)]
    pub n_mels: usize,
    /// Frames in the context window (must be divisible by 16).
    #[config(default = 128)]
    pub frames: usize,
    /// Conditioning vector size.
    #[config(default = 64)]
    pub latent_dims: usize,
    /// Channels of the four stride-2 encoder convolutions (mirrored by the decoder).
    #[config(default = "vec![16, 32, 64, 64]")]
    pub channels: Vec<usize>,
    /// Global/phrase/frame levels with learned priors; `None` is the flat beta-VAE.
    #[config(default = "None")]
    pub hierarchy: Option<HierarchyConfig>,
}

#[derive(Module, Debug)]
pub struct AudioVae {
    pub down: Vec<Conv2d>,
    /// Heads over the whole flattened bottleneck: the only level of the flat encoder, the
    /// phrase level of the hierarchical one.
    pub mu: Linear,
    pub logvar: Linear,
    pub hierarchy: Option<Hierarchy>,
    pub decoder_in: Linear,
    pub up: Vec<Conv2d>,
    pub to_mel: Conv2d,
    /// `[channels, mels/16, frames/16]` of the bottleneck feature map (for reshaping).
    pub bottleneck: [usize; 3],
}

impl AudioVaeConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !self.n_mels.is_multiple_of(16)
            || !self.frames.is_multiple_of(16)
            || self.n_mels == 0
            || self.frames == 0
        {
            return Err(format!(
                "n_mels ({}) and frames ({}) must be positive multiples of 16",
                self.n_mels, self.frames
            ));
        }
        if self.channels.len() != 4 || self.channels.contains(&0) || self.latent_dims == 0 {
            return Err(
                "the audio VAE has four positive encoder stages and a positive latent size".into(),
            );
        }
        match &self.hierarchy {
            Some(hierarchy) => hierarchy.validate(self.latent_dims, self.frames / 16),
            None => Ok(()),
        }
    }

    pub fn init(&self, device: &Device) -> AudioVae {
        let c = &self.channels;
        let down = [1, c[0], c[1], c[2]]
            .into_iter()
            .zip(c.iter().copied())
            .map(|(i, o)| conv(i, o, 3, 2, device))
            .collect();
        let bottleneck = [c[3], self.n_mels / 16, self.frames / 16];
        let flat = bottleneck.iter().product();
        let hierarchy = self
            .hierarchy
            .as_ref()
            .map(|config| config.init(self.latent_dims, bottleneck, device));
        let head_dims = hierarchy.as_ref().map_or(self.latent_dims, |h| h.dims[1]);
        let up = [(c[3], c[2]), (c[2], c[1]), (c[1], c[0]), (c[0], c[0])]
            .into_iter()
            .map(|(i, o)| conv(i, o, 3, 1, device))
            .collect();
        AudioVae {
            down,
            mu: LinearConfig::new(flat, head_dims).init(device),
            logvar: logvar_head(flat, head_dims, device),
            hierarchy,
            decoder_in: LinearConfig::new(self.latent_dims, flat).init(device),
            up,
            to_mel: conv(c[0], 1, 3, 1, device),
            bottleneck,
        }
    }
}

impl AudioVae {
    /// # Shapes
    /// - mel: `[batch, 1, n_mels, frames]` in [-1, 1]
    /// - returns (mu, logvar): `[batch, latent_dims]`
    pub fn encode(&self, mel: Tensor<4>) -> (Tensor<2>, Tensor<2>) {
        let mut h = mel;
        for layer in &self.down {
            h = silu(layer.forward(h));
        }
        let flat: Tensor<2> = h.clone().flatten(1, 3);
        let heads = (self.mu.forward(flat.clone()), self.logvar.forward(flat));
        match &self.hierarchy {
            Some(hierarchy) => hierarchy.encode(h, heads),
            None => heads,
        }
    }

    /// Width of `mu`: all levels together.
    pub fn conditioning_dims(&self) -> usize {
        let heads = self.mu.weight.val().dims()[1];
        self.hierarchy
            .as_ref()
            .map_or(heads, |h| h.dims.iter().sum())
    }

    /// KL of each window's posterior to this encoder's prior (a standard normal for the flat
    /// encoder, the levels' learned priors for the hierarchical one).
    pub fn prior_kl(&self, mu: Tensor<2>, logvar: Tensor<2>) -> PriorKl {
        match &self.hierarchy {
            Some(hierarchy) => hierarchy.prior_kl(mu, logvar),
            None => super::standard_normal_kl(mu, logvar),
        }
    }

    /// The decoded log-mel clamped to its [-1, 1] range.
    pub fn decode(&self, latent: Tensor<2>) -> Tensor<4> {
        self.decode_raw(latent).clamp(-1.0, 1.0)
    }

    /// Linear decoder output (what the loss sees; silence sits at the -1 floor, which a tanh
    /// could only approach with vanishing gradients).
    ///
    /// # Shapes
    /// - latent: `[batch, latent_dims]`
    /// - returns `[batch, 1, n_mels, frames]`
    pub fn decode_raw(&self, latent: Tensor<2>) -> Tensor<4> {
        let [batch, _] = latent.dims();
        let [c, h, w] = self.bottleneck;
        let mut x: Tensor<4> = silu(self.decoder_in.forward(latent)).reshape([batch, c, h, w]);
        for layer in &self.up {
            x = silu(layer.forward(upsample2(x)));
        }
        self.to_mel.forward(x)
    }
}

impl BetaVae for AudioVae {
    fn forward_train(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<2>, Tensor<2>) {
        let (mu, logvar) = self.encode(x);
        let recon = self.decode_raw(sample_latent(mu.clone(), logvar.clone()));
        (recon, mu, logvar)
    }

    fn forward_mean(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<2>, Tensor<2>) {
        let (mu, logvar) = self.encode(x);
        (self.decode(mu.clone()), mu, logvar)
    }

    fn prior_kl(&self, mu: Tensor<2>, logvar: Tensor<2>) -> PriorKl {
        AudioVae::prior_kl(self, mu, logvar)
    }

    fn regulariser(&self, mu: Tensor<2>, pairs: &PairMasks) -> Option<Tensor<1>> {
        let hierarchy = self.hierarchy.as_ref()?;
        let [batch, _] = mu.dims();
        let level = |index: usize| mu.clone().slice([0..batch, hierarchy.columns(index)]);
        let global = slowness(level(0), &pairs.same_clip)?.mul_scalar(hierarchy.global_slowness);
        Some(match slowness(level(1), &pairs.same_phrase) {
            Some(phrase) => global + phrase.mul_scalar(hierarchy.phrase_slowness),
            None => global,
        })
    }
}
