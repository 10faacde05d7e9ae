//! Synesthete's trainer: the procedural audio/visual data engine, the models, training, ONNX
//! export and evaluation.

pub mod analysis;
pub mod data;
pub mod eval;
pub mod export;
pub mod model;
pub mod pipeline;
pub mod plots;
pub mod training;
