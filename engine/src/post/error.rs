//! What can go wrong on the GPU side, worded for the person who has to fix it.

/// Errors from [`super::PostProcessor`]; none of them panics, and after any but
/// [`PostError::InputLength`] the caller may drop the processor and build a new one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PostError {
    #[error(
        "no GPU adapter ({0}); install a Vulkan driver such as Mesa's lavapipe \
         (apt install mesa-vulkan-drivers), or try WGPU_BACKEND=gl"
    )]
    NoAdapter(String),
    #[error("the GPU adapter {adapter} refused to open a device: {reason}")]
    NoDevice { adapter: String, reason: String },
    #[error("invalid post-processing size: {0}")]
    InvalidSize(String),
    #[error("frame has {got} values, expected {expected} (3 x {size} x {size}, planar RGB)")]
    InputLength {
        expected: usize,
        got: usize,
        size: u32,
    },
    #[error("GPU error: {0}")]
    Gpu(String),
    #[error("GPU device lost: {0}; create a new post processor")]
    DeviceLost(String),
    #[error("reading the frame back from the GPU failed: {0}")]
    Readback(String),
}
