//! `trainer eval`: the diffusion model (sampled through ONNX Runtime with the engine's own
//! sampler, exactly as the plugin runs it), the regression baseline and the training data side
//! by side, on held-out clips played at 30 fps.

pub mod classifier;
pub mod demo;
pub mod denoise;
pub mod frechet;
pub mod metrics;
pub mod regression_fit;
pub mod report;

use std::path::Path;

use burn::prelude::*;
use synesthete_engine::generation::noise::gaussian;
use synesthete_engine::generation::{Models, SampleSettings, sample_latent};

use crate::data::dataset::{DataConfig, Sample, clip_sequence};
use crate::model::dit::Dit;
use crate::training::batch;
use crate::training::conditioning::style_index;
use crate::training::dit_loop::{DitRunConfig, regression_timestep};
use crate::training::vae_loop::{HELDOUT_SEED_OFFSET, heldout_samples};
use synesthete_engine::diffusion::GuidanceInterval;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct EvalConfig {
    /// Held-out clips played as sequences.
    pub clips: usize,
    pub fps: f32,
    /// Seeds per audio window for the diversity metric.
    pub seeds: usize,
    /// Audio windows the diversity metric samples.
    pub diversity_windows: usize,
    /// Held-out windows (from many clips) each source draws one frame for, for the domain FID.
    pub fid_frames: usize,
    /// Training steps of the family classifier behind the domain FID.
    pub classifier_steps: usize,
    /// DDIM steps and guidance of the diffusion sampler.
    pub steps: usize,
    pub guidance: f32,
    /// The steps guidance applies to, as fractions of the schedule (`{ low = 0.0, high = 0.7 }`);
    /// absent: every step.
    pub guidance_interval: Option<GuidanceInterval>,
    /// Seconds of the demo clip the pipeline renders to `demo.gif`.
    pub demo_seconds: f32,
    /// Sample every clip and FID window with its own family as the style (the plugin's Style
    /// set to it); false: the model picks the family (Style on Auto, the plugin's default).
    pub styled: bool,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            clips: 16,
            fps: 30.0,
            seeds: 4,
            diversity_windows: 16,
            fid_frames: 512,
            classifier_steps: 1500,
            steps: 4,
            guidance: 2.0,
            guidance_interval: None,
            demo_seconds: 12.0,
            styled: false,
        }
    }
}

/// The scores of one source of frames.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Scores {
    pub name: String,
    pub frames: usize,
    /// Mean variance of the Laplacian of the luma.
    pub sharpness: f64,
    /// Mean Hasler–Süsstrunk colourfulness.
    pub colourfulness: f64,
    /// Mean pairwise RMS distance between frames for the same audio under different seeds
    /// (`None` for the data, which has one picture per moment of a clip).
    pub diversity: Option<f64>,
    /// Fréchet distance between the frames drawn for held-out windows of many clips and a
    /// disjoint reference set of real frames, in the family classifier's feature space (the
    /// data row is the floor the sample size allows).
    pub domain_fid: f64,
    /// Mean over clips of the best correlation between onsets and frame-to-frame change.
    pub sync_correlation: f64,
    /// Median lag of that best correlation, in frames (positive: picture after sound).
    pub sync_lag_frames: i32,
    /// Mean RMS change between consecutive frames at `fps`.
    pub flicker: f64,
    /// [`metrics::patch_seams`] on the grid of the DiT's patches (about 1: no grid visible).
    pub patch_seams: f64,
    /// Share of the clips' frames the family classifier assigns to each family
    /// (`ALL_FAMILIES` order): the sharpness ratio depends on it as much as on each family's
    /// crispness (kaleidoscope and fractal frames are many times sharper than flow or CPPN).
    pub family_mix: Vec<f64>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub config: EvalConfig,
    pub classifier_accuracy: f32,
    /// Data, regression baseline (when given), diffusion.
    pub scores: Vec<Scores>,
    /// Milliseconds per diffusion frame (audio encoder + DDIM steps + decoder, ONNX Runtime).
    pub ms_per_diffusion_frame: f64,
}

/// Frames of one source: one sequence per clip.
pub struct Sequences {
    pub name: String,
    pub clips: Vec<Vec<Vec<f32>>>,
    pub diversity: Option<f64>,
    /// One frame per FID window.
    pub fid_frames: Vec<Vec<f32>>,
}

