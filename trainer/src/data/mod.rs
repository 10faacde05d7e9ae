//! The infinite audio/visual data engine: procedural music, audio-reactive visualizers, and the
//! streaming dataset that pairs them.

pub mod cache;
pub mod dataset;
pub mod music;
pub mod preview;
pub mod synth;
pub mod visualizers;
