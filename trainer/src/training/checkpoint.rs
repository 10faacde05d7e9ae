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

pub fn save<M: Module>(
    run_dir: &Path,
    model: &M,
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
    let dir = dir(run_dir);
    let progress_path = dir.join("progress.json");
    if !progress_path.exists() {
        return Ok((model, optim, 0));
    }
    let progress: Progress = serde_json::from_slice(&std::fs::read(&progress_path)?)
        .map_err(|e| anyhow::anyhow!("{} is corrupt: {e}", progress_path.display()))?;
    anyhow::ensure!(
        without_length(&progress.config) == without_length(config),
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
    let model = model
        .try_load_file(dir.join("model.bpk"))
        .map_err(|e| anyhow::anyhow!("loading checkpoint weights: {e:?}"))?;
    let optim = optim
        .load(dir.join("optim.bpk"))
        .map_err(|e| anyhow::anyhow!("loading optimiser state: {e:?}"))?;
    Ok((model, optim, progress.step))
}

/// `train.steps` of a run configuration.
fn training_steps(config: &serde_json::Value) -> Option<usize> {
    config.pointer("/train/steps")?.as_u64().map(|s| s as usize)
}

/// The configuration without `train.steps`: a run may be resumed to train longer or shorter
/// (the learning-rate schedule follows the new length), but nothing else may change.
fn without_length(config: &serde_json::Value) -> serde_json::Value {
    let mut config = config.clone();
    if let Some(train) = config.pointer_mut("/train").and_then(|t| t.as_object_mut()) {
        train.remove("steps");
    }
    config
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
        assert_eq!(without_length(&stored.config), without_length(&config));
    }
}
