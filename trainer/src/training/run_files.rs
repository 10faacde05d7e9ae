//! What every training loop does with its run directory: open it (resuming from the checkpoint,
//! recording the configuration, appending to the metrics log) and close it (weights, last
//! evaluation, plots).

use std::path::Path;

use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::optim::{AdamConfig, ModuleOptimizer};

use super::checkpoint;
use super::metrics_log::MetricsLog;
use crate::data::dataset::{DataConfig, DataStream};

/// A run directory opened for training.
pub struct OpenRun<M> {
    pub model: M,
    pub optim: ModuleOptimizer,
    /// Steps already trained (0 for a new run).
    pub start: usize,
    pub log: MetricsLog,
}

/// Resumes `model`'s run in `out_dir` if it has a checkpoint made with `config`, and writes
/// `config.json`. The optimiser is Adam with the gradient norm clipped at 1, so one bad batch
/// cannot throw the run off.
pub fn open<M: Module>(
    name: &str,
    out_dir: &Path,
    config: &serde_json::Value,
    model: M,
) -> anyhow::Result<OpenRun<M>> {
    std::fs::create_dir_all(out_dir)?;
    let optim = AdamConfig::new()
        .with_grad_clipping(Some(GradientClippingConfig::Norm(1.0)))
        .init();
    let (model, optim, start) = checkpoint::resume(out_dir, config, model, optim)?;
    std::fs::write(
        out_dir.join("config.json"),
        serde_json::to_vec_pretty(config)?,
    )?;
    let log = MetricsLog::resume(&out_dir.join("metrics.jsonl"), start)?;
    if start > 0 {
        println!("{name}: resuming at step {start}");
    }
    Ok(OpenRun {
        model,
        optim,
        start,
        log,
    })
}

/// The weights a run starts from: `fresh`, or those of the finished run `init_from` names
/// (fine-tuning; it must have the same model configuration).
pub fn initial_model<M: Module>(fresh: M, init_from: Option<&Path>) -> anyhow::Result<M> {
    let Some(run) = init_from else {
        return Ok(fresh);
    };
    let path = run.join("model.bpk");
    fresh.try_load_file(&path).map_err(|e| {
        anyhow::anyhow!(
            "cannot fine-tune from {}: {e:?} (it must be a finished run of the same model configuration)",
            path.display()
        )
    })
}

/// The training stream of a run resumed at `start`: it starts on clips the run has not seen
/// rather than replaying the first ones.
pub fn stream_from(data: &DataConfig, start: usize, batch_size: usize) -> DataStream {
    let samples_seen = (start * batch_size / data.samples_per_clip.max(1)) as u64;
    DataStream::new(DataConfig {
        seed: data.seed + samples_seen,
        ..data.clone()
    })
}

/// Saves the trained weights (`model.bpk`), the last evaluation and the plots; returns the
/// model on the plain device.
pub fn finish<M: Module>(
    name: &str,
    out_dir: &Path,
    model: M,
    evaluation: &impl serde::Serialize,
) -> anyhow::Result<M> {
    let trained = model.valid();
    trained
        .clone()
        .save_file(out_dir.join("model.bpk"))
        .map_err(|e| anyhow::anyhow!("saving model: {e:?}"))?;
    std::fs::write(
        out_dir.join("evaluation.json"),
        serde_json::to_vec_pretty(evaluation)?,
    )?;
    // Plots are a convenience: a missing font must not fail a finished run.
    if let Err(error) = crate::plots::plot_run(out_dir) {
        eprintln!("{name}: plots skipped: {error:#}");
    }
    Ok(trained)
}
