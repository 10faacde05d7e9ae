//! Image beta-VAE: 128x128 RGB <-> a latent of `latent_channels x 128/2^n x 128/2^n` (n stride-2
//! convolutions down, n nearest-upsample + conv stages up, a residual block at the latent
//! resolution; the shipped model has n = 3, a 4x16x16 latent). The decoder is sized for the
//! engine's real-time budget (the 96-64-32 decoder measured ~6 ms on 2 cores).

use burn::nn::conv::Conv2d;
use burn::prelude::*;
use burn::tensor::activation::silu;
use burn::tensor::module::avg_pool2d;
use burn::tensor::ops::AvgPoolOptions;

use super::BetaVae;
use super::layers::{LOGVAR_INIT_BIAS, constant_bias, conv, sample_latent, upsample2};

#[derive(Config, Debug, PartialEq)]
pub struct ImageVaeConfig {
    /// Latent channels (the latent is `latent_channels x size/2^n x size/2^n`, n stages).
    #[config(default = 4)]
    pub latent_channels: usize,
    /// Output channels of the stride-2 encoder convolutions, one per stage (each halves the
    /// side).
    #[config(default = "vec![32, 64, 96]")]
    pub encoder_channels: Vec<usize>,
    /// Channels of the decoder stages, one per 2x upsampling (the last at full resolution), as
    /// many as the encoder's; the first entry is also the width at the latent resolution.
    #[config(default = "vec![96, 64, 32]")]
    pub decoder_channels: Vec<usize>,
}

/// A residual block `x + conv(silu(conv(x)))`.
#[derive(Module, Debug)]
pub struct ResBlock {
    pub conv1: Conv2d,
    pub conv2: Conv2d,
}

impl ResBlock {
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        x.clone() + self.conv2.forward(silu(self.conv1.forward(silu(x))))
    }
}

#[derive(Module, Debug)]
pub struct ImageVae {
    /// 3x3 stride-2 convolutions, each followed by SiLU.
    pub down: Vec<Conv2d>,
    pub encoder_res: ResBlock,
    /// 1x1 heads on the encoder output.
    pub mu: Conv2d,
    pub logvar: Conv2d,
    /// 3x3 latent -> decoder width.
    pub decoder_in: Conv2d,
    pub decoder_res: ResBlock,
    /// After each 2x upsampling: 3x3 conv + SiLU.
    pub up: Vec<Conv2d>,
    /// 3x3 to RGB (linear; clamped to [0, 1] at inference).
    pub to_rgb: Conv2d,
}

/// The most stride-2 stages: a 128x128 frame down to an 8x8 latent.
pub const MAX_STAGES: usize = 4;

impl ImageVaeConfig {
    pub fn validate(&self) -> Result<(), String> {
        let stages = self.encoder_channels.len();
        if !(1..=MAX_STAGES).contains(&stages) || self.decoder_channels.len() != stages {
            return Err(format!(
                "the image VAE has 1 to {MAX_STAGES} stages, the same number in the encoder and \
                 the decoder (encoder_channels has {stages}, decoder_channels {})",
                self.decoder_channels.len()
            ));
        }
        if self.latent_channels == 0
            || self
                .encoder_channels
                .iter()
                .chain(&self.decoder_channels)
                .any(|&c| c == 0)
        {
            return Err("channel counts must be positive".into());
        }
        Ok(())
    }

    /// The latent's side for frames of side `image_size`: each stage halves it.
    pub fn latent_size(&self, image_size: usize) -> usize {
        image_size >> self.encoder_channels.len()
    }

