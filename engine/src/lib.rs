//! Synesthete's host-agnostic engine: the audio ring the plugin feeds, the audio features, the
//! ONNX Runtime plumbing, and (as the product grows) generation, post-processing and outputs.
//! Everything the trainer and the plugin must agree on is defined here, once.

#[cfg(feature = "cli")]
pub mod audio_file;
pub mod automation;
pub mod demo;
pub mod diffusion;
pub mod features;
pub mod generation;
pub mod latent_map;
pub mod live;
pub mod manifest;
pub mod output;
pub mod params;
#[cfg(feature = "gpu")]
pub mod post;
pub mod resources;
pub mod ring;
pub mod runtime;
pub mod transport;
