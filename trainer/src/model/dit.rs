//! The diffusion transformer (Peebles & Xie 2023, "DiT"): the VAE latent is cut into patches,
//! each patch is a token, and every block is modulated by one conditioning vector through
//! adaLN-zero (shift, scale and a gate per sub-layer, regressed from the conditioning and
//! initialised to zero so each block starts as the identity).
//!
//! Conditioning = timestep embedding + audio embedding (the audio encoder's 64-d mean) + style
//! embedding (a one-hot visualizer family). The "null" condition of classifier-free guidance is
//! an all-zero audio vector and an all-zero style vector; training drops each at random.
//!
//! Deviations from the paper, for export and the CPU budget: SiLU instead of GELU in the MLP
//! (ONNX opset 17 has no Gelu op), a learned position embedding, and two options against the
//! seams that a linear layer per token leaves between large patches: a convolution over the
//! unpatchified output (U-ViT, Bao et al. 2023), or overlapping patches (`patch_overlap`), where
//! each token reads a window reaching into its neighbours' patches and writes one, the
//! overlapping writes summed, so neighbouring tokens share every seam. Against the mosaics a
//! DiT on many small tokens draws (each token's colour its own), `mlp_conv` adds a depthwise
//! convolution over the token grid inside every block's MLP (the Mix-FFN of SegFormer, Xie et
//! al. 2021), so every layer pools what neighbouring tokens hold.

use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::{silu, softmax};
use burn::tensor::module::{conv_transpose2d, conv2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};

#[derive(Config, Debug, PartialEq)]
pub struct DitConfig {
    #[config(default = 4)]
    pub latent_channels: usize,
    /// Side of the square latent.
    #[config(default = 16)]
    pub latent_size: usize,
    #[config(default = 2)]
    pub patch: usize,
    #[config(default = 192)]
    pub width: usize,
    #[config(default = 4)]
    pub depth: usize,
    #[config(default = 4)]
    pub heads: usize,
    /// MLP hidden width = `mlp_ratio * width`.
    #[config(default = 4)]
    pub mlp_ratio: usize,
    /// Size of the audio conditioning vector.
    #[config(default = 64)]
    pub audio_dims: usize,
    /// Number of style classes (visualizer families); 0 disables style conditioning.
    #[config(default = 8)]
    pub styles: usize,
    /// Sinusoidal features of the timestep.
    #[config(default = 128)]
    pub time_features: usize,
    /// Kernel of the convolution over the unpatchified output (odd); `None`: no convolution.
    #[config(default = "None")]
    pub output_conv: Option<usize>,
    /// Latent positions each patch's window reaches into its neighbours on every side (at most
    /// `patch`); `None` (an Option so that presets and runs without it still parse): 0, the
    /// patches do not overlap.
    #[config(default = "None")]
    pub patch_overlap: Option<usize>,
    /// Kernel (odd) of a depthwise convolution over the token grid on each block's MLP hidden
    /// layer, added to it as a zero-initialised residual; `None`: none.
    #[config(default = "None")]
    pub mlp_conv: Option<usize>,
}

/// LayerNorm without learned affine (the modulation supplies shift and scale).
pub const NORM_EPSILON: f32 = 1e-6;
/// Period scale of the sinusoidal timestep features (as in the transformer's positions).
pub const MAX_PERIOD: f32 = 10_000.0;

#[derive(Module, Debug)]
pub struct DitBlock {
    /// conditioning -> (shift, scale, gate) for attention then for the MLP: 6 x width.
    pub modulation: Linear,
    pub query: Linear,
    pub key: Linear,
    pub value: Linear,
    pub attention_out: Linear,
    pub mlp_in: Linear,
    /// Depthwise convolution over the token grid on the MLP's hidden layer (`mlp_conv`).
    pub mlp_conv: Option<Conv2d>,
    pub mlp_out: Linear,
}

