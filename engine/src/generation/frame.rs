//! One video frame from one audio window: audio encoder -> guided DDIM over the DiT from the
//! drifting noise (and the previous latent, for latent inertia) -> VAE decoder. The live engine
//! and `synesthete render` both call this per frame with the live (or automated) parameters.

use std::time::Instant;

use super::coherence::NoiseDrift;
use super::models::{GenerationError, Models};
use super::sample::{SampleSettings, sample_latent};
use crate::diffusion::GuidanceInterval;
use crate::params::{STEPS, VisualParams};

/// Milliseconds spent in each model stage of the latest frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct StageTimes {
    pub encoder_ms: f64,
    /// All DDIM steps together (divide by `steps` for one step).
    pub dit_ms: f64,
    pub steps: usize,
    pub decoder_ms: f64,
}

/// Per-frame generation state for one model set.
pub struct FrameGenerator {
    drift: NoiseDrift,
    previous_latent: Option<Vec<f32>>,
    pub times: StageTimes,
    /// Where the latest frame's live audio (before steering) sits on the model's latent map.
    pub audio_on_map: Option<(f32, f32)>,
}

/// The sampler settings a frame is rendered with. Style 0 lets the model choose the visualizer
/// family; style n >= 1 asks for family n - 1 (ignored by models without style conditioning).
/// Guidance applies where the model set's manifest recommends (`guidance_interval`).
pub fn sample_settings(
    params: &VisualParams,
    inertia_start: bool,
    guidance_interval: Option<GuidanceInterval>,
) -> SampleSettings {
    let (min_steps, max_steps, _) = STEPS.int_range();
    SampleSettings {
        steps: (params.steps as i32).clamp(min_steps, max_steps) as usize,
        guidance: params.guidance,
        guidance_interval,
        style: params.style.checked_sub(1).map(|s| s as usize),
        // Latent inertia: re-noise the previous latent only part-way, so part of it survives.
        strength: if inertia_start {
            1.0 - params.inertia.clamp(0.0, 0.95)
        } else {
            1.0
        },
    }
}

impl FrameGenerator {
    pub fn new(models: &Models, params: &VisualParams) -> Self {
        Self {
            drift: NoiseDrift::new(models.latent_len(), params.seed),
            previous_latent: None,
            times: StageTimes::default(),
            audio_on_map: None,
        }
    }

    /// The frame (CHW RGB in [0, 1], the manifest's size) for a log-mel `window` laid out as
    /// [`Models::encode_audio`] takes it, `dt_s` seconds after the previous frame.
    /// `beat_phase` is the position within the current beat, when known (for beat sync).
    pub fn next_frame(
        &mut self,
        models: &mut Models,
        window: &[f32],
        params: &VisualParams,
        dt_s: f32,
        beat_phase: Option<f64>,
    ) -> Result<Vec<f32>, GenerationError> {
        let started = Instant::now();
        let mut audio = models.encode_audio(window, 1)?;
        // Reactivity is the audio's gain into the model: 0 is the null (unconditional) audio.
        let gain = params.reactivity.max(0.0);
        audio.iter_mut().for_each(|v| *v *= gain);
        // The latent pad pulls the conditioning toward a point of the model's map.
        if let Some(map) = &models.latent_map {
            self.audio_on_map = Some(map.project(&audio));
            map.steer(&mut audio, params.pad_x, params.pad_y, params.steer);
        }
        let encoded = Instant::now();

        let noise = self.drift.advance(
            params.seed,
            params.variation_hz,
            dt_s,
            params.beat_sync,
            beat_phase,
        );
        let start = self
            .previous_latent
            .as_deref()
            .filter(|_| params.inertia > 0.0);
        let interval = models
            .manifest
            .diffusion
            .as_ref()
            .and_then(|d| d.guidance_interval);
        let settings = sample_settings(params, start.is_some(), interval);
        let latent = sample_latent(models, &audio, noise, &settings, start)?;
        let sampled = Instant::now();

        let frame = models.decode(&latent)?;
        let decoded = Instant::now();
        self.previous_latent = Some(latent);
        let ms = |from: Instant, to: Instant| (to - from).as_secs_f64() * 1000.0;
        self.times = StageTimes {
            encoder_ms: ms(started, encoded),
            dit_ms: ms(encoded, sampled),
            steps: settings.steps,
            decoder_ms: ms(sampled, decoded),
        };
        Ok(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_follow_the_parameters() {
        let params = VisualParams {
            steps: 99,
            style: 0,
            inertia: 0.25,
            ..Default::default()
        };
        let fresh = sample_settings(&params, false, None);
        assert_eq!(fresh.steps, STEPS.int_range().1 as usize);
        assert_eq!(fresh.style, None);
        assert_eq!(fresh.strength, 1.0);
        let interval = GuidanceInterval {
            low: 0.0,
            high: 0.7,
        };
        let inert = sample_settings(&VisualParams { style: 3, ..params }, true, Some(interval));
        assert_eq!(inert.style, Some(2));
        assert_eq!(inert.guidance_interval, Some(interval));
        assert_eq!(inert.strength, 0.75);
    }
}
