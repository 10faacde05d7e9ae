//! The beta-VAE training loop shared by the image VAE and the audio encoder: reconstruction MSE
//! plus a free-bits KL under a beta schedule, with the latent diagnostics logged and held-out
//! evaluation, checkpoints and resume.

use std::path::Path;
use std::time::Instant;

use burn::optim::GradientsParams;
use burn::prelude::*;

use super::batch::to_vec;
use super::checkpoint::{self, Progress};
use super::config::VaeTrainConfig;
use super::detail_loss::detail_loss;
use super::diagnostics::{KlFigures, KlGroups, LatentStats, latent_stats, psnr};
use super::run_files::{self, OpenRun};
use super::schedule::cosine_learning_rate;
use super::seeding::seed_exclusively;
use super::slowness::PairMasks;
use crate::data::dataset::{DataConfig, Sample, samples_for_clip};
use crate::eval::metrics::sharpness_ratio;
use crate::model::BetaVae;

/// Held-out clips come from seeds far beyond any training stream.
pub const HELDOUT_SEED_OFFSET: u64 = 1 << 40;

/// The device training runs on: a GPU when built with `cuda`/`wgpu`, else burn's CPU backend.
pub fn training_device() -> Device {
    #[cfg(feature = "cuda")]
    return Device::cuda(0);
    #[cfg(all(feature = "wgpu", not(feature = "cuda")))]
    return Device::default();
    #[cfg(not(any(feature = "cuda", feature = "wgpu")))]
    Device::flex()
}

/// Deterministic held-out samples (disjoint seeds from training).
pub fn heldout_samples(data: &DataConfig, count: usize) -> Vec<Sample> {
    let config = DataConfig {
        seed: data.seed + HELDOUT_SEED_OFFSET,
        ..data.clone()
    };
    (0..)
        .flat_map(|clip| samples_for_clip(&config, clip))
        .take(count)
        .collect()
}

pub struct VaeRun<'a> {
    /// "image_vae" or "audio_vae" (log labels).
    pub name: &'a str,
    pub out_dir: &'a Path,
    pub train: &'a VaeTrainConfig,
    pub data: &'a DataConfig,
    /// Serialised model + training config, for resume checks and `config.json`.
    pub config_json: serde_json::Value,
    /// Value range of the data (1 for images in [0, 1], 2 for log-mel in [-1, 1]).
    pub peak: f32,
    /// Groups for per-group KL (latent channels for the image VAE, levels for a hierarchy).
    pub kl_groups: KlGroups,
    /// Whether the samples are RGB frames, whose reconstructions' sharpness is measured.
    pub rgb_frames: bool,
    /// Weights to start from in place of `train.init_from`'s (a decoder of other widths grafted
    /// onto that run's encoder). Not part of the configuration, so a resume does not depend on
    /// where they were written.
    pub start_weights: Option<&'a Path>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Evaluation {
    pub step: usize,
    pub heldout_psnr_db: f32,
    /// Mean variance of the Laplacian of the reconstructions ÷ that of the held-out frames (the
    /// evaluation suite's sharpness; RGB runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sharpness_ratio: Option<f64>,
    pub latent: LatentStats,
}