#[derive(Module, Debug)]
pub struct Dit {
    pub patch_embed: Linear,
    /// `[tokens, width]`.
    pub position: Param<Tensor<2>>,
    pub time_in: Linear,
    pub time_out: Linear,
    pub audio_in: Linear,
    pub audio_out: Linear,
    /// One-hot style -> width (an embedding table as a bias-free linear); absent without styles.
    pub style: Option<Linear>,
    pub blocks: Vec<DitBlock>,
    /// conditioning -> (shift, scale) of the final norm: 2 x width.
    pub final_modulation: Linear,
    pub final_proj: Linear,
    /// Convolution over the unpatchified output, across the patch seams (`output_conv`).
    pub output_conv: Option<Conv2d>,
    pub heads: usize,
    pub patch: usize,
    pub patch_overlap: usize,
    pub latent_channels: usize,
    pub latent_size: usize,
    pub time_features: usize,
}

impl DitBlock {
    /// A copy of this block that passes its input through until trained: its adaLN-zero
    /// modulation is zeroed (no shift, scale or gate), its attention and MLP keep this block's
    /// weights. How a DiT grows in depth without losing its predictions; no random numbers are
    /// drawn, so a run's held-out noise stays the one its source run drew.
    pub fn identity_copy(&self) -> Self {
        let mut copy = self.clone().map(&mut FreshParamIds);
        copy.modulation.weight = zeros_like(&self.modulation.weight);
        copy.modulation.bias = self.modulation.bias.as_ref().map(zeros_like);
        copy
    }
}

/// A new parameter of zeros shaped like `param`, on its device.
fn zeros_like<const D: usize>(param: &Param<Tensor<D>>) -> Param<Tensor<D>> {
    let value = param.val();
    Param::from_tensor(Tensor::zeros(value.dims(), &value.device()))
}

/// Gives every float parameter a new id: a clone shares its source's ids, and an optimiser
/// would then treat the two as one parameter.
struct FreshParamIds;

impl burn::module::ModuleMapper for FreshParamIds {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        Param::from_tensor(param.val().detach())
    }
}

fn linear(input: usize, output: usize, device: &Device) -> Linear {
    LinearConfig::new(input, output).init(device)
}

/// A linear layer whose weight and bias start at zero (adaLN-zero; the output projection).
fn zero_linear(input: usize, output: usize, device: &Device) -> Linear {
    let mut layer = linear(input, output, device);
    layer.weight = Param::from_tensor(Tensor::zeros([input, output], device));
    layer.bias = Some(Param::from_tensor(Tensor::zeros([output], device)));
    layer
}

/// A depthwise `kernel`x`kernel` convolution over `channels` whose weights and bias start at
/// zero: as a residual branch it changes nothing until training moves it, so it can be added to
/// a trained DiT.
pub fn zero_depthwise_conv(channels: usize, kernel: usize, device: &Device) -> Conv2d {
    let pad = kernel / 2;
    let mut conv = Conv2dConfig::new([channels, channels], [kernel, kernel])
        .with_groups(channels)
        .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
        .init(device);
    conv.weight = Param::from_tensor(Tensor::zeros([channels, 1, kernel, kernel], device));
    conv.bias = Some(Param::from_tensor(Tensor::zeros([channels], device)));
    conv
}

/// A `kernel`x`kernel` convolution over `channels` that starts as the identity, so adding it to
/// a trained DiT changes nothing until fine-tuning moves it.
pub fn identity_conv(channels: usize, kernel: usize, device: &Device) -> Conv2d {
    let mut conv = super::layers::conv(channels, channels, kernel, 1, device);
    let mut weight = vec![0.0f32; channels * channels * kernel * kernel];
    let center = kernel / 2 * kernel + kernel / 2;
    for c in 0..channels {
        weight[(c * channels + c) * kernel * kernel + center] = 1.0;
    }
    conv.weight = Param::from_tensor(
        Tensor::<1>::from_floats(weight.as_slice(), device)
            .reshape([channels, channels, kernel, kernel]),
    );
    conv.bias = Some(Param::from_tensor(Tensor::zeros([channels], device)));
    conv
}

