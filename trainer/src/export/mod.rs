//! ONNX export of the trainer's models and the model manifest.

pub mod audio_encoder;
pub mod dit;
pub mod image_vae;
pub mod latent_map;
pub mod model_set;
pub mod onnx_graph;
