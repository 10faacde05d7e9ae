//! The training tasks wired to their models and data: the two VAEs, the DiT and its regression
//! baseline.

use std::path::{Path, PathBuf};

use burn::prelude::*;

use super::batch;
use super::checkpoint::{self, Progress};
use super::conditioning::{Conditioner, latent_scale};
use super::config::{AudioVaeSection, DitSection, ImageVaeSection, Preset};
use super::diagnostics::KlGroups;
use super::dit_loop::{self, DitEvaluation, DitRun, Objective};
use super::ema;
use super::metrics_log::read_metrics;
use super::seeding::seed_exclusively;
use super::vae_loop::{self, Evaluation, VaeRun};
use crate::model::audio_vae::AudioVae;
use crate::model::dit::Dit;
use crate::model::image_vae::ImageVae;

/// Trains the preset's image VAE runs in order (see [`image_vae_stages`]), each resuming from
/// its directory (a finished one only reloads), and returns the last one's result.
pub fn train_image_vae(preset: &Preset, out_dir: &Path) -> anyhow::Result<(ImageVae, Evaluation)> {
    let mut last = None;
    for (stage, run) in image_vae_stages(preset, out_dir) {
        if !preset.image_vae_fine_tunes.is_empty() {
            println!("image VAE run {}", run.display());
        }
        last = Some(train_image_vae_from(&stage, &run, None)?);
    }
    Ok(last.expect("a preset has at least one image VAE run"))
}

/// The image VAE's runs: `image_vae.train`, then each `[[image_vae_fine_tune]]` starting from
/// the run before it, as (the preset that run trains under, its directory). The last run is
/// `out_dir`; those before it sit beside it as `<out_dir>_stage1`, `<out_dir>_stage2`, ...
pub fn image_vae_stages(preset: &Preset, out_dir: &Path) -> Vec<(Preset, PathBuf)> {
    let count = preset.image_vae_fine_tunes.len() + 1;
    let run_dir = |index: usize| {
        if index + 1 == count {
            out_dir.to_path_buf()
        } else {
            let mut name = out_dir.as_os_str().to_owned();
            name.push(format!("_stage{}", index + 1));
            PathBuf::from(name)
        }
    };
    let mut base = preset.clone();
    base.image_vae_fine_tunes.clear();
    let mut stages = vec![(base.clone(), run_dir(0))];
    for (i, fine_tune) in preset.image_vae_fine_tunes.iter().enumerate() {
        let mut stage = base.clone();
        stage.image_vae.train = fine_tune.applied_to(&preset.image_vae.train, &run_dir(i));
        stages.push((stage, run_dir(i + 1)));
    }
    stages
}

/// [`train_image_vae`] starting from the weights in `start_weights` (a finished run's
/// directory layout) when given.
fn train_image_vae_from(
    preset: &Preset,
    out_dir: &Path,
    start_weights: Option<&Path>,
) -> anyhow::Result<(ImageVae, Evaluation)> {
    let section = &preset.image_vae;
    vae_loop::train(
        VaeRun {
            name: "image_vae",
            out_dir,
            train: &section.train,
            data: &preset.data,
            config_json: serde_json::to_value(section)?,
            peak: 1.0,
            kl_groups: KlGroups::Equal(section.model.latent_channels),
            rgb_frames: true,
            start_weights,
        },
        |device| section.model.init(device),
        |samples, device| batch::image_crops(samples, section.train.crop_size, device),
        batch::images,
    )
}

/// The preset's `[sharp_decoder]` stage: the decoder of the finished image VAE run `image_run`
/// trained alone into `out_dir` — fine-tuned, or, with other `decoder_channels`, a fresh decoder
/// on the frozen encoder. `None` when the preset has no such stage.
pub fn train_sharp_decoder(
    preset: &Preset,
    image_run: &Path,
    out_dir: &Path,
) -> anyhow::Result<Option<(ImageVae, Evaluation)>> {
    let (Some(sharp), Some(stage)) = (
        &preset.sharp_decoder,
        sharp_decoder_stage(preset, image_run),
    ) else {
        return Ok(None);
    };
    // One run, never the image VAE's chain of fine-tunes.
    if sharp.decoder_channels.is_none() {
        return train_image_vae_from(&stage, out_dir, None).map(Some);
    }
    let start = out_dir.join("start");
    if !start.join("model.bpk").exists() {
        write_grafted_start(image_run, &stage.image_vae, &start)?;
    }
    train_image_vae_from(&stage, out_dir, Some(&start)).map(Some)
}

