//! ONNX graph of the audio encoder: `mel [batch, 1, n_mels, frames]` -> `mu`, `logvar`
//! `[batch, latent_dims]`, op for op the same as `AudioVae::encode`.

use super::onnx_graph::{Dim, GraphBuilder};
use crate::model::audio_vae::AudioVae;

pub const MEL_INPUT: &str = "mel";

pub fn encoder(model: &AudioVae, n_mels: usize, frames: usize) -> Vec<u8> {
    let latent_dims = model.mu.weight.val().dims()[1];
    let mut g = GraphBuilder::new("audio_encoder");
    let mut h = g.input(
        MEL_INPUT,
        &[
            Dim::Named("batch"),
            Dim::Fixed(1),
            Dim::Fixed(n_mels),
            Dim::Fixed(frames),
        ],
    );
    h = g.conv_silu_stack(&h, &model.down);
    let flat = g.node(
        "Flatten",
        &[&h],
        vec![("axis", super::onnx_graph::Attr::Int(1))],
    );
    let mu = g.linear(&flat, &model.mu);
    let logvar = g.linear(&flat, &model.logvar);
    let dims = [Dim::Named("batch"), Dim::Fixed(latent_dims)];
    g.output(&mu, "mu", &dims);
    g.output(&logvar, "logvar", &dims);
    g.finish(&[("synesthete.model", "audio_encoder".into())])
}
