//! Layer helpers shared by the models; each maps to one ONNX op sequence in `crate::export`.

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::prelude::*;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};

/// Square convolution with "same"-style padding `k / 2` (ONNX Conv with symmetric pads).
pub fn conv(
    in_channels: usize,
    out_channels: usize,
    kernel: usize,
    stride: usize,
    device: &Device,
) -> Conv2d {
    let pad = kernel / 2;
    Conv2dConfig::new([in_channels, out_channels], [kernel, kernel])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
        .init(device)
}

/// Nearest-neighbour 2x upsampling (ONNX Resize, nearest, asymmetric/floor — the same mapping).
pub fn upsample2(x: Tensor<4>) -> Tensor<4> {
    let [_, _, h, w] = x.dims();
    let mut options = InterpolateOptions::new(InterpolateMode::Nearest);
    options.output_size = Some([2 * h, 2 * w]);
    interpolate(x, options)
}

/// Reparameterisation trick: z = mu + eps * exp(logvar / 2).
pub fn sample_latent<const D: usize>(mu: Tensor<D>, logvar: Tensor<D>) -> Tensor<D> {
    let eps = mu.random_like(burn::tensor::Distribution::Normal(0.0, 1.0));
    mu + eps * logvar.mul_scalar(0.5).exp()
}

/// Initial bias of the log-variance heads. Starting at logvar = 0 means unit-variance sampling
/// noise that swamps the young encoder's means, so the decoder first learns to ignore the
/// latent (grey, blurry output for hundreds of steps); -6 (std 0.05) lets it use the latent
/// from the start while the KL term is free to raise the variance later.
pub const LOGVAR_INIT_BIAS: f32 = -6.0;

/// A linear log-variance head whose bias starts at [`LOGVAR_INIT_BIAS`].
pub fn logvar_head(inputs: usize, outputs: usize, device: &Device) -> burn::nn::Linear {
    let mut head = burn::nn::LinearConfig::new(inputs, outputs).init(device);
    head.bias = Some(constant_bias(outputs, LOGVAR_INIT_BIAS, device));
    head
}

/// A bias parameter of `len` values all equal to `value`.
pub fn constant_bias(len: usize, value: f32, device: &Device) -> burn::module::Param<Tensor<1>> {
    burn::module::Param::from_tensor(Tensor::full([len], value, device))
}
