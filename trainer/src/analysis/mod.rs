//! Measuring and looking at the audio encoder's latent space (issue 7): KL per level, active
//! dimensions and the Mutual Information Gap against the music engine's true factors, PCA maps
//! coloured by each factor, per-dimension traversals and interpolations between clips.
//!
//! An encoder reports one or more named levels ([`levels::LevelEncoder`]); the flat audio
//! beta-VAE is one level, `flat`, and the tables grow a column per level.

pub mod factors;
pub mod frames;
pub mod interpolation;
pub mod levels;
pub mod metrics;
pub mod mutual_info;
pub mod pca_map;
pub mod report;
pub mod sheet;
pub mod traversal;