/// The regression baseline, run in burn (it is measured, never shipped).
pub struct Regression<'a> {
    pub model: &'a Dit,
    pub run: &'a DitRunConfig,
}

pub fn evaluate(
    models: &mut Models,
    regression: Option<Regression>,
    data: &DataConfig,
    config: &EvalConfig,
    out_dir: &Path,
) -> anyhow::Result<Report> {
    std::fs::create_dir_all(out_dir)?;
    anyhow::ensure!(models.has_dit(), "the model set has no DiT to evaluate");
    // Held-out clips, disjoint from the classifier's held-out frames below.
    let heldout = DataConfig {
        seed: data.seed + HELDOUT_SEED_OFFSET + 1_000_000,
        ..data.clone()
    };
    let progress =
        crate::training::progress::bar("eval", config.classifier_steps + 3 * config.clips, 0);
    let sequences: Vec<Vec<Sample>> = (0..config.clips as u64)
        .map(|clip| {
            progress.inc(1);
            clip_sequence(&heldout, clip, config.fps)
        })
        .collect();
    let size = models.manifest.image_size;
    let patch_pixels = patch_pixels(models)?;
    // FID windows: many clips, disjoint from the sequences and from the reference set.
    let fid_windows = heldout_samples(
        &DataConfig {
            seed: data.seed + 2_000_000,
            ..data.clone()
        },
        config.fid_frames,
    );

    let data_frames = Sequences {
        name: "training data".into(),
        clips: sequences
            .iter()
            .map(|s| s.iter().map(|x| x.image.data.clone()).collect())
            .collect(),
        diversity: None,
        fid_frames: fid_windows.iter().map(|s| s.image.data.clone()).collect(),
    };
    let fid_audio = encode_all(models, &fid_windows)?;
    // The autoencoder's ceiling: the data through the shipped image encoder and decoder. Every
    // generated frame comes out of the same decoder, so none can be sharper than these.
    let reconstruction = Sequences {
        name: "autoencoder reconstruction (ceiling)".into(),
        clips: data_frames
            .clips
            .iter()
            .map(|clip| reconstruct(models, clip))
            .collect::<anyhow::Result<_>>()?,
        diversity: None,
        fid_frames: reconstruct(models, &data_frames.fid_frames)?,
    };

    let settings_for = |sample: &Sample| SampleSettings {
        steps: config.steps,
        guidance: config.guidance,
        guidance_interval: config.guidance_interval,
        style: config.styled.then(|| style_index(sample.family)),
        strength: 1.0,
    };
    let started = std::time::Instant::now();
    let mut diffusion_clips = Vec::new();
    let mut audio_per_clip = Vec::new();
    for (index, clip) in sequences.iter().enumerate() {
        let audio = encode_all(models, clip)?;
        // The fixed-noise scheme: one initial noise per clip, held for every frame.
        let noise = gaussian(index as u64, models.latent_len());
        let dims = models.manifest.conditioning_dims;
        let mut latents = Vec::new();
        for (window, sample) in audio.chunks(dims).zip(clip) {
            latents.extend(sample_latent(
                models,
                window,
                &noise,
                &settings_for(sample),
                None,
            )?);
        }
        diffusion_clips.push(split_frames(models.decode(&latents)?, 3 * size * size));
        audio_per_clip.push(audio);
        progress.inc(1);
    }
    let frames_made: usize = diffusion_clips.iter().map(Vec::len).sum();
    let ms_per_diffusion_frame = started.elapsed().as_secs_f64() * 1000.0 / frames_made as f64;

    let windows = diversity_windows(&sequences, config.diversity_windows);
    let diffusion_diversity = {
        let dims = models.manifest.conditioning_dims;
        let mut total = 0.0;
        for &(clip, frame) in &windows {
            let audio = &audio_per_clip[clip][frame * dims..(frame + 1) * dims];
            let settings = settings_for(&sequences[clip][frame]);
            let mut frames = Vec::new();
            for seed in 0..config.seeds as u64 {
                let noise = gaussian(1000 + seed, models.latent_len());
                let latent = sample_latent(models, audio, &noise, &settings, None)?;
                frames.push(models.decode(&latent)?);
            }
            total += metrics::diversity(&frames);
        }
        total / windows.len().max(1) as f64
    };
    let diffusion_fid = {
        let dims = models.manifest.conditioning_dims;
        let mut latents = Vec::new();
        for (index, (audio, sample)) in fid_audio.chunks(dims).zip(&fid_windows).enumerate() {
            let noise = gaussian(10_000 + index as u64, models.latent_len());
            latents.extend(sample_latent(
                models,
                audio,
                &noise,
                &settings_for(sample),
                None,
            )?);
        }
        split_frames(models.decode(&latents)?, 3 * size * size)
    };
    let diffusion = Sequences {
        name: format!(
            "diffusion ({} steps, guidance {}{}{})",
            config.steps,
            config.guidance,
            config
                .guidance_interval
                .map(|i| format!(" from t {} to {}", i.low, i.high))
                .unwrap_or_default(),
            if config.styled {
                ", styled as the data"
            } else {
                ""
            }
        ),
        clips: diffusion_clips,
        diversity: Some(diffusion_diversity),
        fid_frames: diffusion_fid,
    };

    let regression = match regression {
        None => None,
        Some(regression) => {
            let mut clips = Vec::new();
            for audio in &audio_per_clip {
                let latents = regress(&regression, audio, models.manifest.conditioning_dims);
                clips.push(split_frames(models.decode(&latents)?, 3 * size * size));
                progress.inc(1);
            }
            // Deterministic: the same audio always gives the same frame, whatever the seed.
            let latents = regress(&regression, &fid_audio, models.manifest.conditioning_dims);
            Some(Sequences {
                name: "regression baseline (MSE)".into(),
                clips,
                diversity: Some(0.0),
                fid_frames: split_frames(models.decode(&latents)?, 3 * size * size),
            })
        }
    };

    let classifier_data = heldout_samples(data, 512);
    let (classifier, classifier_accuracy) = classifier::load_or_train(
        &out_dir.join("classifier"),
        data,
        config.classifier_steps,
        &classifier_data,
        &progress,
    )?;
    progress.finish_and_clear();
    // The reference set: random held-out frames of many clips (the classifier's test set).
    let reference: Vec<Vec<f32>> = classifier_data
        .iter()
        .map(|s| s.image.data.clone())
        .collect();
    let real_features = classifier::embed(&classifier, &reference, size);
    let mut sources = vec![&data_frames];
    sources.extend(regression.as_ref());
    sources.push(&diffusion);
    sources.push(&reconstruction);
    let scores = sources
        .iter()
        .map(|source| {
            score(
                source,
                &sequences,
                &real_features,
                &classifier,
                (size, patch_pixels),
            )
        })
        .collect();
    let report = Report {
        config: config.clone(),
        classifier_accuracy,
        scores,
        ms_per_diffusion_frame,
    };
    report::write(
        &report,
        &[
            Some(&data_frames),
            regression.as_ref(),
            Some(&diffusion),
            Some(&reconstruction),
        ],
        size,
        out_dir,
    )?;
    Ok(report)
}

