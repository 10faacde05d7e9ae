//! Trains the DiT with the DDPM objective in v-prediction form, or — with the same network,
//! data and budget — the deterministic regression baseline the DiT exists to beat.
//!
//! The noise schedule and the v target come from the engine (`synesthete_engine::diffusion`),
//! the same code the plugin samples with.

use std::path::Path;
use std::time::Instant;

use burn::optim::GradientsParams;
use burn::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use synesthete_engine::diffusion::NoiseSchedule;
use synesthete_engine::diffusion::schedule::signal_noise;

use super::checkpoint::{self, Progress};
use super::conditioning::{Conditioner, DitBatch};
use super::config::{AudioVaeSection, DitSection};
use super::ema;
use super::run_files::{self, OpenRun};
use super::schedule::cosine_learning_rate;
use super::seeding::seed_exclusively;
use super::vae_loop::{heldout_samples, training_device};
use crate::data::dataset::DataConfig;
use crate::model::dit::{Dit, DitConfig, identity_conv, zero_depthwise_conv};

/// What the network learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Predict v from a noised latent (the diffusion model).
    Diffusion,
    /// Predict the clean latent from the conditions alone (zero latent input, fixed timestep):
    /// the MSE regression that averages the many valid pictures of one sound.
    Regression,
}

/// The timestep the regression baseline is always given (its latent input is zero).
pub fn regression_timestep(schedule: &NoiseSchedule) -> usize {
    schedule.train_steps - 1
}

/// `config.json` of a DiT (or regression) run: what was trained, and on which latent scale.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DitRunConfig {
    pub model: crate::model::dit::DitConfig,
    pub train: super::config::DitTrainConfig,
    pub objective: Objective,
    /// The image VAE's latent scale the run trained with; the export checks it still holds.
    pub latent_scale: f32,
    /// The audio encoder run whose codes it learned (export and evaluation refuse another one);
    /// `None` in runs made before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_encoder: Option<AudioVaeSection>,
}

impl DitRunConfig {
    /// What a run of `section` records (and resumes against): the one place its fields are filled.
    pub fn new(
        section: &DitSection,
        objective: Objective,
        latent_scale: f32,
        audio_encoder: &AudioVaeSection,
    ) -> Self {
        let mut train = section.train.clone();
        if objective == Objective::Regression {
            train.steps = train.regression_steps.unwrap_or(train.steps);
        }
        // Each run records its own budget in `steps`.
        train.regression_steps = None;
        Self {
            model: section.model.clone(),
            train,
            objective,
            latent_scale,
            audio_encoder: Some(audio_encoder.clone()),
        }
    }
}

pub struct DitRun<'a> {
    /// "dit" or "regression" (log labels).
    pub name: &'a str,
    pub out_dir: &'a Path,
    pub section: &'a DitSection,
    pub data: &'a DataConfig,
    pub conditioner: &'a Conditioner<'a>,
    /// The configuration of the audio encoder run behind `conditioner`, recorded in the run.
    pub audio_encoder: &'a AudioVaeSection,
    pub objective: Objective,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DitEvaluation {
    pub step: usize,
    /// The objective's MSE on held-out data, with fixed timesteps and noise, of the run's model
    /// (the weight average when the run keeps one).
    pub heldout_loss: f32,
    /// The same for the trained weights themselves, when the run keeps a weight average.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heldout_loss_without_ema: Option<f32>,
}

/// Per-sample randomness of one batch: timesteps and condition-dropout masks.
struct Draws {
    timesteps: Vec<usize>,
    keep_audio: Vec<f32>,
    keep_style: Vec<f32>,
}

fn draw(section: &DitSection, size: usize, rng: &mut ChaCha8Rng) -> Draws {
    let train = &section.train;
    Draws {
        timesteps: (0..size)
            .map(|_| rng.random_range(0..train.schedule.train_steps))
            .collect(),
        keep_audio: (0..size)
            .map(|_| f32::from(rng.random::<f32>() >= train.audio_dropout))
            .collect(),
        keep_style: (0..size)
            .map(|_| f32::from(rng.random::<f32>() >= train.style_dropout))
            .collect(),
    }
}

/// `[rows, width]` host values with each row multiplied by its mask.
fn masked(values: &[f32], mask: &[f32], width: usize, device: &Device) -> Tensor<2> {
    let data: Vec<f32> = values
        .chunks(width.max(1))
        .zip(mask)
        .flat_map(|(row, keep)| row.iter().map(move |v| v * keep))
        .collect();
    Tensor::from_data(TensorData::new(data, [mask.len(), width]), device)
}

/// `[size, 1, 1, 1]` per-sample coefficients.
fn per_sample(values: Vec<f32>, device: &Device) -> Tensor<4> {
    let size = values.len();
    Tensor::from_data(TensorData::new(values, [size, 1, 1, 1]), device)
}

