//! GPU post-processing with wgpu: the model's small square frame in, the picture the VJ software
//! gets out.
//!
//! Two full-screen passes per frame (`shader.wgsl`): cover-fit upscale with zoom (separable
//! bicubic Catmull-Rom, mirrored outside the frame), hue / saturation / contrast / brightness,
//! feedback trails; then a readback into a reused CPU buffer as tightly packed RGBA8. Runs on
//! whatever adapter wgpu finds (Vulkan, Metal, DX12, or GL with `WGPU_BACKEND=gl`); on a machine
//! without a GPU, Mesa's lavapipe (`llvmpipe`) does it on the CPU.
//!
//! Lifecycle: [`PostProcessor::new`] once (builds every GPU resource), [`PostProcessor::process`]
//! per frame, [`PostProcessor::reset`] when the picture's history should be forgotten.

mod error;
mod gpu;
mod settings;
mod uniforms;

pub use error::PostError;
pub use gpu::PostProcessor;
pub use settings::PostSettings;
