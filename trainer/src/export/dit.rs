//! ONNX graph of the DiT: `latent [batch, C, S, S]`, `timestep [batch]`, `audio [batch, A]`
//! (and `style [batch, K]` when style-conditioned) -> `v [batch, C, S, S]`, op for op the same
//! as `Dit::forward`.

use super::onnx_graph::{Attr, Dim, GraphBuilder};
use crate::model::dit::{Dit, DitBlock, NORM_EPSILON, time_frequencies};

pub const LATENT_INPUT: &str = "latent";
pub const TIMESTEP_INPUT: &str = "timestep";
pub const AUDIO_INPUT: &str = "audio";
pub const STYLE_INPUT: &str = "style";
pub const OUTPUT: &str = "v";

/// Everything one block or the final layer needs from the surrounding graph.
struct Shapes {
    tokens: i64,
    /// Side of the square token grid.
    grid: i64,
    width: usize,
    heads: usize,
}

pub fn graph(dit: &Dit) -> Vec<u8> {
    let (c, s, p) = (dit.latent_channels, dit.latent_size, dit.patch);
    let [tokens, width] = dit.position.val().dims();
    let n = (s / p) as i64;
    let shapes = Shapes {
        tokens: tokens as i64,
        grid: n,
        width,
        heads: dit.heads,
    };
    let audio_dims = dit.audio_in.weight.val().dims()[0];
    let batch = Dim::Named("batch");
    let mut g = GraphBuilder::new("dit");
    let latent_dims = [batch, Dim::Fixed(c), Dim::Fixed(s), Dim::Fixed(s)];
    let latent = g.input(LATENT_INPUT, &latent_dims);
    let timestep = g.input(TIMESTEP_INPUT, &[batch]);
    let audio = g.input(AUDIO_INPUT, &[batch, Dim::Fixed(audio_dims)]);

    // Conditioning: sinusoidal timestep features, the audio and style embeddings.
    let frequencies = time_frequencies(dit.time_features);
    let half = frequencies.len() as i64;
    let frequencies = g.constant("time_frequencies", vec![1, half], frequencies);
    let column = g.reshape(&timestep, vec![-1, 1]);
    let args = g.node("Mul", &[&column, &frequencies], vec![]);
    let cos = g.node("Cos", &[&args], vec![]);
    let sin = g.node("Sin", &[&args], vec![]);
    let features = g.node("Concat", &[&cos, &sin], vec![("axis", Attr::Int(1))]);
    let time = mlp2(&mut g, &features, &dit.time_in, &dit.time_out);
    let audio = mlp2(&mut g, &audio, &dit.audio_in, &dit.audio_out);
    let mut condition = g.node("Add", &[&time, &audio], vec![]);
    if let Some(style_embed) = &dit.style {
        let styles = style_embed.weight.val().dims()[0];
        let style = g.input(STYLE_INPUT, &[batch, Dim::Fixed(styles)]);
        let style = g.linear(&style, style_embed);
        condition = g.node("Add", &[&condition, &style], vec![]);
    }
    let condition = g.silu(&condition);

    let embedded = if dit.patch_overlap == 0 {
        // Patchify (Dit::patchify) and embed.
        let patches = g.reshape(&latent, vec![-1, c as i64, n, p as i64, n, p as i64]);
        let patches = g.transpose(&patches, vec![0, 2, 4, 1, 3, 5]);
        let patches = g.reshape(&patches, vec![-1, shapes.tokens, (c * p * p) as i64]);
        g.linear_nd(&patches, &dit.patch_embed)
    } else {
        // Overlapping windows (Dit::embed_overlapping): a strided convolution.
        let kernel = g.tensor("patch_kernel", dit.embed_kernel());
        let mut inputs = vec![latent.clone(), kernel];
        if let Some(bias) = &dit.patch_embed.bias {
            inputs.push(g.param("patch_bias", bias));
        }
        let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let grid = g.node("Conv", &refs, window_attributes(dit));
        let grid = g.reshape(&grid, vec![-1, width as i64, shapes.tokens]);
        g.transpose(&grid, vec![0, 2, 1])
    };
    let position = g.param("position", &dit.position);
    let mut x = g.node("Add", &[&embedded, &position], vec![]);

    for block in &dit.blocks {
        x = block_graph(&mut g, &x, &condition, block, &shapes);
    }

    let shift = modulation_chunk(&mut g, &condition, &dit.final_modulation, 0, width);
    let scale = modulation_chunk(&mut g, &condition, &dit.final_modulation, 1, width);
    let h = modulate(&mut g, &x, &shift, &scale, width);
    let mut out = if dit.patch_overlap == 0 {
        let out = g.linear_nd(&h, &dit.final_proj);
        let out = g.reshape(&out, vec![-1, n, n, c as i64, p as i64, p as i64]);
        let out = g.transpose(&out, vec![0, 3, 1, 4, 2, 5]);
        g.reshape(&out, vec![-1, c as i64, s as i64, s as i64])
    } else {
        // Each token writes its window, overlaps summed (Dit::unembed_overlapping).
        let grid = g.transpose(&h, vec![0, 2, 1]);
        let grid = g.reshape(&grid, vec![-1, width as i64, n, n]);
        let kernel = g.tensor("output_kernel", dit.output_kernel());
        let written = g.node("ConvTranspose", &[&grid, &kernel], window_attributes(dit));
        let bias = g.tensor("output_bias", dit.output_bias_map());
        g.node("Add", &[&written, &bias], vec![])
    };
    if let Some(conv) = &dit.output_conv {
        out = g.conv(&out, conv);
    }
    g.output(&out, OUTPUT, &latent_dims);
    g.finish(&[("synesthete.model", "dit".into())])
}

