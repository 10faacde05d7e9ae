//! Checkpoints: weights, optimiser state and progress in `<run>/checkpoint/`, written so that an
//! interrupted run resumes from its last checkpoint (a crash mid-write leaves the previous one).

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Progress {
    /// Steps completed.
    pub step: usize,
    /// The run's configuration as JSON; a resume with a different one is refused.
    pub config: serde_json::Value,
}

pub fn dir(run_dir: &Path) -> PathBuf {
    run_dir.join("checkpoint")
}

/// Writes the checkpoint; `average` is the run's weight average, if it keeps one
/// ([`super::ema`]).
pub fn save<M: Module>(
    run_dir: &Path,
    model: &M,
    average: Option<&M>,
    optim: &ModuleOptimizer,
    progress: &Progress,
) -> anyhow::Result<()> {
    let staging = run_dir.join("checkpoint.partial");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;
    model
        .clone()
        .save_file(staging.join("model.bpk"))
        .map_err(|e| anyhow::anyhow!("saving weights: {e:?}"))?;
    if let Some(average) = average {
        average
            .clone()
            .save_file(staging.join(super::ema::EMA_FILE))
            .map_err(|e| anyhow::anyhow!("saving the weight average: {e:?}"))?;
    }
    optim
        .save(staging.join("optim.bpk"))
        .map_err(|e| anyhow::anyhow!("saving optimiser: {e:?}"))?;
    std::fs::write(
        staging.join("progress.json"),
        serde_json::to_vec_pretty(progress)?,
    )?;
    let final_dir = dir(run_dir);
    if final_dir.exists() {
        std::fs::remove_dir_all(&final_dir)?;
    }
    std::fs::rename(&staging, &final_dir)?;
    Ok(())
}

/// Loads the checkpoint into `model` and `optim` if one exists; returns the step to resume from.
pub fn resume<M: Module>(
    run_dir: &Path,
    config: &serde_json::Value,
    model: M,
    optim: ModuleOptimizer,
) -> anyhow::Result<(M, ModuleOptimizer, usize)> {
    let Some(step) = resumable_step(run_dir, config)? else {
        return Ok((model, optim, 0));
    };
    let dir = dir(run_dir);
    let model = model
        .try_load_file(dir.join("model.bpk"))
        .map_err(|e| anyhow::anyhow!("loading checkpoint weights: {e:?}"))?;
    let optim = optim
        .load(dir.join("optim.bpk"))
        .map_err(|e| anyhow::anyhow!("loading optimiser state: {e:?}"))?;
    Ok((model, optim, step))
}

/// The step a run with configuration `config` would resume from in `run_dir`: `None` without a
/// checkpoint, an error when the checkpoint's configuration differs or it has trained more steps
/// than `config` asks for.
pub fn resumable_step(run_dir: &Path, config: &serde_json::Value) -> anyhow::Result<Option<usize>> {
    let progress_path = dir(run_dir).join("progress.json");
    if !progress_path.exists() {
        return Ok(None);
    }
    let progress: Progress = serde_json::from_slice(&std::fs::read(&progress_path)?)
        .map_err(|e| anyhow::anyhow!("{} is corrupt: {e}", progress_path.display()))?;
    anyhow::ensure!(
        comparable(&progress.config) == comparable(config),
        "{} was trained with a different configuration; use a new --out directory",
        run_dir.display()
    );
    anyhow::ensure!(
        progress.step <= training_steps(config).unwrap_or(usize::MAX),
        "{} has already trained {} steps, more than the {} asked for",
        run_dir.display(),
        progress.step,
        training_steps(config).unwrap_or(0)
    );
    Ok(Some(progress.step))
}

/// `train.steps` of a run configuration.
fn training_steps(config: &serde_json::Value) -> Option<usize> {
    config.pointer("/train/steps")?.as_u64().map(|s| s as usize)
}