impl DitConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.patch == 0 || !self.latent_size.is_multiple_of(self.patch) {
            return Err(format!(
                "patch {} must divide the latent size {}",
                self.patch, self.latent_size
            ));
        }
        if self.heads == 0 || !self.width.is_multiple_of(self.heads) {
            return Err(format!(
                "width {} must be a multiple of heads {}",
                self.width, self.heads
            ));
        }
        if self.output_conv.is_some_and(|k| k.is_multiple_of(2)) {
            return Err("output_conv must be an odd kernel size".into());
        }
        if self.mlp_conv.is_some_and(|k| k.is_multiple_of(2)) {
            return Err("mlp_conv must be an odd kernel size".into());
        }
        if self.overlap() > self.patch {
            return Err(format!(
                "patch_overlap {} must not exceed the patch {}",
                self.overlap(),
                self.patch
            ));
        }
        if self.depth == 0
            || self.latent_channels == 0
            || self.audio_dims == 0
            || self.mlp_ratio == 0
            || self.time_features < 2
            || !self.time_features.is_multiple_of(2)
        {
            return Err(
                "depth, channels, audio_dims and mlp_ratio must be positive and time_features even"
                    .into(),
            );
        }
        Ok(())
    }

    /// Width of each block's MLP hidden layer.
    pub fn mlp_hidden(&self) -> usize {
        self.mlp_ratio * self.width
    }

    pub fn tokens(&self) -> usize {
        (self.latent_size / self.patch).pow(2)
    }

    /// `patch_overlap`, 0 when unset.
    pub fn overlap(&self) -> usize {
        self.patch_overlap.unwrap_or(0)
    }

    pub fn init(&self, device: &Device) -> Dit {
        let width = self.width;
        let window = self.patch + 2 * self.overlap();
        let patch_dims = self.latent_channels * window * window;
        let hidden = self.mlp_hidden();
        let blocks = (0..self.depth)
            .map(|_| DitBlock {
                modulation: zero_linear(width, 6 * width, device),
                query: linear(width, width, device),
                key: linear(width, width, device),
                value: linear(width, width, device),
                attention_out: linear(width, width, device),
                mlp_in: linear(width, hidden, device),
                mlp_conv: self
                    .mlp_conv
                    .map(|kernel| zero_depthwise_conv(hidden, kernel, device)),
                mlp_out: linear(hidden, width, device),
            })
            .collect();
        Dit {
            patch_embed: linear(patch_dims, width, device),
            position: Param::from_tensor(Tensor::random(
                [self.tokens(), width],
                burn::tensor::Distribution::Normal(0.0, 0.02),
                device,
            )),
            time_in: linear(self.time_features, width, device),
            time_out: linear(width, width, device),
            audio_in: linear(self.audio_dims, width, device),
            audio_out: linear(width, width, device),
            style: (self.styles > 0).then(|| {
                LinearConfig::new(self.styles, width)
                    .with_bias(false)
                    .init(device)
            }),
            blocks,
            final_modulation: zero_linear(width, 2 * width, device),
            final_proj: zero_linear(width, patch_dims, device),
            output_conv: self
                .output_conv
                .map(|kernel| identity_conv(self.latent_channels, kernel, device)),
            heads: self.heads,
            patch: self.patch,
            patch_overlap: self.overlap(),
            latent_channels: self.latent_channels,
            latent_size: self.latent_size,
            time_features: self.time_features,
        }
    }
}

/// The frequencies of the sinusoidal timestep features: `MAX_PERIOD^(-i / half)`.
pub fn time_frequencies(features: usize) -> Vec<f32> {
    let half = features / 2;
    (0..half)
        .map(|i| (-(MAX_PERIOD.ln()) * i as f32 / half as f32).exp())
        .collect()
}

/// LayerNorm over the last dimension, no affine.
fn normalize(x: Tensor<3>) -> Tensor<3> {
    let mean = x.clone().mean_dim(2);
    let centered = x - mean;
    let variance = centered.clone().square().mean_dim(2);
    centered / variance.add_scalar(NORM_EPSILON).sqrt()
}

/// `norm(x) * (1 + scale) + shift` with `[batch, width]` shift and scale.
fn modulate(x: Tensor<3>, shift: Tensor<2>, scale: Tensor<2>) -> Tensor<3> {
    normalize(x) * scale.add_scalar(1.0).unsqueeze_dim(1) + shift.unsqueeze_dim(1)
}

/// Chunk `k` of `width` columns of a `[batch, n * width]` modulation.
fn chunk(modulation: &Tensor<2>, k: usize, width: usize) -> Tensor<2> {
    modulation.clone().narrow(1, k * width, width)
}