/// Kernel, stride and padding of the overlapping windows (Dit::window_geometry).
fn window_attributes(dit: &Dit) -> Vec<(&'static str, Attr)> {
    let k = dit.window() as i64;
    let (stride, [pad_rows, pad_columns]) = dit.window_geometry();
    let (pad_rows, pad_columns) = (pad_rows as i64, pad_columns as i64);
    vec![
        ("kernel_shape", Attr::Ints(vec![k; 2])),
        ("strides", Attr::Ints(stride.map(|s| s as i64).to_vec())),
        // ONNX pads are [top, left, bottom, right].
        (
            "pads",
            Attr::Ints(vec![pad_rows, pad_columns, pad_rows, pad_columns]),
        ),
    ]
}

/// `second(silu(first(x)))` on a `[batch, features]` input.
fn mlp2(
    g: &mut GraphBuilder,
    x: &str,
    first: &burn::nn::Linear,
    second: &burn::nn::Linear,
) -> String {
    let h = g.linear(x, first);
    let h = g.silu(&h);
    g.linear(&h, second)
}

/// Chunk `k` of an adaLN projection of the (already SiLU-activated) condition, shaped
/// `[batch, 1, width]` to broadcast over the tokens.
fn modulation_chunk(
    g: &mut GraphBuilder,
    condition: &str,
    projection: &burn::nn::Linear,
    k: usize,
    width: usize,
) -> String {
    let chunk = g.linear_columns(condition, projection, k * width, width);
    g.reshape(&chunk, vec![-1, 1, width as i64])
}

/// `layer_norm(x) * (1 + scale) + shift`.
fn modulate(g: &mut GraphBuilder, x: &str, shift: &str, scale: &str, width: usize) -> String {
    let normed = g.layer_norm(x, width, NORM_EPSILON);
    let factor = g.scalar_op("Add", scale, 1.0);
    let scaled = g.node("Mul", &[&normed, &factor], vec![]);
    g.node("Add", &[&scaled, shift], vec![])
}

fn block_graph(
    g: &mut GraphBuilder,
    x: &str,
    condition: &str,
    block: &DitBlock,
    shapes: &Shapes,
) -> String {
    let width = shapes.width;
    let chunks: Vec<String> = (0..6)
        .map(|k| modulation_chunk(g, condition, &block.modulation, k, width))
        .collect();
    let h = modulate(g, x, &chunks[0], &chunks[1], width);
    let attention = attention_graph(g, &h, block, shapes);
    let gated = g.node("Mul", &[&attention, &chunks[2]], vec![]);
    let x = g.node("Add", &[x, &gated], vec![]);
    let h = modulate(g, &x, &chunks[3], &chunks[4], width);
    let mlp = mlp_graph(g, &h, block, shapes);
    let gated = g.node("Mul", &[&mlp, &chunks[5]], vec![]);
    g.node("Add", &[&x, &gated], vec![])
}

/// The block's MLP (DitBlock::forward), with the depthwise convolution over the token grid
/// added to its hidden layer when the block has one.
fn mlp_graph(g: &mut GraphBuilder, x: &str, block: &DitBlock, shapes: &Shapes) -> String {
    let mut h = g.linear_nd(x, &block.mlp_in);
    if let Some(conv) = &block.mlp_conv {
        let hidden = conv.weight.val().dims()[0] as i64;
        let image = g.transpose(&h, vec![0, 2, 1]);
        let image = g.reshape(&image, vec![-1, hidden, shapes.grid, shapes.grid]);
        let mixed = g.conv(&image, conv);
        let mixed = g.reshape(&mixed, vec![-1, hidden, shapes.tokens]);
        let mixed = g.transpose(&mixed, vec![0, 2, 1]);
        h = g.node("Add", &[&h, &mixed], vec![]);
    }
    let h = g.silu(&h);
    g.linear_nd(&h, &block.mlp_out)
}

/// Multi-head self-attention (DitBlock::attention).
fn attention_graph(g: &mut GraphBuilder, h: &str, block: &DitBlock, shapes: &Shapes) -> String {
    let head_dims = shapes.width / shapes.heads;
    let split_shape = vec![-1, shapes.tokens, shapes.heads as i64, head_dims as i64];
    let heads = |g: &mut GraphBuilder, linear: &burn::nn::Linear, perm: Vec<i64>| {
        let projected = g.linear_nd(h, linear);
        let split = g.reshape(&projected, split_shape.clone());
        g.transpose(&split, perm)
    };
    let q = heads(g, &block.query, vec![0, 2, 1, 3]);
    // Keys go straight to [batch, heads, head_dims, tokens] for Q·Kᵀ.
    let k = heads(g, &block.key, vec![0, 2, 3, 1]);
    let v = heads(g, &block.value, vec![0, 2, 1, 3]);
    let scores = g.node("MatMul", &[&q, &k], vec![]);
    let scores = g.scalar_op("Mul", &scores, 1.0 / (head_dims as f32).sqrt());
    let weights = g.node("Softmax", &[&scores], vec![("axis", Attr::Int(-1))]);
    let mixed = g.node("MatMul", &[&weights, &v], vec![]);
    let mixed = g.transpose(&mixed, vec![0, 2, 1, 3]);
    let merged = g.reshape(&mixed, vec![-1, shapes.tokens, shapes.width as i64]);
    g.linear_nd(&merged, &block.attention_out)
}
