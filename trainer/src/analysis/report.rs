//! `trainer latent report`: everything about one audio encoder's latent space over held-out
//! windows, written into one folder — `metrics.json`, `metrics.md`, `map-<factor>.png`,
//! `traversal.png` and `interpolation.png`.

use std::path::{Path, PathBuf};

use super::factors::{Factor, FactorKind, true_factors};
use super::frames::FrameSource;
use super::interpolation::{describe, write_interpolation};
use super::levels::{LevelLatents, encode_windows};
use super::metrics::{EncoderMetrics, LATENT_BINS, encoder_metrics, factor_note, markdown};
use super::pca_map::write_maps;
use super::traversal::{Traversal, TraversalConfig, write_traversals};
use crate::data::dataset::{DataConfig, Sample, samples_for_clip};
use crate::data::music::ClipKind;
use crate::model::audio_vae::AudioVae;
use crate::training::audio_latents::interpolation_pair;
use crate::training::config::AudioVaeSection;
use crate::training::slowness::PairMasks;
use crate::training::tasks::load_model;
use crate::training::vae_loop::HELDOUT_SEED_OFFSET;

/// Windows at the start of the held-out set that keep their visualizer frame (for the
/// interpolation sheet); the rest drop it, as the analysis only needs the audio.
const WINDOWS_WITH_FRAMES: usize = 64;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReportConfig {
    /// Held-out windows analysed.
    pub windows: usize,
    pub traversal: TraversalConfig,
    /// Blends between the two interpolation ends (both included).
    pub interpolation_steps: usize,
}

impl Default for ReportConfig {
    fn default() -> Self {
        Self {
            windows: 2048,
            traversal: TraversalConfig::default(),
            interpolation_steps: 8,
        }
    }
}

/// A factor as the report describes it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FactorSummary {
    pub name: String,
    pub description: String,
    pub kind: FactorKind,
    /// Windows the factor applies to.
    pub windows: usize,
}

/// A held-out window named in the report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WindowInfo {
    pub index: usize,
    pub clip_seed: u64,
    pub time_s: f32,
    pub description: String,
}

/// `metrics.json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LatentReport {
    pub config: ReportConfig,
    /// Seed of the stream whose held-out clips were analysed (held-out seeds are offset by 2^40).
    pub data_seed: u64,
    pub latent_bins: usize,
    pub factors: Vec<FactorSummary>,
    /// One entry per encoder; `trainer latent report --compare` adds others to the table.
    pub encoders: Vec<EncoderMetrics>,
    /// Share of variance of the first two principal components of the (first level's) means.
    pub pca_explained: [f64; 2],
    pub traversal_anchor: WindowInfo,
    pub traversals: Vec<Traversal>,
    pub interpolation: [WindowInfo; 2],
    /// What drew the frames of the sheets (`None`: mel only).
    pub frames: Option<String>,
    /// Files written, relative to the output folder.
    pub files: Vec<String>,
}

/// The encoder under analysis.
pub struct AnalysedEncoder<'a> {
    /// Column name in the table (`flat`).
    pub name: &'a str,
    /// Where its weights came from.
    pub source: &'a str,
    pub model: &'a AudioVae,
    pub n_mels: usize,
}

/// The first `count` held-out windows, exactly those of
/// [`crate::training::vae_loop::heldout_samples`], rendered clip by clip with `on_clip` after
/// each. Windows past [`WINDOWS_WITH_FRAMES`] drop their visualizer frame.
pub fn heldout_windows(
    data: &DataConfig,
    count: usize,
    mut on_clip: impl FnMut(),
) -> anyhow::Result<Vec<Sample>> {
    let config = DataConfig {
        seed: data.seed + HELDOUT_SEED_OFFSET,
        ..data.clone()
    };
    let mut windows = Vec::with_capacity(count);
    let mut clip = 0;
    while windows.len() < count {
        let samples = samples_for_clip(&config, clip);
        anyhow::ensure!(
            !samples.is_empty(),
            "held-out clip {clip} yields no window: clips of {} s are shorter than the {}-frame context",
            config.clip_seconds,
            config.context_frames
        );
        for mut sample in samples.into_iter().take(count - windows.len()) {
            if windows.len() >= WINDOWS_WITH_FRAMES {
                sample.image.data = Vec::new();
            }
            windows.push(sample);
        }
        clip += 1;
        on_clip();
    }
    Ok(windows)
}

/// A shorter-lived handle on the frame source, for one call.
fn reborrow<'s>(frames: &'s mut Option<&mut dyn FrameSource>) -> Option<&'s mut dyn FrameSource> {
    match frames {
        Some(f) => Some(&mut **f),
        None => None,
    }
}