/// `conv` over `[batch, tokens, features]` tokens laid out as their `grid`x`grid` patches.
fn token_grid_conv(conv: &Conv2d, tokens: Tensor<3>, grid: usize) -> Tensor<3> {
    let [batch, count, features] = tokens.dims();
    let image = tokens
        .swap_dims(1, 2)
        .reshape([batch, features, grid, grid]);
    conv.forward(image)
        .reshape([batch, features, count])
        .swap_dims(1, 2)
}

impl DitBlock {
    /// `grid`: side of the square token grid (tokens in row-major order).
    fn forward(&self, x: Tensor<3>, condition: Tensor<2>, heads: usize, grid: usize) -> Tensor<3> {
        let width = x.dims()[2];
        let m = self.modulation.forward(silu(condition));
        let h = modulate(x.clone(), chunk(&m, 0, width), chunk(&m, 1, width));
        let x = x + self.attention(h, heads) * chunk(&m, 2, width).unsqueeze_dim(1);
        let h = modulate(x.clone(), chunk(&m, 3, width), chunk(&m, 4, width));
        let hidden = self.mlp_in.forward(h);
        let hidden = match &self.mlp_conv {
            Some(conv) => hidden.clone() + token_grid_conv(conv, hidden, grid),
            None => hidden,
        };
        let mlp = self.mlp_out.forward(silu(hidden));
        x + mlp * chunk(&m, 5, width).unsqueeze_dim(1)
    }

    fn attention(&self, h: Tensor<3>, heads: usize) -> Tensor<3> {
        let [batch, tokens, width] = h.dims();
        let head_dims = width / heads;
        let split = |t: Tensor<3>| -> Tensor<4> {
            t.reshape([batch, tokens, heads, head_dims]).swap_dims(1, 2)
        };
        let q = split(self.query.forward(h.clone()));
        let k = split(self.key.forward(h.clone()));
        let v = split(self.value.forward(h));
        let scores = q
            .matmul(k.swap_dims(2, 3))
            .mul_scalar(1.0 / (head_dims as f32).sqrt());
        let mixed = softmax(scores, 3).matmul(v);
        self.attention_out
            .forward(mixed.swap_dims(1, 2).reshape([batch, tokens, width]))
    }
}

impl Dit {
    /// `[batch, C, S, S]` -> `[batch, tokens, C * p * p]`, tokens in row-major patch order.
    pub fn patchify(&self, x: Tensor<4>) -> Tensor<3> {
        let [batch, c, s, _] = x.dims();
        let (p, n) = (self.patch, s / self.patch);
        x.reshape([batch, c, n, p, n, p])
            .permute([0, 2, 4, 1, 3, 5])
            .reshape([batch, n * n, c * p * p])
    }

    /// The inverse of [`Self::patchify`].
    pub fn unpatchify(&self, tokens: Tensor<3>) -> Tensor<4> {
        let batch = tokens.dims()[0];
        let (p, c, s) = (self.patch, self.latent_channels, self.latent_size);
        let n = s / p;
        tokens
            .reshape([batch, n, n, c, p, p])
            .permute([0, 3, 1, 4, 2, 5])
            .reshape([batch, c, s, s])
    }

    /// Side of the latent window one token reads and writes.
    pub fn window(&self) -> usize {
        self.patch + 2 * self.patch_overlap
    }

    /// The patch embedding as a convolution kernel `[width, C, window, window]`: the linear
    /// layer's input is a window flattened like [`Self::patchify`] flattens a patch. The
    /// weights stay in a `Linear` so that runs without overlap keep their layout.
    pub fn embed_kernel(&self) -> Tensor<4> {
        self.window_kernel(self.patch_embed.weight.val().transpose())
    }

    /// The output projection as a transposed-convolution kernel `[width, C, window, window]`.
    pub fn output_kernel(&self) -> Tensor<4> {
        self.window_kernel(self.final_proj.weight.val())
    }

    /// `[width, C * window * window]` weights (a window flattened like a patch) as a kernel.
    fn window_kernel(&self, weight: Tensor<2>) -> Tensor<4> {
        let [width, _] = weight.dims();
        let k = self.window();
        weight.reshape([width, self.latent_channels, k, k])
    }

