//! ONNX graph of the audio encoder: `mel [batch, 1, n_mels, frames]` -> `mu`, `logvar`
//! `[batch, latent_dims]`, op for op the same as `AudioVae::encode` (flat or hierarchical; the
//! hierarchical one puts its levels' columns side by side, so the contract is the same).

use super::onnx_graph::{Attr, Dim, GraphBuilder};
use burn::nn::Linear;

use crate::model::audio_hierarchy::Hierarchy;
use crate::model::audio_vae::AudioVae;

pub const MEL_INPUT: &str = "mel";

pub fn encoder(model: &AudioVae, n_mels: usize, frames: usize) -> Vec<u8> {
    let latent_dims = model.conditioning_dims();
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
    let flat = g.node("Flatten", &[&h], vec![("axis", Attr::Int(1))]);
    let mut mu = g.linear(&flat, &model.mu);
    let mut logvar = g.linear(&flat, &model.logvar);
    if let Some(hierarchy) = &model.hierarchy {
        (mu, logvar) = levels(&mut g, hierarchy, &h, frames / 16, (mu, logvar));
    }
    let dims = [Dim::Named("batch"), Dim::Fixed(latent_dims)];
    g.output(&mu, "mu", &dims);
    g.output(&logvar, "logvar", &dims);
    g.finish(&[("synesthete.model", "audio_encoder".into())])
}

/// `Hierarchy::encode`: global heads on the time mean, frame heads on the newest columns, the
/// phrase heads' output between them.
fn levels(
    g: &mut GraphBuilder,
    hierarchy: &Hierarchy,
    bottleneck: &str,
    columns: usize,
    phrase: (String, String),
) -> (String, String) {
    let time_mean = g.node(
        "ReduceMean",
        &[bottleneck],
        vec![("axes", Attr::Ints(vec![3])), ("keepdims", Attr::Int(1))],
    );
    let pooled = g.node("Flatten", &[&time_mean], vec![("axis", Attr::Int(1))]);
    let starts = g.constant_i64("starts", vec![(columns - hierarchy.frame_columns) as i64]);
    let ends = g.constant_i64("ends", vec![columns as i64]);
    let axes = g.constant_i64("axes", vec![3]);
    let newest = g.node("Slice", &[bottleneck, &starts, &ends, &axes], vec![]);
    let recent = g.node("Flatten", &[&newest], vec![("axis", Attr::Int(1))]);
    let side_by_side = |g: &mut GraphBuilder, global: &Linear, phrase: &str, frame: &Linear| {
        let global = g.linear(&pooled, global);
        let frame = g.linear(&recent, frame);
        g.node(
            "Concat",
            &[&global, phrase, &frame],
            vec![("axis", Attr::Int(1))],
        )
    };
    let mu = side_by_side(g, &hierarchy.global_mu, &phrase.0, &hierarchy.frame_mu);
    let logvar = side_by_side(
        g,
        &hierarchy.global_logvar,
        &phrase.1,
        &hierarchy.frame_logvar,
    );
    (mu, logvar)
}