fn window_info(samples: &[Sample], index: usize) -> WindowInfo {
    let s = &samples[index];
    WindowInfo {
        index,
        clip_seed: s.factors.clip_seed,
        time_s: s.time_s,
        description: describe(s),
    }
}

fn summarise(factors: &[Factor]) -> Vec<FactorSummary> {
    factors
        .iter()
        .map(|f| FactorSummary {
            name: f.name.into(),
            description: f.description.into(),
            kind: f.kind.clone(),
            windows: f.values.iter().filter(|v| v.is_some()).count(),
        })
        .collect()
}

/// The traversal's anchor: the first music window with all four instruments and some level
/// (a window every dimension can act on), else the first audible window.
fn traversal_anchor(samples: &[Sample]) -> usize {
    let audible = |s: &Sample| s.factors.rms > 0.01;
    samples
        .iter()
        .take(WINDOWS_WITH_FRAMES)
        .position(|s| {
            s.factors.kind == ClipKind::Music
                && audible(s)
                && s.factors.mix.iter().all(|&g| g > 0.0)
        })
        .or_else(|| samples.iter().position(audible))
        .unwrap_or(0)
}

/// Writes the report of `encoder` over held-out windows of `data` into `out_dir`, drawing the
/// sheets' frames with `frames` when given. `compare` holds other encoders' figures (from
/// their `metrics.json`) to put beside this one in `metrics.md`.
pub fn write_report(
    encoder: &AnalysedEncoder,
    data: &DataConfig,
    config: &ReportConfig,
    mut frames: Option<&mut dyn FrameSource>,
    compare: &[EncoderMetrics],
    out_dir: &Path,
) -> anyhow::Result<LatentReport> {
    anyhow::ensure!(
        config.windows >= 8,
        "at least 8 windows are needed for the statistics (asked for {})",
        config.windows
    );
    std::fs::create_dir_all(out_dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out_dir.display()))?;
    let clips = config.windows.div_ceil(data.samples_per_clip.max(1));
    let traversal_steps = config.traversal.dims * config.traversal.steps.max(2);
    let progress = crate::training::progress::bar(
        "latent",
        clips
            + config.windows
            + true_factors(&[]).len()
            + traversal_steps
            + config.interpolation_steps,
        0,
    );
    progress.set_message("rendering held-out clips");
    let samples = heldout_windows(data, config.windows, || progress.inc(1))?;
    progress.set_message("encoding");
    let levels: Vec<LevelLatents> = encode_windows(encoder.model, &samples, encoder.n_mels, |n| {
        progress.inc(n as u64)
    });
    let factors = true_factors(&samples);
    progress.set_message("metrics");
    let pairs = PairMasks::of(&samples, &burn::prelude::Device::flex());
    let metrics = encoder_metrics(
        encoder.name,
        encoder.source,
        &levels,
        &factors,
        Some(&pairs),
    );

    let mut files: Vec<PathBuf> = Vec::new();
    progress.set_message("maps");
    // Maps, traversals and interpolations work on the whole conditioning (all levels).
    let whole = match levels.as_slice() {
        [one] => one.clone(),
        _ => LevelLatents::concatenate("all levels", &levels),
    };
    let whole_metrics = metrics.all_levels.as_ref().unwrap_or(&metrics.levels[0]);
    let (maps, pca_explained) = write_maps(&whole, &factors, out_dir, |n| progress.inc(n as u64))?;
    files.extend(maps);

    progress.set_message("traversals");
    let anchor = traversal_anchor(&samples);
    let traversal_path = out_dir.join("traversal.png");
    let traversals = write_traversals(
        encoder.model,
        encoder.n_mels,
        &whole,
        whole_metrics,
        anchor,
        &config.traversal,
        reborrow(&mut frames),
        &traversal_path,
        |n| progress.inc(n as u64),
    )?;
    files.push(traversal_path);

    progress.set_message("interpolation");
    let head = &samples[..samples.len().min(WINDOWS_WITH_FRAMES)];
    let (a, b) = interpolation_pair(head);
    let index_of = |s: &Sample| {
        samples
            .iter()
            .position(|x| std::ptr::eq(x, s))
            .expect("the pair comes from the samples")
    };
    let (ia, ib) = (index_of(a), index_of(b));
    let interpolation_path = out_dir.join("interpolation.png");
    write_interpolation(
        encoder.model,
        encoder.n_mels,
        (a, whole.mean(ia)),
        (b, whole.mean(ib)),
        config.interpolation_steps,
        reborrow(&mut frames),
        &interpolation_path,
        |n| progress.inc(n as u64),
    )?;
    files.push(interpolation_path);
    progress.finish_and_clear();

    let mut table_encoders = vec![metrics.clone()];
    table_encoders.extend(compare.iter().cloned());
    let table = format!(
        "{}\nKL in nats per window against the encoder's prior (N(0, I) for a flat encoder; for a hierarchical one the global level's learned mixture, counting its component term, and the conditional priors below it); a dimension is active when the variance of its mean over the windows exceeds 0.01; MIG per factor with the best latent dimension in brackets, latent means in {LATENT_BINS} equal-width bins, factors: {}. Music factors are measured on music windows only. Slowness: mean squared distance between the means of windows of one clip (of one section within 1 s), divided by that between any two windows.\n",
        markdown(&table_encoders),
        factor_note(&factors)
    );
    std::fs::write(out_dir.join("metrics.md"), table)?;
    files.push(out_dir.join("metrics.md"));
    files.push(out_dir.join("metrics.json"));

    let report = LatentReport {
        config: config.clone(),
        data_seed: data.seed,
        latent_bins: LATENT_BINS,
        factors: summarise(&factors),
        encoders: vec![metrics],
        pca_explained,
        traversal_anchor: window_info(&samples, anchor),
        traversals,
        interpolation: [window_info(&samples, ia), window_info(&samples, ib)],
        frames: frames.as_ref().map(|f| f.describe()),
        files: files
            .iter()
            .map(|f| {
                f.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
            })
            .collect(),
    };
    std::fs::write(
        out_dir.join("metrics.json"),
        serde_json::to_vec_pretty(&report)?,
    )?;
    Ok(report)
}