    /// Stride and padding of the overlapping windows: one patch apart, reaching `patch_overlap`
    /// past the latent's edge (zero padding), so there are as many tokens as patches.
    pub fn window_geometry(&self) -> ([usize; 2], [usize; 2]) {
        ([self.patch; 2], [self.patch_overlap; 2])
    }

    fn transposed_options(&self) -> ConvTransposeOptions<2> {
        let (stride, padding) = self.window_geometry();
        ConvTransposeOptions::new(stride, padding, [0, 0], [1, 1], 1)
    }

    /// `[batch, C, S, S]` -> `[batch, tokens, width]` through overlapping windows.
    fn embed_overlapping(&self, latent: Tensor<4>) -> Tensor<3> {
        let batch = latent.dims()[0];
        let (stride, padding) = self.window_geometry();
        let kernel = self.embed_kernel();
        let width = kernel.dims()[0];
        let bias = self.patch_embed.bias.as_ref().map(|b| b.val());
        let grid = conv2d(
            latent,
            kernel,
            bias,
            ConvOptions::new(stride, padding, [1, 1], 1),
        );
        let n = grid.dims()[2];
        grid.reshape([batch, width, n * n]).swap_dims(1, 2)
    }

    /// The output projection's bias summed where the windows overlap: `[1, C, S, S]`, the same
    /// for every input (each token adds its bias window where it writes).
    pub fn output_bias_map(&self) -> Tensor<4> {
        let k = self.window();
        let n = self.latent_size / self.patch;
        let device = self.position.val().device();
        let bias = match &self.final_proj.bias {
            Some(bias) => bias.val().reshape([1, self.latent_channels, k, k]),
            None => Tensor::zeros([1, self.latent_channels, k, k], &device),
        };
        conv_transpose2d(
            Tensor::ones([1, 1, n, n], &device),
            bias,
            None,
            self.transposed_options(),
        )
    }

    /// `[batch, tokens, width]` -> `[batch, C, S, S]`, each token writing its window and the
    /// overlaps summed.
    fn unembed_overlapping(&self, h: Tensor<3>) -> Tensor<4> {
        let [batch, tokens, width] = h.dims();
        let n = self.latent_size / self.patch;
        let grid = h.swap_dims(1, 2).reshape([batch, width, n, n]);
        debug_assert_eq!(tokens, n * n);
        conv_transpose2d(grid, self.output_kernel(), None, self.transposed_options())
            + self.output_bias_map()
    }

    /// Sinusoidal features `[cos(t f_i), sin(t f_i)]` of `[batch]` timesteps.
    pub fn time_features(&self, t: Tensor<1>) -> Tensor<2> {
        let frequencies =
            Tensor::<1>::from_floats(time_frequencies(self.time_features).as_slice(), &t.device());
        let args = t.unsqueeze_dim::<2>(1) * frequencies.unsqueeze_dim(0);
        Tensor::cat(vec![args.clone().cos(), args.sin()], 1)
    }

    /// The conditioning vector `[batch, width]`.
    pub fn condition(&self, t: Tensor<1>, audio: Tensor<2>, style: Tensor<2>) -> Tensor<2> {
        let time = self
            .time_out
            .forward(silu(self.time_in.forward(self.time_features(t))));
        let audio = self.audio_out.forward(silu(self.audio_in.forward(audio)));
        match &self.style {
            Some(embed) => time + audio + embed.forward(style),
            None => time + audio,
        }
    }

