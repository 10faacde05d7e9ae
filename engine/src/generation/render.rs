//! Offline rendering: a whole audio clip to frames at a fixed frame rate, with the live
//! engine's per-frame generation (drifting noise, latent inertia, beat sync) and parameters that
//! may change over time (automation lanes). Frames are handed over one at a time, so a long
//! render never holds the whole video in memory.

use super::frame::FrameGenerator;
use super::models::{GenerationError, Models};
use super::sample::SampleSettings;
use crate::demo::MonoClip;
use crate::features::analyzer::analyze_clip;
use crate::features::window::mel_window;
use crate::params::VisualParams;

/// Frames of `clip` at `fps`: fps x duration of them, the last one at or before the end of the
/// audio. `params_at(time_s)` gives each frame's parameters; `on_frame(index, total, params,
/// frame)` receives each frame (CHW RGB in [0, 1], the manifest's size) with the parameters it
/// was made with, as soon as it is made.
/// Returns the number of frames.
pub fn render_clip(
    models: &mut Models,
    clip: &MonoClip,
    fps: f32,
    mut params_at: impl FnMut(f64) -> VisualParams,
    mut on_frame: impl FnMut(usize, usize, &VisualParams, &[f32]) -> Result<(), GenerationError>,
) -> Result<usize, GenerationError> {
    let features = models.manifest.features.clone();
    let context = models.manifest.context_frames;
    let frames = analyze_clip(&clip.samples, clip.sample_rate, features.clone())
        .map_err(GenerationError::Audio)?;
    if frames.is_empty() {
        return Ok(0);
    }
    let total = (clip.duration_s() * fps as f64).round() as usize;
    let mut generator = FrameGenerator::new(models, &params_at(0.0));
    let mut window = vec![0.0; features.n_mels * context];
    let mut end = 0;
    for k in 0..total {
        // The newest analysis frame at or before this video frame's time.
        let time = k as f64 / fps as f64;
        while end + 1 < frames.len() && frames[end + 1].time_s <= time {
            end += 1;
        }
        mel_window(&frames, end, context, &mut window);
        let params = params_at(time);
        let frame =
            generator.next_frame(models, &window, &params, 1.0 / fps, frames[end].beat_phase)?;
        on_frame(k, total, &params, &frame)?;
    }
    Ok(total)
}

/// Parameters that reproduce plain sampling with `settings` from one fixed noise (no drift, no
/// inertia): what the trainer's evaluation and demo measure.
pub fn fixed_noise_params(settings: &SampleSettings, seed: u32) -> VisualParams {
    VisualParams {
        steps: settings.steps as u32,
        guidance: settings.guidance,
        style: settings.style.map_or(0, |s| s as u32 + 1),
        seed,
        reactivity: 1.0,
        variation_hz: 0.0,
        inertia: 0.0,
        beat_sync: false,
        ..VisualParams::default()
    }
}

/// A CHW frame in [0, 1] as interleaved 8-bit RGB rows (what image files and video want).
pub fn to_rgb8(frame: &[f32], size: usize) -> Vec<u8> {
    let plane = size * size;
    (0..plane)
        .flat_map(|i| {
            [0, 1, 2].map(|c| (frame[c * plane + i].clamp(0.0, 1.0) * 255.0).round() as u8)
        })
        .collect()
}

/// A CHW frame in [0, 1] as interleaved 8-bit RGBA rows, opaque (what frame outputs take).
pub fn to_rgba8(frame: &[f32], size: usize) -> Vec<u8> {
    to_rgb8(frame, size)
        .chunks_exact(3)
        .flat_map(|rgb| [rgb[0], rgb[1], rgb[2], 255])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_become_interleaved_clamped_bytes() {
        // A 1x1 frame per channel plane: R = 1, G = 0.5, B out of range below.
        assert_eq!(to_rgb8(&[1.0, 0.5, -0.2], 1), [255, 128, 0]);
        // 2x2: the second pixel of each plane lands in bytes 3..6.
        let frame = [0.0, 1.0, 0.0, 0.0, 0.0, 0.2, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0];
        assert_eq!(&to_rgb8(&frame, 2)[3..6], &[255, 51, 255]);
        assert_eq!(&to_rgba8(&frame, 2)[4..8], &[255, 51, 255, 255]);
    }
}