    pub fn init(&self, device: &Device) -> ImageVae {
        let enc = &self.encoder_channels;
        let dec = &self.decoder_channels;
        let top = *enc.last().expect("validated");
        // Each stage's input width is the previous stage's output (the image's 3 channels first;
        // the decoder's first stage reads the latent-resolution width, dec[0]).
        let down = std::iter::once(3)
            .chain(enc.iter().copied())
            .zip(enc.iter().copied())
            .map(|(cin, cout)| conv(cin, cout, 3, 2, device))
            .collect();
        let up = std::iter::once(dec[0])
            .chain(dec.iter().copied())
            .zip(dec.iter().copied())
            .map(|(cin, cout)| conv(cin, cout, 3, 1, device))
            .collect();
        ImageVae {
            down,
            encoder_res: ResBlock {
                conv1: conv(top, top, 3, 1, device),
                conv2: conv(top, top, 3, 1, device),
            },
            mu: conv(top, self.latent_channels, 1, 1, device),
            logvar: {
                let mut head = conv(top, self.latent_channels, 1, 1, device);
                head.bias = Some(constant_bias(
                    self.latent_channels,
                    LOGVAR_INIT_BIAS,
                    device,
                ));
                head
            },
            decoder_in: conv(self.latent_channels, dec[0], 3, 1, device),
            decoder_res: ResBlock {
                conv1: conv(dec[0], dec[0], 3, 1, device),
                conv2: conv(dec[0], dec[0], 3, 1, device),
            },
            up,
            to_rgb: conv(*dec.last().expect("validated"), 3, 3, 1, device),
        }
    }
}

impl ImageVae {
    /// The latent's side for `image_size` frames: each stage halves it (the decoder has as many
    /// stages as the encoder, so this is also the side the decoder reads).
    pub fn latent_size(&self, image_size: usize) -> usize {
        image_size >> self.down.len()
    }

    /// # Shapes
    /// - image: `[batch, 3, 128, 128]` in [0, 1]
    /// - returns (mu, logvar): `[batch, latent_channels, 128/2^n, 128/2^n]` each
    pub fn encode(&self, image: Tensor<4>) -> (Tensor<4>, Tensor<4>) {
        let mut h = image;
        for layer in &self.down {
            h = silu(layer.forward(h));
        }
        let h = self.encoder_res.forward(h);
        (self.mu.forward(h.clone()), self.logvar.forward(h))
    }

    /// The decoder's linear output, before clamping: what the loss sees. (A sigmoid output
    /// saturates on the many near-black and near-white pixels and stalls training.)
    ///
    /// # Shapes
    /// - latent: `[batch, latent_channels, 128/2^n, 128/2^n]`
    /// - returns `[batch, 3, 128, 128]`
    pub fn decode_raw(&self, latent: Tensor<4>) -> Tensor<4> {
        let mut h = self
            .decoder_res
            .forward(silu(self.decoder_in.forward(latent)));
        for layer in &self.up {
            h = silu(layer.forward(upsample2(h)));
        }
        self.to_rgb.forward(h)
    }

    /// The decoded image clamped to [0, 1] (what the engine shows).
    pub fn decode(&self, latent: Tensor<4>) -> Tensor<4> {
        self.decode_raw(latent).clamp(0.0, 1.0)
    }
}

impl BetaVae for ImageVae {
    fn scale_equivariance(&self, mu: Tensor<2>, x: Tensor<4>) -> Option<Tensor<1>> {
        let halve = |t: Tensor<4>| avg_pool2d(t, AvgPoolOptions::new([2, 2]).with_stride([2, 2]));
        let [batch, dims] = mu.dims();
        let side = self.latent_size(x.dims()[2]);
        let latent = mu.reshape([batch, dims / (side * side), side, side]);
        let coarse = self.decode_raw(halve(latent));
        Some((coarse - halve(x)).square().mean())
    }

    fn forward_train(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<2>, Tensor<2>) {
        let (mu, logvar) = self.encode(x);
        let recon = self.decode_raw(sample_latent(mu.clone(), logvar.clone()));
        (recon, mu.flatten(1, 3), logvar.flatten(1, 3))
    }

