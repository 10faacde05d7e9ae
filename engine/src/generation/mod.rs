//! Turning audio into pictures with a model set: ONNX Runtime sessions for the audio encoder,
//! the DiT and the VAE decoder (`models`), seeded initial noise (`noise`) and its drift over time
//! (`coherence`), the guided DDIM loop (`sample`), one frame from one audio window (`frame`),
//! whole clips (`render`) and the execution-provider choice (`provider`). The plugin's engine
//! thread, `synesthete render` and the trainer's evaluation all run this code.

pub mod coherence;
pub mod frame;
pub mod models;
pub mod noise;
pub mod provider;
pub mod render;
pub mod sample;

pub use frame::{FrameGenerator, StageTimes};
pub use models::{GenerationError, Models};
pub use render::{fixed_noise_params, render_clip, to_rgb8};
pub use sample::{SampleSettings, sample_latent};