/// `frames` through the model set's image encoder and decoder, in batches.
fn reconstruct(models: &mut Models, frames: &[Vec<f32>]) -> anyhow::Result<Vec<Vec<f32>>> {
    let mut out = Vec::with_capacity(frames.len());
    for batch in frames.chunks(64) {
        let latents = models.encode_image(&batch.concat())?;
        out.extend(split_frames(models.decode(&latents)?, models.image_len()));
    }
    Ok(out)
}

fn encode_all(models: &mut Models, clip: &[Sample]) -> anyhow::Result<Vec<f32>> {
    let mel: Vec<f32> = clip.iter().flat_map(|s| s.mel.iter().copied()).collect();
    Ok(models.encode_audio(&mel, clip.len())?)
}

fn split_frames(values: Vec<f32>, len: usize) -> Vec<Vec<f32>> {
    values.chunks(len).map(<[f32]>::to_vec).collect()
}

/// Evenly spaced (clip, frame) pairs.
fn diversity_windows(sequences: &[Vec<Sample>], count: usize) -> Vec<(usize, usize)> {
    let all: Vec<(usize, usize)> = sequences
        .iter()
        .enumerate()
        .flat_map(|(c, s)| (0..s.len()).map(move |f| (c, f)))
        .collect();
    let stride = (all.len() / count.max(1)).max(1);
    all.into_iter().step_by(stride).take(count).collect()
}

