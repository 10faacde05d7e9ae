//! Image beta-VAE: 128x128 RGB <-> a 16x16x4 latent (three stride-2 convolutions down, three
//! nearest-upsample + conv stages up, a residual block at the latent resolution). The decoder is
//! sized for the engine's real-time budget (the 96-64-32 decoder measured ~6 ms on 2 cores).

use burn::nn::conv::Conv2d;
use burn::prelude::*;
use burn::tensor::activation::silu;

use super::BetaVae;
use super::layers::{LOGVAR_INIT_BIAS, constant_bias, conv, sample_latent, upsample2};

#[derive(Config, Debug, PartialEq)]
pub struct ImageVaeConfig {
    /// Latent channels (the latent is `latent_channels x size/8 x size/8`).
    #[config(default = 4)]
    pub latent_channels: usize,
    /// Output channels of the three stride-2 encoder convolutions.
    #[config(default = "vec![32, 64, 96]")]
    pub encoder_channels: Vec<usize>,
    /// Channels of the three decoder stages (at 1/4, 1/2 and full resolution... after each 2x
    /// upsampling); the first entry is also the width at the latent resolution.
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

impl ImageVaeConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.encoder_channels.len() != 3 || self.decoder_channels.len() != 3 {
            return Err("the image VAE has exactly three encoder and three decoder stages".into());
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

    pub fn init(&self, device: &Device) -> ImageVae {
        let enc = &self.encoder_channels;
        let dec = &self.decoder_channels;
        let top = *enc.last().expect("validated");
        let down = [3, enc[0], enc[1]]
            .into_iter()
            .zip(enc.iter().copied())
            .map(|(cin, cout)| conv(cin, cout, 3, 2, device))
            .collect();
        let up_inputs = [dec[0], dec[0], dec[1]];
        let up = up_inputs
            .into_iter()
            .zip([dec[0], dec[1], dec[2]])
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
            to_rgb: conv(dec[2], 3, 3, 1, device),
        }
    }
}

impl ImageVae {
    /// # Shapes
    /// - image: `[batch, 3, 128, 128]` in [0, 1]
    /// - returns (mu, logvar): `[batch, latent_channels, 16, 16]` each
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
    /// - latent: `[batch, latent_channels, 16, 16]`
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
