//! Synesthete's trainer: the procedural audio/visual data engine, the models, training, ONNX
//! export and evaluation.

pub mod data;
pub mod export;
pub mod model;
pub mod plots;
pub mod training;