/// The preset as the `[sharp_decoder]` stage trains it: its image VAE section carries the
/// stage's training settings, `image_run` as the run it starts from, and the stage's decoder
/// widths. `None` when the preset has no such stage.
pub fn sharp_decoder_stage(preset: &Preset, image_run: &Path) -> Option<Preset> {
    let sharp = preset.sharp_decoder.as_ref()?;
    let mut stage = preset.clone();
    stage.image_vae_fine_tunes.clear();
    stage.image_vae.train = sharp.train.clone();
    stage.image_vae.train.init_from = Some(image_run.to_path_buf());
    if let Some(channels) = &sharp.decoder_channels {
        stage.image_vae.model.decoder_channels = channels.clone();
    }
    Some(stage)
}

/// Writes `start/model.bpk`: the encoder of the finished run `image_run` under a freshly
/// initialised decoder of `section`'s widths — where a decoder-only run of other widths begins.
fn write_grafted_start(
    image_run: &Path,
    section: &ImageVaeSection,
    start: &Path,
) -> anyhow::Result<()> {
    let source = load_run::<ImageVaeSection>(image_run).map_err(|e| {
        anyhow::anyhow!(
            "cannot fine-tune from {}: {e:#} (it must be a finished image VAE run)",
            image_run.display()
        )
    })?;
    let (from, to) = (&source.section.model, &section.model);
    if (from.latent_channels, &from.encoder_channels) != (to.latent_channels, &to.encoder_channels)
    {
        anyhow::bail!(
            "cannot fine-tune from {}: its encoder ({:?}, {} latent channels) is not the preset's ({:?}, {})",
            image_run.display(),
            from.encoder_channels,
            from.latent_channels,
            to.encoder_channels,
            to.latent_channels
        );
    }
    let source = source.model;
    let device = Device::flex();
    let fresh = {
        let _generator = seed_exclusively(&device, section.train.seed);
        section.model.init(&device)
    };
    let grafted = ImageVae {
        down: source.down,
        encoder_res: source.encoder_res,
        mu: source.mu,
        logvar: source.logvar,
        ..fresh
    };
    std::fs::create_dir_all(start)?;
    grafted
        .save_file(start.join("model.bpk"))
        .map_err(|e| anyhow::anyhow!("saving the decoder's starting point: {e:?}"))?;
    Ok(())
}

pub fn train_audio_vae(preset: &Preset, out_dir: &Path) -> anyhow::Result<(AudioVae, Evaluation)> {
    let section = &preset.audio_vae;
    let n_mels = section.model.n_mels;
    vae_loop::train(
        VaeRun {
            name: "audio_vae",
            out_dir,
            train: &section.train,
            data: &preset.data,
            config_json: serde_json::to_value(section)?,
            peak: 2.0,
            kl_groups: match &section.model.hierarchy {
                Some(hierarchy) => {
                    KlGroups::Sizes(hierarchy.level_dims(section.model.latent_dims).to_vec())
                }
                None => KlGroups::Equal(1),
            },
            rgb_frames: false,
            start_weights: None,
        },
        |device| section.model.init(device),
        move |samples, device| batch::mels(samples, n_mels, device),
        move |samples, device| batch::mels(samples, n_mels, device),
    )
}

/// The trained autoencoders a DiT run builds on.
pub struct Autoencoders {
    pub image: TrainedRun<ImageVae, ImageVaeSection>,
    pub audio: TrainedRun<AudioVae, AudioVaeSection>,
}