/// The configuration as resuming compares it: without `train.steps` (a run may be resumed to
/// train longer or shorter; the learning-rate schedule follows the new length), without
/// `train.init_from` (where the starting weights were read from: a resume reads the checkpoint's
/// weights instead, so a run copied into another runs folder resumes there), without
/// `train.ema_decay` (the weight average only watches training: a run may start one when resumed,
/// from the checkpoint's weights) and without null
/// fields (an optional setting added after a checkpoint was written, left unset, changes
/// nothing). Anything else that differs refuses the resume.
fn comparable(config: &serde_json::Value) -> serde_json::Value {
    let mut config = without_nulls(config);
    if let Some(train) = config.pointer_mut("/train").and_then(|t| t.as_object_mut()) {
        train.remove("steps");
        train.remove("init_from");
        train.remove("ema_decay");
    }
    config
}

fn without_nulls(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(fields) => fields
            .iter()
            .filter(|(_, field)| !field.is_null())
            .map(|(name, field)| (name.clone(), without_nulls(field)))
            .collect(),
        serde_json::Value::Array(items) => items.iter().map(without_nulls).collect(),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_with_f32_fields_survives_the_trip_through_progress_json() {
        // f32 values widen to f64s such as 0.10000000149011612; without serde_json's exact
        // float parsing the stored copy came back one bit off and every resume was refused.
        let config = serde_json::json!({ "train": { "steps": 10, "dropout": 0.1f32, "scale": 1.811_628_3f32 } });
        let progress = Progress {
            step: 5,
            config: config.clone(),
        };
        let stored: Progress =
            serde_json::from_slice(&serde_json::to_vec_pretty(&progress).unwrap()).unwrap();
        assert_eq!(comparable(&stored.config), comparable(&config));
    }

    #[test]
    fn an_optional_setting_added_since_the_checkpoint_does_not_refuse_the_resume() {
        // The shipped audio encoder checkpoint predates `model.hierarchy`, which the flat
        // encoder's configuration now writes as null.
        let stored =
            serde_json::json!({ "model": { "latent_dims": 64 }, "train": { "steps": 2000 } });
        let now = serde_json::json!({ "model": { "latent_dims": 64, "hierarchy": null }, "train": { "steps": 3000 } });
        assert_eq!(comparable(&stored), comparable(&now));
        let changed = serde_json::json!({ "model": { "latent_dims": 64, "hierarchy": { "global_dims": 16 } }, "train": { "steps": 2000 } });
        assert_ne!(comparable(&stored), comparable(&changed));
        let wider =
            serde_json::json!({ "model": { "latent_dims": 32 }, "train": { "steps": 2000 } });
        assert_ne!(comparable(&stored), comparable(&wider));
    }

    #[test]
    fn a_run_copied_into_another_runs_folder_resumes_there() {
        // A sharp decoder trained in runs-f4/ and shipped as the default set's checkpoint, which
        // the pipeline resumes in runs/.
        let stored = serde_json::json!({ "train": { "steps": 2500, "init_from": "runs-f4/image_vae", "learning_rate": 3e-4 } });
        let moved = serde_json::json!({ "train": { "steps": 2500, "init_from": "runs/image_vae", "learning_rate": 3e-4 } });
        assert_eq!(comparable(&stored), comparable(&moved));
        let faster = serde_json::json!({ "train": { "steps": 2500, "init_from": "runs/image_vae", "learning_rate": 1e-3 } });
        assert_ne!(comparable(&stored), comparable(&faster));
    }

    #[test]
    fn a_run_resumes_with_a_weight_average_started_or_changed() {
        let stored = serde_json::json!({ "train": { "steps": 3000, "learning_rate": 3e-4 } });
        let averaged = serde_json::json!({ "train": { "steps": 6000, "learning_rate": 3e-4, "ema_decay": 0.999f32 } });
        assert_eq!(comparable(&stored), comparable(&averaged));
    }
}