    /// Predicts v for the noisy latent.
    ///
    /// # Shapes
    /// - latent: `[batch, C, S, S]` (unit-variance latent space, noised)
    /// - t: `[batch]` timesteps as floats in `0..train_steps`
    /// - audio: `[batch, audio_dims]` (zeros = unconditional)
    /// - style: `[batch, styles]` one-hot (zeros = any style); ignored without styles
    /// - returns `[batch, C, S, S]`
    pub fn forward(
        &self,
        latent: Tensor<4>,
        t: Tensor<1>,
        audio: Tensor<2>,
        style: Tensor<2>,
    ) -> Tensor<4> {
        let condition = self.condition(t, audio, style);
        let embedded = if self.patch_overlap == 0 {
            self.patch_embed.forward(self.patchify(latent))
        } else {
            self.embed_overlapping(latent)
        };
        let mut x = embedded + self.position.val().unsqueeze_dim(0);
        let grid = self.latent_size / self.patch;
        for block in &self.blocks {
            x = block.forward(x, condition.clone(), self.heads, grid);
        }
        let width = x.dims()[2];
        let m = self.final_modulation.forward(silu(condition));
        let h = modulate(x, chunk(&m, 0, width), chunk(&m, 1, width));
        let v = if self.patch_overlap == 0 {
            self.unpatchify(self.final_proj.forward(h))
        } else {
            self.unembed_overlapping(h)
        };
        match &self.output_conv {
            Some(conv) => conv.forward(v),
            None => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> DitConfig {
        DitConfig::new()
            .with_width(32)
            .with_depth(2)
            .with_heads(2)
            .with_latent_size(8)
            .with_audio_dims(6)
            .with_styles(3)
            .with_time_features(8)
    }

    #[test]
    fn patchify_round_trips_and_orders_tokens_row_major() {
        let device = Device::flex();
        let dit = small().init(&device);
        let x = Tensor::<4>::random([2, 4, 8, 8], burn::tensor::Distribution::Default, &device);
        let tokens = dit.patchify(x.clone());
        assert_eq!(tokens.dims(), [2, 16, 16]);
        let back = dit.unpatchify(tokens.clone());
        assert_eq!(
            crate::training::batch::to_vec(back),
            crate::training::batch::to_vec(x.clone())
        );
        // Token 1 is the patch at rows 0..2, columns 2..4; its first entry is channel 0, (0, 2).
        let t1 = crate::training::batch::to_vec(tokens.narrow(1, 1, 1).narrow(0, 0, 1));
        let x002 = crate::training::batch::to_vec(x.narrow(0, 0, 1).narrow(1, 0, 1))[2];
        assert_eq!(t1[0], x002);
    }

    /// A small DiT with a random output projection (a fresh one's is zero, which would make
    /// every comparison 0 = 0), and its forward pass on fixed random inputs.
    fn small_with_output(device: &Device) -> (Dit, impl Fn(&Dit) -> Vec<f32>) {
        let mut dit = small().init(device);
        dit.final_proj.weight = Param::from_tensor(Tensor::random(
            dit.final_proj.weight.val().dims(),
            burn::tensor::Distribution::Normal(0.0, 0.5),
            device,
        ));
        let latent = Tensor::<4>::random([2, 4, 8, 8], burn::tensor::Distribution::Default, device);
        let t = Tensor::<1>::from_floats([10.0, 900.0], device);
        let audio = Tensor::<2>::random([2, 6], burn::tensor::Distribution::Default, device);
        let style = Tensor::<2>::zeros([2, 3], device);
        let run = move |dit: &Dit| {
            crate::training::batch::to_vec(dit.forward(
                latent.clone(),
                t.clone(),
                audio.clone(),
                style.clone(),
            ))
        };
        (dit, run)
    }

    /// Sets a block's modulation bias to one, so its gates pass its attention and MLP through.
    fn open_gates(block: &mut DitBlock) {
        let bias = block.modulation.bias.as_ref().unwrap().val();
        block.modulation.bias = Some(Param::from_tensor(bias.ones_like()));
    }

    #[test]
    fn an_identity_output_convolution_changes_nothing_until_trained() {
        let device = Device::flex();
        let (mut dit, run) = small_with_output(&device);
        let plain = run(&dit);
        assert!(plain.iter().any(|v| v.abs() > 1e-3));
        dit.output_conv = Some(identity_conv(4, 3, &device));
        let with_identity = run(&dit);
        let max_diff = plain
            .iter()
            .zip(&with_identity)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(max_diff < 1e-6, "{max_diff}");
        // A convolution that is not the identity does change the output.
        dit.output_conv = Some(crate::model::layers::conv(4, 4, 3, 1, &device));
        assert_ne!(run(&dit), plain);
        assert!(small().with_output_conv(Some(2)).validate().is_err());
    }

    #[test]
    fn a_zero_mlp_convolution_changes_nothing_until_trained() {
        let device = Device::flex();
        let (mut dit, run) = small_with_output(&device);
        // Open every block's gates, so the MLPs reach the output.
        for block in &mut dit.blocks {
            open_gates(block);
        }
        let plain = run(&dit);
        let hidden = 4 * 32;
        for block in &mut dit.blocks {
            block.mlp_conv = Some(zero_depthwise_conv(hidden, 3, &device));
        }
        assert_eq!(run(&dit), plain);
        for block in &mut dit.blocks {
            let conv = block.mlp_conv.as_mut().unwrap();
            conv.weight = Param::from_tensor(Tensor::ones([hidden, 1, 3, 3], &device));
        }
        assert_ne!(run(&dit), plain);
        assert!(small().with_mlp_conv(Some(2)).validate().is_err());
    }

    #[test]
    fn an_identity_copy_of_a_block_changes_nothing_until_trained() {
        let device = Device::flex();
        let (mut dit, run) = small_with_output(&device);
        for block in &mut dit.blocks {
            open_gates(block);
        }
        let plain = run(&dit);
        let mut copy = dit.blocks[1].identity_copy();
        // Its own parameters: an optimiser must not mistake them for the source block's.
        assert_ne!(copy.query.weight.id, dit.blocks[1].query.weight.id);
        assert_eq!(
            copy.query.weight.val().into_data(),
            dit.blocks[1].query.weight.val().into_data()
        );
        open_gates(&mut copy);
        dit.blocks.push(dit.blocks[1].identity_copy());
        assert_eq!(run(&dit), plain);
        // Opened, the copy is a block like any other.
        dit.blocks.push(copy);
        assert_ne!(run(&dit), plain);
    }

    #[test]
    fn the_token_grid_is_the_patches_in_row_major_order() {
        let device = Device::flex();
        // A kernel whose only weight, at the left of its centre, moves every token one
        // column to the right (cross-correlation): token (r, c) receives token (r, c - 1).
        let mut conv = zero_depthwise_conv(1, 3, &device);
        let mut weight = [0.0f32; 9];
        weight[3] = 1.0;
        conv.weight = Param::from_tensor(
            Tensor::<1>::from_floats(weight.as_slice(), &device).reshape([1, 1, 3, 3]),
        );
        let values: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let tokens = Tensor::<1>::from_floats(values.as_slice(), &device).reshape([1, 9, 1]);
        let moved = crate::training::batch::to_vec(token_grid_conv(&conv, tokens, 3));
        assert_eq!(moved, [0.0, 1.0, 2.0, 0.0, 4.0, 5.0, 0.0, 7.0, 8.0]);
    }

    fn randomize(linear: &mut Linear, device: &Device) {
        let normal = burn::tensor::Distribution::Normal(0.0, 0.5);
        linear.weight =
            Param::from_tensor(Tensor::random(linear.weight.val().dims(), normal, device));
        let bias_dims = linear.bias.as_ref().map(|bias| bias.val().dims());
        linear.bias =
            bias_dims.map(|dims| Param::from_tensor(Tensor::random(dims, normal, device)));
    }

    fn max_difference(a: Tensor<4>, b: Tensor<4>) -> f32 {
        crate::training::batch::to_vec((a - b).abs().max())[0]
    }

    #[test]
    fn windows_without_overlap_are_the_patches() {
        // The overlapping path's kernels read the linear layers' weights in patchify's order:
        // with no overlap it must compute exactly what the patch path computes.
        let device = Device::flex();
        let mut dit = small().with_patch(2).init(&device);
        randomize(&mut dit.patch_embed, &device);
        randomize(&mut dit.final_proj, &device);
        let latent =
            Tensor::<4>::random([2, 4, 8, 8], burn::tensor::Distribution::Default, &device);
        let by_patches = dit.patch_embed.forward(dit.patchify(latent.clone()));
        let by_windows = dit.embed_overlapping(latent);
        let tokens_difference =
            crate::training::batch::to_vec((by_patches.clone() - by_windows).abs().max())[0];
        assert!(tokens_difference < 1e-5, "{tokens_difference}");
        let out_patches = dit.unpatchify(dit.final_proj.forward(by_patches.clone()));
        let out_windows = dit.unembed_overlapping(by_patches);
        let out_difference = max_difference(out_patches, out_windows);
        assert!(out_difference < 1e-5, "{out_difference}");
    }

    #[test]
    fn overlapping_windows_reach_exactly_into_the_neighbouring_patches() {
        let device = Device::flex();
        // 8x8 latent, 2x2 patches reaching 1 position further: 4x4 windows, 16 tokens.
        let config = small().with_patch(2).with_patch_overlap(Some(1));
        let mut dit = config.init(&device);
        assert_eq!(dit.position.val().dims(), [16, 32]);
        randomize(&mut dit.patch_embed, &device);
        randomize(&mut dit.final_proj, &device);

        // Reading: latent position (3, 3) lies in the windows of the tokens whose patches
        // start at rows/columns 2 and 4 (windows 1..5 and 3..7), tokens (1|2, 1|2).
        let latent =
            Tensor::<4>::random([1, 4, 8, 8], burn::tensor::Distribution::Default, &device);
        let mut poked = crate::training::batch::to_vec(latent.clone());
        poked[3 * 8 + 3] += 1.0;
        let poked = Tensor::<1>::from_floats(poked.as_slice(), &device).reshape([1, 4, 8, 8]);
        let a = crate::training::batch::to_vec(dit.embed_overlapping(latent));
        let b = crate::training::batch::to_vec(dit.embed_overlapping(poked));
        let changed: Vec<usize> = (0..16)
            .filter(|token| (0..32).any(|i| (a[token * 32 + i] - b[token * 32 + i]).abs() > 1e-6))
            .collect();
        assert_eq!(changed, vec![5, 6, 9, 10]);

        // Writing: token 5 (patch rows/columns 2..4) writes rows/columns 1..5 and nothing else.
        let h = Tensor::<3>::random([1, 16, 32], burn::tensor::Distribution::Default, &device);
        let mut bumped = crate::training::batch::to_vec(h.clone());
        for value in &mut bumped[5 * 32..6 * 32] {
            *value += 1.0;
        }
        let bumped = Tensor::<1>::from_floats(bumped.as_slice(), &device).reshape([1, 16, 32]);
        let a = crate::training::batch::to_vec(dit.unembed_overlapping(h));
        let b = crate::training::batch::to_vec(dit.unembed_overlapping(bumped));
        for channel in 0..4 {
            for row in 0..8 {
                for column in 0..8 {
                    let i = (channel * 8 + row) * 8 + column;
                    let inside = (1..5).contains(&row) && (1..5).contains(&column);
                    assert_eq!(
                        (a[i] - b[i]).abs() > 1e-6,
                        inside,
                        "channel {channel} ({row}, {column})"
                    );
                }
            }
        }
        // The bias adds up where windows overlap: corners are covered once, the inside 4 times.
        let bias_map = crate::training::batch::to_vec(dit.output_bias_map());
        let bias = crate::training::batch::to_vec(dit.final_proj.bias.clone().unwrap().val());
        // Position (0, 0) of channel 0 is window offset (1, 1) of token 0 only.
        assert!((bias_map[0] - bias[5]).abs() < 1e-6);
        assert!(
            small()
                .with_patch(2)
                .with_patch_overlap(Some(3))
                .validate()
                .is_err()
        );
    }

    #[test]
    fn a_fresh_dit_predicts_zero_and_conditioning_reaches_it_once_trained() {
        let device = Device::flex();
        let dit = small().init(&device);
        let latent =
            Tensor::<4>::random([2, 4, 8, 8], burn::tensor::Distribution::Default, &device);
        let t = Tensor::<1>::from_floats([10.0, 900.0], &device);
        let audio = Tensor::<2>::random([2, 6], burn::tensor::Distribution::Default, &device);
        let style = Tensor::<2>::zeros([2, 3], &device);
        let v = dit.forward(latent, t, audio.clone(), style.clone());
        assert_eq!(v.dims(), [2, 4, 8, 8]);
        // adaLN-zero: the output projection starts at zero.
        let max = crate::training::batch::to_vec(v.abs().max());
        assert_eq!(max, [0.0]);
        // The conditioning differs per timestep and per audio vector.
        let c = dit.condition(Tensor::from_floats([10.0, 10.0], &device), audio, style);
        let c = crate::training::batch::to_vec(c);
        assert!(
            c[..32]
                .iter()
                .zip(&c[32..])
                .any(|(a, b)| (a - b).abs() > 1e-4)
        );
    }
}