impl Autoencoders {
    pub fn load(image_run: &Path, audio_run: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            image: load_run(image_run)?,
            audio: load_run(audio_run)?,
        })
    }

    /// Refuses a DiT configuration that does not fit these autoencoders.
    pub fn check(&self, dit: &DitSection) -> anyhow::Result<()> {
        let latent_channels = self.image.section.model.latent_channels;
        let audio_dims = self.audio.section.model.latent_dims;
        anyhow::ensure!(
            dit.model.latent_channels == latent_channels && dit.model.audio_dims == audio_dims,
            "the DiT expects {} latent channels and {}-d audio, the trained autoencoders give {latent_channels} and {audio_dims}",
            dit.model.latent_channels,
            dit.model.audio_dims
        );
        Ok(())
    }
}

/// Trains the DiT (`Objective::Diffusion`) or the regression baseline on the latents of the
/// trained autoencoders.
pub fn train_dit(
    preset: &Preset,
    autoencoders: &Autoencoders,
    objective: Objective,
    out_dir: &Path,
) -> anyhow::Result<(Dit, DitEvaluation)> {
    autoencoders.check(&preset.dit)?;
    let device = burn::prelude::Device::flex();
    let conditioner = Conditioner {
        image_vae: &autoencoders.image.model,
        audio_vae: &autoencoders.audio.model,
        latent_scale: latent_scale(&autoencoders.image.model, &preset.data, &device),
        n_mels: autoencoders.audio.section.model.n_mels,
        styles: preset.dit.model.styles,
        device,
    };
    dit_loop::train(DitRun {
        name: match objective {
            Objective::Diffusion => "dit",
            Objective::Regression => "regression",
        },
        out_dir,
        section: &preset.dit,
        data: &preset.data,
        conditioner: &conditioner,
        audio_encoder: &autoencoders.audio.section,
        objective,
    })
}

/// A trained model read back from its run directory, with its configuration and evaluation.
pub struct TrainedRun<M, S> {
    pub model: M,
    pub section: S,
    pub evaluation: serde_json::Value,
}

/// A run directory's JSON file (`config.json`, `evaluation.json`), with the path in any error.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e} (train first)", path.display()))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| anyhow::anyhow!("{} is malformed: {e}", path.display()))
}

fn load_weights<M: burn::module::Module>(model: M, run_dir: &Path) -> anyhow::Result<M> {
    let path = run_dir.join("model.bpk");
    model.try_load_file(&path).map_err(|e| {
        anyhow::anyhow!(
            "cannot load {}: {e:?} (train first, or the run is from another configuration)",
            path.display()
        )
    })
}

/// A model section (`config.json` of a run) that can build its untrained model.
pub trait RunSection: serde::de::DeserializeOwned {
    type Model: burn::module::Module;
    fn build(&self) -> anyhow::Result<Self::Model>;
}

impl RunSection for ImageVaeSection {
    type Model = ImageVae;
    fn build(&self) -> anyhow::Result<ImageVae> {
        self.model.validate().map_err(anyhow::Error::msg)?;
        Ok(self.model.init(&burn::prelude::Device::flex()))
    }
}

impl RunSection for AudioVaeSection {
    type Model = AudioVae;
    fn build(&self) -> anyhow::Result<AudioVae> {
        self.model.validate().map_err(anyhow::Error::msg)?;
        Ok(self.model.init(&burn::prelude::Device::flex()))
    }
}

impl RunSection for dit_loop::DitRunConfig {
    type Model = Dit;
    fn build(&self) -> anyhow::Result<Dit> {
        self.model.validate().map_err(anyhow::Error::msg)?;
        Ok(self.model.init(&burn::prelude::Device::flex()))
    }
}

/// The model described by `run_dir/config.json` with the weights in `weights_dir` (the run
/// itself, or its `checkpoint/`).
pub fn load_model<S: RunSection>(run_dir: &Path, weights_dir: &Path) -> anyhow::Result<S::Model> {
    let section: S = read_json(&run_dir.join("config.json"))?;
    load_weights(section.build()?, weights_dir)
}

/// A finished run: model, configuration and evaluation.
pub fn load_run<S: RunSection>(run_dir: &Path) -> anyhow::Result<TrainedRun<S::Model, S>> {
    let section: S = read_json(&run_dir.join("config.json"))?;
    let model = load_weights(section.build()?, run_dir)?;
    let evaluation = read_json(&run_dir.join("evaluation.json"))?;
    Ok(TrainedRun {
        model,
        section,
        evaluation,
    })
}