/// The baseline's clean latents for `[frames, dims]` audio vectors (zero latent input, the
/// fixed timestep, no style).
fn regress(regression: &Regression, audio: &[f32], dims: usize) -> Vec<f32> {
    let device = Device::flex();
    let frames = audio.len() / dims;
    let model = &regression.run.model;
    let (c, s) = (model.latent_channels, model.latent_size);
    let mut out = Vec::with_capacity(frames * c * s * s);
    for chunk in audio.chunks(64 * dims) {
        let rows = chunk.len() / dims;
        let audio = Tensor::<2>::from_data(TensorData::new(chunk.to_vec(), [rows, dims]), &device);
        let t = Tensor::<1>::full(
            [rows],
            regression_timestep(&regression.run.train.schedule) as f32,
            &device,
        );
        let latent = Tensor::<4>::zeros([rows, c, s, s], &device);
        let style = Tensor::<2>::zeros([rows, model.styles], &device);
        out.extend(batch::to_vec(
            regression.model.forward(latent, t, audio, style),
        ));
    }
    out
}

/// `(size, patch_pixels)`: the frames' side and that of the DiT's patches on them.
fn score(
    source: &Sequences,
    sequences: &[Vec<Sample>],
    real_features: &[f32],
    classifier: &classifier::FamilyClassifier,
    (size, patch_pixels): (usize, usize),
) -> Scores {
    let frames: Vec<&Vec<f32>> = source.clips.iter().flatten().collect();
    let features = classifier::embed(classifier, &source.fid_frames, size);
    let n = frames.len().max(1) as f64;
    let mut correlations = Vec::new();
    let mut lags = Vec::new();
    let mut changes_all = Vec::new();
    for (clip, samples) in source.clips.iter().zip(sequences) {
        let changes = metrics::frame_changes(clip);
        // The change into frame k is compared with the onset at frame k.
        let onsets: Vec<f64> = samples
            .iter()
            .skip(1)
            .map(|s| s.factors.onset as f64)
            .collect();
        let (r, lag) = metrics::sync_correlation(&onsets, &changes, 5);
        correlations.push(r);
        lags.push(lag);
        changes_all.extend(changes);
    }
    lags.sort();
    Scores {
        name: source.name.clone(),
        frames: frames.len(),
        sharpness: metrics::mean_sharpness(frames.iter().map(|f| f.as_slice())),
        colourfulness: frames
            .iter()
            .map(|f| metrics::colourfulness(f))
            .sum::<f64>()
            / n,
        diversity: source.diversity,
        domain_fid: frechet::frechet_distance(real_features, &features, classifier::FEATURES),
        sync_correlation: correlations.iter().sum::<f64>() / correlations.len().max(1) as f64,
        sync_lag_frames: lags.get(lags.len() / 2).copied().unwrap_or(0),
        flicker: changes_all.iter().sum::<f64>() / changes_all.len().max(1) as f64,
        patch_seams: metrics::patch_seams(frames.iter().map(|f| f.as_slice()), patch_pixels),
        family_mix: classifier::family_mix(classifier, &frames, size),
    }
}

/// Side in pixels of one DiT patch in the decoded frame: the patch (from the training
/// configuration the manifest records) times the pixels per latent position.
fn patch_pixels(models: &Models) -> anyhow::Result<usize> {
    let manifest = &models.manifest;
    let patch = manifest.training["dit"]["model"]["patch"]
        .as_u64()
        .filter(|&p| p > 0)
        .ok_or_else(|| {
            anyhow::anyhow!("the manifest records no DiT patch size (training.dit.model.patch)")
        })?;
    let latent_side = manifest.latent.height.max(1);
    Ok(patch as usize * (manifest.image_size / latent_side).max(1))
}

/// Records the report in the model set's manifest as `evaluation.generation` (the graphs and
/// their hashes are untouched).
pub fn record(
    models: &Models,
    report: &Report,
    config: &EvalConfig,
    dir: &Path,
) -> anyhow::Result<()> {
    let mut manifest = models.manifest.clone();
    manifest.evaluation["generation"] = serde_json::to_value(report)?;
    // The recommendation is what the recorded figures were measured with.
    if let Some(diffusion) = manifest.diffusion.as_mut() {
        diffusion.recommended_steps = config.steps;
        diffusion.guidance = config.guidance;
        diffusion.guidance_interval = config.guidance_interval;
    }
    manifest.write(dir)?;
    Ok(())
}