/// The objective's MSE on one batch.
fn loss(
    model: &Dit,
    batch: &DitBatch,
    draws: &Draws,
    noise: Tensor<4>,
    alphas: &[f64],
    objective: Objective,
    device: &Device,
) -> Tensor<1> {
    let x0 = Tensor::<4>::from_data(
        TensorData::new(batch.latent.clone(), batch.latent_shape),
        device,
    );
    let audio = masked(&batch.audio, &draws.keep_audio, batch.audio_dims, device);
    let styles = batch.style.len() / batch.size.max(1);
    let style = masked(&batch.style, &draws.keep_style, styles, device);
    let t = Tensor::<1>::from_floats(
        draws
            .timesteps
            .iter()
            .map(|&t| t as f32)
            .collect::<Vec<_>>()
            .as_slice(),
        device,
    );
    match objective {
        Objective::Diffusion => {
            let (a, b): (Vec<f32>, Vec<f32>) = draws
                .timesteps
                .iter()
                .map(|&t| signal_noise(alphas[t]))
                .unzip();
            let (a, b) = (per_sample(a, device), per_sample(b, device));
            let noisy = x0.clone() * a.clone() + noise.clone() * b.clone();
            let target = noise * a - x0 * b;
            (model.forward(noisy, t, audio, style) - target)
                .square()
                .mean()
        }
        Objective::Regression => {
            let prediction = model.forward(x0.zeros_like(), t, audio, style);
            (prediction - x0).square().mean()
        }
    }
}

/// The weights a DiT run starts from: fresh, those of the finished run `init_from` names, or,
/// when this run adds convolutions that run's model lacks (`output_conv`, `mlp_conv`), that run's
/// weights with the convolutions starting as the identity (so fine-tuning starts from the
/// trained model's output).
fn initial_dit(
    config: &DitConfig,
    init_from: Option<&Path>,
    device: &Device,
) -> anyhow::Result<Dit> {
    if let Some(run) = init_from {
        let from: DitRunConfig = super::tasks::read_json(&run.join("config.json"))?;
        let source = from.model;
        // The kernels of the convolutions this run adds to the source's model, and the blocks
        // it adds after the source's.
        let added_output_conv = config.output_conv.filter(|_| source.output_conv.is_none());
        let added_mlp_conv = config.mlp_conv.filter(|_| source.mlp_conv.is_none());
        let added_blocks = config.depth.saturating_sub(source.depth);
        let without_added = DitConfig {
            output_conv: config.output_conv.filter(|_| added_output_conv.is_none()),
            mlp_conv: config.mlp_conv.filter(|_| added_mlp_conv.is_none()),
            depth: config.depth - added_blocks,
            ..config.clone()
        };
        let adds = added_output_conv.is_some() || added_mlp_conv.is_some() || added_blocks > 0;
        if adds && source == without_added {
            let mut dit = run_files::initial_model(source.init(device), Some(run))?;
            if let Some(kernel) = added_output_conv {
                dit.output_conv = Some(identity_conv(config.latent_channels, kernel, device));
            }
            if let Some(kernel) = added_mlp_conv {
                for block in &mut dit.blocks {
                    block.mlp_conv = Some(zero_depthwise_conv(config.mlp_hidden(), kernel, device));
                }
            }
            // Added blocks copy the source's (the first after the last, and so on) with their
            // modulation zeroed: the grown DiT starts from the source's exact predictions.
            let copies: Vec<_> = (0..added_blocks)
                .map(|i| dit.blocks[i % source.depth].identity_copy())
                .collect();
            dit.blocks.extend(copies);
            return Ok(dit);
        }
    }
    run_files::initial_model(config.init(device), init_from)
}