/// A run's last checkpoint as if the run had finished there, for evaluating one still training
/// or stopped early: its weight average when it keeps one (what a finished run's model is),
/// and as evaluation the last held-out one logged up to the checkpoint, with `snapshot_step`.
pub fn load_snapshot<S: RunSection>(run_dir: &Path) -> anyhow::Result<TrainedRun<S::Model, S>> {
    let checkpoint_dir = checkpoint::dir(run_dir);
    let progress: Progress = read_json(&checkpoint_dir.join("progress.json"))?;
    let section: S = read_json(&run_dir.join("config.json"))?;
    let trained = load_weights(section.build()?, &checkpoint_dir)?;
    let model = ema::resume(&checkpoint_dir, &trained)?;
    let metrics = run_dir.join("metrics.jsonl");
    let records = read_metrics(&metrics)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", metrics.display()))?;
    let mut evaluation = records
        .into_iter()
        .rev()
        .filter_map(|record| record.get("eval").cloned())
        .find(|eval| {
            eval["step"]
                .as_u64()
                .is_some_and(|s| s as usize <= progress.step)
        })
        .unwrap_or_else(|| serde_json::json!({}));
    evaluation["snapshot_step"] = progress.step.into();
    Ok(TrainedRun {
        model,
        section,
        evaluation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::config::{TINY_PRESET, VaeTrainConfig};

    #[test]
    fn image_vae_fine_tunes_run_in_order_from_the_run_before_them() {
        let second = "[[image_vae_fine_tune]]\nsteps = 5\nlearning_rate = 0.0001\nseed = 12\nbeta = { kind = \"warmup\", max = 0.001, steps = 1 }\n";
        let preset = Preset::parse(&format!("{TINY_PRESET}\n{second}")).unwrap();
        let stages = image_vae_stages(&preset, Path::new("runs/image_vae"));
        let dirs: Vec<&Path> = stages.iter().map(|(_, run)| run.as_path()).collect();
        assert_eq!(
            dirs,
            [
                Path::new("runs/image_vae_stage1"),
                Path::new("runs/image_vae_stage2"),
                Path::new("runs/image_vae"),
            ]
        );
        let trains: Vec<&VaeTrainConfig> = stages.iter().map(|(p, _)| &p.image_vae.train).collect();
        assert_eq!(trains[0], &preset.image_vae.train);
        assert_eq!(trains[1].init_from.as_deref(), Some(dirs[0]));
        assert_eq!(trains[2].init_from.as_deref(), Some(dirs[1]));
        assert_eq!((trains[1].steps, trains[1].seed), (10, 11));
        assert_eq!((trains[2].steps, trains[2].seed), (5, 12));
        // The term is the second run's alone; the rest comes from image_vae.train.
        assert_eq!(trains[1].scale_equivariance_weight, 1.0);
        assert_eq!(trains[2].scale_equivariance_weight, 0.0);
        assert_eq!(trains[2].batch_size, preset.image_vae.train.batch_size);
        assert!(
            stages
                .iter()
                .all(|(p, _)| p.image_vae_fine_tunes.is_empty())
        );
        // Without fine-tunes the one run is the directory asked for.
        let mut single = preset.clone();
        single.image_vae_fine_tunes.clear();
        assert_eq!(
            image_vae_stages(&single, Path::new("r/v"))[0].1,
            Path::new("r/v")
        );
    }

    #[test]
    fn a_bad_fine_tune_is_refused_with_its_place() {
        let bad = format!(
            "{TINY_PRESET}\n[[image_vae_fine_tune]]\nsteps = 0\nlearning_rate = 0.0001\nseed = 1\nbeta = {{ kind = \"warmup\", max = 0.001, steps = 1 }}\n"
        );
        let err = Preset::parse(&bad).unwrap_err();
        assert!(
            err.contains("image_vae_fine_tune 2") && err.contains("steps"),
            "{err}"
        );
        let unknown = TINY_PRESET.replace("seed = 11\n", "seed = 11\nbatch_size = 4\n");
        assert!(Preset::parse(&unknown).unwrap_err().contains("batch_size"));
    }
}
