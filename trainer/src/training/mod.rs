//! Training: configs, the beta-VAE loop with its latent diagnostics, logs and checkpoints.

pub mod audio_latents;
pub mod batch;
pub mod checkpoint;
pub mod config;
pub mod diagnostics;
pub mod inspect;
pub mod metrics_log;
pub mod schedule;
pub mod tasks;
pub mod vae_loop;