/// Trains (or resumes) and returns the trained model (on the plain device) and its last
/// held-out evaluation.
/// `to_train_tensor` builds training batches (it may crop); `to_eval_tensor` builds the
/// full-size held-out batch.
pub fn train<M, F, G>(
    run: VaeRun,
    init: impl Fn(&Device) -> M,
    to_train_tensor: F,
    to_eval_tensor: G,
) -> anyhow::Result<(M, Evaluation)>
where
    M: BetaVae + Clone,
    F: Fn(&[Sample], &Device) -> Tensor<4>,
    G: Fn(&[Sample], &Device) -> Tensor<4>,
{
    let base = training_device();
    let _generator = seed_exclusively(&base, run.train.seed);
    let device = base.clone().autodiff();
    let OpenRun {
        mut model,
        mut optim,
        start,
        mut log,
    } = run_files::open(
        run.name,
        run.out_dir,
        &run.config_json,
        run_files::initial_model(
            init(&device),
            run.start_weights.or(run.train.init_from.as_deref()),
        )?,
    )?;
    if run.train.freeze_encoder {
        // After `open`: a resumed checkpoint's parameters come back trainable.
        model = model.with_frozen_encoder()?;
    }
    let heldout = heldout_samples(run.data, run.train.eval_samples);
    let heldout_x = to_eval_tensor(&heldout, &base);
    let heldout_host = to_vec(heldout_x.clone());
    let mut stream = run_files::stream_from(run.data, start, run.train.batch_size);
    let progress = super::progress::bar(run.name, run.train.steps, start);
    let evaluate_at =
        |model: &M, step: usize| evaluate(&model.valid(), &heldout_x, &heldout_host, &run, step);
    let mut last_eval = evaluate_at(&model, start);
    if start == 0 {
        // The untrained baseline, so every curve starts from where training did.
        log.write(&serde_json::json!({ "model": run.name, "eval": &last_eval }))?;
    }
    let mut step_time = Instant::now();
    for step in start..run.train.steps {
        let batch = stream.next_batch(run.train.batch_size);
        let x = to_train_tensor(&batch, &device);
        let elements: usize = x.dims()[1..].iter().product();
        let (recon, mu, logvar) = model.forward_train(x.clone());
        let mse = (recon.clone() - x.clone()).square().mean();
        let prior_kl = model.prior_kl(mu.clone(), logvar);
        let kl_per_dim = prior_kl.per_dim.mean_dim(0);
        let kl_rest = prior_kl.rest.mean();
        let kl_free_bits =
            kl_per_dim.clone().clamp_min(run.train.free_bits).sum() + kl_rest.clone();
        let beta = run.train.beta.at(step);
        let mut loss = mse.clone() + kl_free_bits.clone().mul_scalar(beta / elements as f32);
        let detail = (run.train.detail_weight > 0.0).then(|| detail_loss(recon, x.clone()));
        if let Some(detail) = &detail {
            loss = loss + detail.clone().mul_scalar(run.train.detail_weight);
        }
        let scale_equivariance = (run.train.scale_equivariance_weight > 0.0)
            .then(|| model.scale_equivariance(mu.clone(), x))
            .flatten();
        if let Some(term) = &scale_equivariance {
            loss = loss + term.clone().mul_scalar(run.train.scale_equivariance_weight);
        }
        let regulariser = model.regulariser(mu, &PairMasks::of(&batch, &device));
        if let Some(term) = &regulariser {
            loss = loss + term.clone();
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let learning_rate = cosine_learning_rate(
            run.train.learning_rate,
            run.train.final_lr_fraction,
            step,
            run.train.steps,
        );
        model = optim.step(learning_rate, model, grads);

        let done = step + 1;
        if done % run.train.log_every == 0 || done == run.train.steps {
            let mse_value: f32 = mse.into_scalar();
            let ms_per_step = step_time.elapsed().as_secs_f64() * 1e3 / run.train.log_every as f64;
            step_time = Instant::now();
            let record = serde_json::json!({
                "model": run.name, "step": done, "mse": mse_value,
                "psnr_db": 10.0 * (run.peak * run.peak / mse_value.max(1e-12)).log10(),
                "kl_raw": (kl_per_dim.sum() + kl_rest).into_scalar::<f32>(), "kl_free_bits": kl_free_bits.into_scalar::<f32>(),
                "regulariser": regulariser.map(|t| t.into_scalar::<f32>()),
                "detail": detail.map(|t| t.into_scalar::<f32>()),
                "scale_equivariance": scale_equivariance.map(|t| t.into_scalar::<f32>()),
                "beta": beta, "learning_rate": learning_rate, "ms_per_step": ms_per_step,
            });
            log.write(&record)?;
            progress.set_message(format!(
                "psnr {:.1} dB, {ms_per_step:.0} ms/step",
                record["psnr_db"].as_f64().unwrap_or(0.0)
            ));
        }
        if done % run.train.eval_every == 0 || done == run.train.steps {
            last_eval = evaluate_at(&model, done);
            log.write(&serde_json::json!({ "model": run.name, "eval": &last_eval }))?;
            let sharpness = last_eval
                .sharpness_ratio
                .map(|ratio| format!(", sharpness {:.1}% of the data's", ratio * 100.0))
                .unwrap_or_default();
            progress.println(format!(
                "{} step {done}: held-out PSNR {:.2} dB{sharpness}, KL {:.1} nats, active {}/{}",
                run.name,
                last_eval.heldout_psnr_db,
                last_eval.latent.kl_raw,
                last_eval.latent.active_dims,
                last_eval.latent.dims
            ));
        }
        if done % run.train.checkpoint_every == 0 || done == run.train.steps {
            checkpoint::save(
                run.out_dir,
                &model,
                None,
                &optim,
                &Progress {
                    step: done,
                    config: run.config_json.clone(),
                },
            )?;
        }
        progress.inc(1);
    }
    progress.finish();
    let trained = run_files::finish(run.name, run.out_dir, model, &last_eval)?;
    Ok((trained, last_eval))
}

fn evaluate<M: BetaVae>(
    model: &M,
    x: &Tensor<4>,
    x_host: &[f32],
    run: &VaeRun,
    step: usize,
) -> Evaluation {
    let (recon, mu, logvar) = model.forward_mean(x.clone());
    let prior_kl = model.prior_kl(mu.clone(), logvar.clone());
    let kl = KlFigures {
        per_dim: to_vec(prior_kl.per_dim.mean_dim(0)),
        rest: prior_kl.rest.mean().into_scalar(),
    };
    let [batch, ..] = x.dims();
    let recon = to_vec(recon);
    Evaluation {
        step,
        heldout_psnr_db: psnr(&recon, x_host, run.peak),
        sharpness_ratio: run.rgb_frames.then(|| {
            let frame = x_host.len() / batch;
            sharpness_ratio(recon.chunks(frame), x_host.chunks(frame))
        }),
        latent: latent_stats(
            &to_vec(mu),
            &to_vec(logvar),
            &kl,
            run.train.free_bits,
            &run.kl_groups,
        ),
    }
}
