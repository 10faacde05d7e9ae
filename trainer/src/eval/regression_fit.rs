//! Whether a regression baseline run belongs to the model set it is evaluated beside. A baseline
//! trained on other autoencoders still runs and scores, just meaninglessly, so the evaluation
//! refuses it: its latents must have the set's shape and scale (the set's image VAE), and its
//! audio codes must come from the set's audio encoder.

use synesthete_engine::manifest::Manifest;

use crate::training::conditioning::same_latent_scale;
use crate::training::dit_loop::DitRunConfig;

/// How far the baseline could be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegressionFit {
    /// Latents and audio encoder both match the set.
    Matches,
    /// The latents match; the run or the manifest predates the audio encoder record.
    AudioEncoderUnrecorded,
}

pub fn check(manifest: &Manifest, run: &DitRunConfig) -> Result<RegressionFit, String> {
    let latent = &manifest.latent;
    let model = &run.model;
    if (model.latent_channels, model.latent_size, model.latent_size)
        != (latent.channels, latent.height, latent.width)
    {
        return Err(format!(
            "the regression baseline works on {}x{s}x{s} latents, the model set on {}x{}x{}",
            model.latent_channels,
            latent.channels,
            latent.height,
            latent.width,
            s = model.latent_size,
        ));
    }
    if model.audio_dims != manifest.conditioning_dims {
        return Err(format!(
            "the regression baseline takes {}-d audio codes, the model set's audio encoder gives {}",
            model.audio_dims, manifest.conditioning_dims
        ));
    }
    if !same_latent_scale(run.latent_scale, latent.scale) {
        return Err(format!(
            "the regression baseline trained on latents scaled by {}, the model set's are scaled by {}: it learned another image VAE",
            run.latent_scale, latent.scale
        ));
    }
    let set_audio_encoder = manifest.training.get("audio_vae");
    match (&run.audio_encoder, set_audio_encoder) {
        (Some(recorded), Some(set)) => {
            let recorded = serde_json::to_value(recorded).map_err(|e| e.to_string())?;
            if &recorded == set {
                Ok(RegressionFit::Matches)
            } else {
                Err(format!(
                    "the regression baseline learned the codes of another audio encoder (trained with {recorded}; the model set's was trained with {set})"
                ))
            }
        }
        _ => Ok(RegressionFit::AudioEncoderUnrecorded),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::config::AudioVaeSection;
    use crate::training::dit_loop::Objective;

    /// The shipped default set, and a baseline trained on its autoencoders.
    fn shipped() -> (Manifest, DitRunConfig) {
        let manifest: Manifest =
            serde_json::from_str(include_str!("../../../models/manifest.json")).unwrap();
        let mut run: DitRunConfig =
            serde_json::from_value(manifest.training["dit"].clone()).unwrap();
        run.objective = Objective::Regression;
        run.audio_encoder = Some(
            serde_json::from_value::<AudioVaeSection>(manifest.training["audio_vae"].clone())
                .unwrap(),
        );
        (manifest, run)
    }

    #[test]
    fn a_baseline_on_the_sets_autoencoders_matches() {
        let (manifest, run) = shipped();
        assert_eq!(check(&manifest, &run), Ok(RegressionFit::Matches));
    }

    #[test]
    fn a_baseline_without_an_audio_encoder_record_is_only_checked_on_its_latents() {
        let (manifest, mut run) = shipped();
        run.audio_encoder = None;
        assert_eq!(
            check(&manifest, &run),
            Ok(RegressionFit::AudioEncoderUnrecorded)
        );
        run.latent_scale *= 1.01;
        assert!(
            check(&manifest, &run)
                .unwrap_err()
                .contains("another image VAE")
        );
    }

    #[test]
    fn a_baseline_on_other_autoencoders_is_refused() {
        let (manifest, run) = shipped();
        let mut other_audio = run.clone();
        if let Some(audio) = &mut other_audio.audio_encoder {
            audio.train.steps += 1;
        }
        let err = check(&manifest, &other_audio).unwrap_err();
        assert!(err.contains("another audio encoder"), "{err}");

        let mut wider = run.clone();
        wider.model.latent_channels += 1;
        let err = check(&manifest, &wider).unwrap_err();
        assert!(err.contains("latents"), "{err}");

        let mut audio_dims = run.clone();
        audio_dims.model.audio_dims += 1;
        let err = check(&manifest, &audio_dims).unwrap_err();
        assert!(err.contains("audio codes"), "{err}");
    }
}
