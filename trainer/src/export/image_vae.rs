//! ONNX graphs of the image VAE: the encoder (image -> mu, logvar) and the decoder
//! (latent -> image), op for op the same as `model::image_vae`.

use super::onnx_graph::{Dim, GraphBuilder};
use crate::model::image_vae::{ImageVae, ResBlock};

pub const IMAGE_INPUT: &str = "image";
pub const LATENT_INPUT: &str = "latent";

fn res_block(g: &mut GraphBuilder, x: &str, block: &ResBlock) -> String {
    let h = g.silu(x);
    let h = g.conv(&h, &block.conv1);
    let h = g.silu(&h);
    let h = g.conv(&h, &block.conv2);
    g.node("Add", &[x, &h], vec![])
}

/// `image [batch, 3, size, size]` -> `mu`, `logvar` `[batch, latent_channels, side, side]`, the
/// side halved by each of the model's stages.
pub fn encoder(model: &ImageVae, size: usize) -> Vec<u8> {
    let latent_channels = model.mu.weight.val().dims()[0];
    let side = model.latent_size(size);
    let mut g = GraphBuilder::new("image_vae_encoder");
    let mut h = g.input(
        IMAGE_INPUT,
        &[
            Dim::Named("batch"),
            Dim::Fixed(3),
            Dim::Fixed(size),
            Dim::Fixed(size),
        ],
    );
    h = g.conv_silu_stack(&h, &model.down);
    let h = res_block(&mut g, &h, &model.encoder_res);
    let mu = g.conv(&h, &model.mu);
    let logvar = g.conv(&h, &model.logvar);
    let latent_dims = [
        Dim::Named("batch"),
        Dim::Fixed(latent_channels),
        Dim::Fixed(side),
        Dim::Fixed(side),
    ];
    g.output(&mu, "mu", &latent_dims);
    g.output(&logvar, "logvar", &latent_dims);
    g.finish(&[("synesthete.model", "image_vae_encoder".into())])
}

/// `latent [batch, latent_channels, side, side]` -> `image [batch, 3, size, size]` in [0, 1].
pub fn decoder(model: &ImageVae, size: usize) -> Vec<u8> {
    let latent_channels = model.decoder_in.weight.val().dims()[1];
    let side = model.latent_size(size);
    let mut g = GraphBuilder::new("image_vae_decoder");
    let z = g.input(
        LATENT_INPUT,
        &[
            Dim::Named("batch"),
            Dim::Fixed(latent_channels),
            Dim::Fixed(side),
            Dim::Fixed(side),
        ],
    );
    let h = g.conv(&z, &model.decoder_in);
    let h = g.silu(&h);
    let mut h = res_block(&mut g, &h, &model.decoder_res);
    for layer in &model.up {
        let up = g.upsample2(&h);
        let c = g.conv(&up, layer);
        h = g.silu(&c);
    }
    let rgb = g.conv(&h, &model.to_rgb);
    let image = g.clip(&rgb, 0.0, 1.0);
    g.output(
        &image,
        "image",
        &[
            Dim::Named("batch"),
            Dim::Fixed(3),
            Dim::Fixed(size),
            Dim::Fixed(size),
        ],
    );
    g.finish(&[("synesthete.model", "image_vae_decoder".into())])
}
