//! Turning audio into pictures with a model set: ONNX Runtime sessions for the audio encoder,
//! the DiT and the VAE decoder (`models`), seeded initial noise (`noise`), and the guided DDIM
//! loop (`sample`). The plugin's worker thread and the trainer's evaluation both run this code.

pub mod models;
pub mod noise;
pub mod render;
pub mod sample;

pub use models::{GenerationError, Models};
pub use render::{render_clip, to_rgb8};
pub use sample::{SampleSettings, sample_latent};
