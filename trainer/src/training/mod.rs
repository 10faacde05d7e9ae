//! Training: configs, the beta-VAE loop with its latent diagnostics, the DiT loop (and its
//! regression baseline), logs and checkpoints.

pub mod audio_latents;
pub mod batch;
pub mod checkpoint;
pub mod conditioning;
pub mod config;
pub mod detail_loss;
pub mod diagnostics;
pub mod dit_loop;
pub mod ema;
pub mod inspect;
pub mod metrics_log;
pub mod progress;
pub mod run_files;
pub mod schedule;
pub mod seeding;
pub mod slowness;
pub mod tasks;
pub mod vae_loop;