    fn forward_mean(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<2>, Tensor<2>) {
        let (mu, logvar) = self.encode(x);
        (
            self.decode(mu.clone()),
            mu.flatten(1, 3),
            logvar.flatten(1, 3),
        )
    }

    fn with_frozen_encoder(self) -> anyhow::Result<Self> {
        Ok(Self {
            down: self.down.no_grad(),
            encoder_res: self.encoder_res.no_grad(),
            mu: self.mu.no_grad(),
            logvar: self.logvar.no_grad(),
            ..self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_equivariance_decodes_the_halved_latent_against_the_halved_image() {
        let device = Device::flex();
        let model = ImageVaeConfig::new()
            .with_latent_channels(3)
            .with_encoder_channels(vec![8, 8])
            .with_decoder_channels(vec![8, 8])
            .init(&device);
        let x = Tensor::<4>::random([2, 3, 32, 32], burn::tensor::Distribution::Default, &device);
        let (mu, _) = model.encode(x.clone());
        let term = model
            .scale_equivariance(mu.clone().flatten(1, 3), x.clone())
            .unwrap();
        let term = crate::training::batch::to_vec(term)[0];

        // The same by hand: 2x2 means on the host, the latent [2, 3, 8, 8] -> [2, 3, 4, 4].
        let halve = |values: Vec<f32>, [n, c, s]: [usize; 3]| -> Vec<f32> {
            let h = s / 2;
            let mut out = vec![0.0; n * c * h * h];
            for (i, v) in values.iter().enumerate() {
                let (plane, row, column) = (i / (s * s), i / s % s, i % s);
                out[(plane * h + row / 2) * h + column / 2] += v / 4.0;
            }
            out
        };
        let latent = halve(crate::training::batch::to_vec(mu), [2, 3, 8]);
        let latent = Tensor::<1>::from_floats(latent.as_slice(), &device).reshape([2, 3, 4, 4]);
        let coarse = crate::training::batch::to_vec(model.decode_raw(latent));
        let target = halve(crate::training::batch::to_vec(x), [2, 3, 32]);
        assert_eq!(coarse.len(), target.len());
        let expected = coarse
            .iter()
            .zip(&target)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f32>()
            / target.len() as f32;
        assert!(expected > 1e-3, "an untrained decoder misses the target");
        assert!(
            (term - expected).abs() < 1e-4 * expected,
            "{term} vs {expected}"
        );
    }

    #[test]
    fn each_stage_halves_the_latent_side() {
        let device = Device::flex();
        for (encoder, decoder, side) in [
            (vec![8, 8, 8], vec![8, 8, 8], 16),
            (vec![8, 8], vec![8, 8], 32),
            (vec![8], vec![8], 64),
        ] {
            let config = ImageVaeConfig::new()
                .with_latent_channels(2)
                .with_encoder_channels(encoder)
                .with_decoder_channels(decoder);
            config.validate().unwrap();
            assert_eq!(config.latent_size(128), side);
            let model = config.init(&device);
            assert_eq!(model.latent_size(128), side);
            let (mu, _) = model.encode(Tensor::zeros([1, 3, 128, 128], &device));
            assert_eq!(mu.dims(), [1, 2, side, side]);
            assert_eq!(model.decode(mu).dims(), [1, 3, 128, 128]);
        }
    }

    #[test]
    fn uneven_or_missing_stages_are_refused() {
        let refused = |encoder: Vec<usize>, decoder: Vec<usize>| {
            ImageVaeConfig::new()
                .with_encoder_channels(encoder)
                .with_decoder_channels(decoder)
                .validate()
                .unwrap_err()
        };
        assert!(refused(vec![32, 64], vec![64, 32, 16]).contains("encoder_channels has 2"));
        assert!(refused(vec![], vec![]).contains("1 to 4 stages"));
        assert!(refused(vec![8; 5], vec![8; 5]).contains("1 to 4 stages"));
        assert!(refused(vec![32, 0], vec![8, 8]).contains("positive"));
    }
}