/// Trains (or resumes) and returns the model on the plain device and its last evaluation.
pub fn train(run: DitRun) -> anyhow::Result<(Dit, DitEvaluation)> {
    let section = run.section;
    let run_config = DitRunConfig::new(
        section,
        run.objective,
        run.conditioner.latent_scale,
        run.audio_encoder,
    );
    // The run's own settings: the baseline's budget may differ from the DiT's.
    let train = &run_config.train;
    let base = training_device();
    let _generator = seed_exclusively(&base, train.seed);
    let device = base.clone().autodiff();
    let config_json = serde_json::to_value(&run_config)?;
    let OpenRun {
        mut model,
        mut optim,
        start,
        mut log,
    } = run_files::open(
        run.name,
        run.out_dir,
        &config_json,
        initial_dit(&section.model, section.train.init_from.as_deref(), &device)?,
    )?;
    let alphas = train.schedule.alphas_cumprod();

    // Held-out batch with fixed timesteps (spread over the schedule), noise and full conditions.
    let heldout = run
        .conditioner
        .encode(&heldout_samples(run.data, train.eval_samples));
    let heldout_draws = Draws {
        timesteps: match run.objective {
            Objective::Diffusion => (0..heldout.size)
                .map(|i| (i * 7919 + 500) % train.schedule.train_steps)
                .collect(),
            Objective::Regression => {
                vec![regression_timestep(&section.train.schedule); heldout.size]
            }
        },
        keep_audio: vec![1.0; heldout.size],
        keep_style: vec![0.0; heldout.size],
    };
    let heldout_noise = Tensor::<4>::random(
        heldout.latent_shape,
        burn::tensor::Distribution::Normal(0.0, 1.0),
        &base,
    );
    let heldout_loss = |model: &Dit| -> f32 {
        loss(
            &model.valid(),
            &heldout,
            &heldout_draws,
            heldout_noise.clone(),
            &alphas,
            run.objective,
            &base,
        )
        .into_scalar()
    };
    let evaluate_at = |model: &Dit, average: Option<&Dit>, step: usize| match average {
        Some(average) => DitEvaluation {
            step,
            heldout_loss: heldout_loss(average),
            heldout_loss_without_ema: Some(heldout_loss(model)),
        },
        None => DitEvaluation {
            step,
            heldout_loss: heldout_loss(model),
            heldout_loss_without_ema: None,
        },
    };
    let checkpoint_dir = checkpoint::dir(run.out_dir);
    // A new run has no checkpoint, so its average starts from its first weights too.
    let mut average = match train.ema_decay {
        Some(_) => {
            if start > 0 && !checkpoint_dir.join(ema::EMA_FILE).exists() {
                println!("{}: the weight average starts at step {start}", run.name);
            }
            Some(ema::resume(&checkpoint_dir, &model)?)
        }
        None => None,
    };
    let mut last_eval = evaluate_at(&model, average.as_ref(), start);
    if start == 0 {
        log.write(&serde_json::json!({ "model": run.name, "eval": &last_eval }))?;
    }

    let mut stream = run_files::stream_from(run.data, start, train.batch_size);
    let mut rng = ChaCha8Rng::seed_from_u64(train.seed ^ start as u64);
    let progress = super::progress::bar(run.name, train.steps, start);
    let mut step_time = Instant::now();
    for step in start..train.steps {
        let samples = stream.next_batch(train.batch_size);
        let batch = run.conditioner.encode(&samples);
        let mut draws = draw(section, batch.size, &mut rng);
        if run.objective == Objective::Regression {
            draws.timesteps = vec![regression_timestep(&section.train.schedule); batch.size];
        }
        let noise = Tensor::<4>::random(
            batch.latent_shape,
            burn::tensor::Distribution::Normal(0.0, 1.0),
            &device,
        );
        let loss = loss(
            &model,
            &batch,
            &draws,
            noise,
            &alphas,
            run.objective,
            &device,
        );
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let learning_rate = cosine_learning_rate(
            train.learning_rate,
            train.final_lr_fraction,
            step,
            train.steps,
        );
        model = optim.step(learning_rate, model, grads);
        if let Some(decay) = train.ema_decay {
            average = average.map(|a| ema::blend(a, &model, ema::decay_at(decay, step)));
        }

        let done = step + 1;
        if done % train.log_every == 0 || done == train.steps {
            let ms_per_step = step_time.elapsed().as_secs_f64() * 1000.0 / train.log_every as f64;
            step_time = Instant::now();
            let loss: f32 = loss.into_scalar();
            log.write(&serde_json::json!({
                "model": run.name, "step": done, "loss": loss,
                "learning_rate": learning_rate, "ms_per_step": ms_per_step,
            }))?;
            progress.set_message(format!("loss {loss:.4}, {ms_per_step:.0} ms/step"));
        }
        if done % train.eval_every == 0 || done == train.steps {
            last_eval = evaluate_at(&model, average.as_ref(), done);
            log.write(&serde_json::json!({ "model": run.name, "eval": &last_eval }))?;
            progress.println(format!(
                "{} step {done}: held-out loss {:.4}",
                run.name, last_eval.heldout_loss
            ));
        }
        if done % train.checkpoint_every == 0 || done == train.steps {
            checkpoint::save(
                run.out_dir,
                &model,
                average.as_ref(),
                &optim,
                &Progress {
                    step: done,
                    config: config_json.clone(),
                },
            )?;
        }
        progress.inc(1);
    }
    progress.finish();
    // The run's model is the average when it keeps one: what the export and evaluation read.
    let trained = run_files::finish(run.name, run.out_dir, average.unwrap_or(model), &last_eval)?;
    Ok((trained, last_eval))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::config::Preset;

    #[test]
    fn the_baseline_trains_its_own_budget_and_each_run_records_one() {
        let mut preset = Preset::load("tiny").unwrap();
        let run = |preset: &Preset, objective| {
            DitRunConfig::new(&preset.dit, objective, 1.0, &preset.audio_vae)
        };
        preset.dit.train.regression_steps = Some(3);
        let dit = run(&preset, Objective::Diffusion);
        let baseline = run(&preset, Objective::Regression);
        assert_eq!(dit.train.steps, preset.dit.train.steps);
        assert_eq!(baseline.train.steps, 3);
        assert_eq!(dit.train.regression_steps, None);
        assert_eq!(baseline.train.regression_steps, None);
        // A run recorded before the setting existed resumes under a preset that sets it.
        let recorded = serde_json::to_value(&dit).unwrap();
        assert!(recorded.pointer("/train/regression_steps").is_none());
        preset.dit.train.regression_steps = None;
        assert_eq!(
            run(&preset, Objective::Regression).train.steps,
            preset.dit.train.steps
        );
    }
}