/// A trained audio encoder read from its run folder.
pub struct EncoderRun {
    pub model: AudioVae,
    pub section: AudioVaeSection,
    /// The folder the weights came from (the run, or its `checkpoint/`).
    pub weights: PathBuf,
}

/// Loads the audio encoder of `run`: the finished `model.bpk`, or the checkpoint's when asked
/// or when the run has not finished. Errors say what is missing and how to get it.
pub fn load_encoder_run(run: &Path, checkpoint: bool) -> anyhow::Result<EncoderRun> {
    anyhow::ensure!(
        run.is_dir(),
        "run folder {} does not exist: train one with `trainer train audio --out {}`, or copy the shipped checkpoint (`cp -r checkpoints/audio_vae runs/`)",
        run.display(),
        run.display()
    );
    let finished = run.join("model.bpk").is_file();
    let checkpointed = run.join("checkpoint").join("model.bpk").is_file();
    let weights = match (checkpoint, finished, checkpointed) {
        (true, _, true) | (false, false, true) => run.join("checkpoint"),
        (false, true, _) => run.to_path_buf(),
        (true, _, false) => anyhow::bail!("{} has no checkpoint/model.bpk", run.display()),
        (false, false, false) => anyhow::bail!(
            "{} holds no weights (neither model.bpk nor checkpoint/model.bpk): is it a run folder?",
            run.display()
        ),
    };
    let config = run.join("config.json");
    let bytes = std::fs::read(&config)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", config.display()))?;
    let section: AudioVaeSection = serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is not an audio encoder's configuration ({e}); pass the folder of a `trainer train audio` run",
            config.display()
        )
    })?;
    let model = load_model::<AudioVaeSection>(run, &weights)?;
    Ok(EncoderRun {
        model,
        section,
        weights,
    })
}

/// Reads the encoders of another report's `metrics.json` (for `--compare`).
pub fn read_encoders(path: &Path) -> anyhow::Result<Vec<EncoderMetrics>> {
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let report: LatentReport = serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a latent report's metrics.json: {e}",
            path.display()
        )
    })?;
    Ok(report.encoders)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::vae_loop::heldout_samples;

    #[test]
    fn heldout_windows_are_the_inspect_tools_windows() {
        let data = DataConfig {
            clip_seconds: 2.0,
            context_frames: 32,
            samples_per_clip: 3,
            ..Default::default()
        };
        let mut clips = 0;
        let windows = heldout_windows(&data, 7, || clips += 1).unwrap();
        let reference = heldout_samples(&data, 7);
        assert_eq!(clips, 3);
        assert_eq!(windows.len(), 7);
        for (w, r) in windows.iter().zip(&reference) {
            assert_eq!(w.mel, r.mel);
            assert_eq!(w.factors, r.factors);
        }
    }
}
