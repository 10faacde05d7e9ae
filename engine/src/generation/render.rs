//! Offline rendering: a whole audio clip to frames at a fixed frame rate, with the live
//! engine's temporal-coherence scheme (one initial noise held for the clip). Used by the
//! trainer's pipeline demo; the same loop runs per frame in the plugin.

use super::models::{GenerationError, Models};
use super::noise::gaussian;
use super::sample::{SampleSettings, sample_latent};
use crate::demo::MonoClip;
use crate::features::analyzer::analyze_clip;
use crate::features::window::mel_window;

/// Frames (CHW RGB in [0, 1], the manifest's size) for `clip` at `fps`.
/// `progress` is called after each frame with (done, total).
pub fn render_clip(
    models: &mut Models,
    clip: &MonoClip,
    fps: f32,
    settings: &SampleSettings,
    seed: u64,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<Vec<f32>>, GenerationError> {
    let features = models.manifest.features.clone();
    let context = models.manifest.context_frames;
    let frames = analyze_clip(&clip.samples, clip.sample_rate, features.clone())
        .map_err(GenerationError::Audio)?;
    if frames.is_empty() {
        return Ok(Vec::new());
    }
    // fps x duration frames, the last one at or before the end of the audio.
    let total = (clip.duration_s() * fps as f64).round() as usize;
    let noise = gaussian(seed, models.latent_len());
    let mut window = vec![0.0; features.n_mels * context];
    let mut out = Vec::with_capacity(total);
    let mut end = 0;
    for k in 0..total {
        // The newest analysis frame at or before this video frame's time.
        let time = k as f64 / fps as f64;
        while end + 1 < frames.len() && frames[end + 1].time_s <= time {
            end += 1;
        }
        mel_window(&frames, end, context, &mut window);
        let audio = models.encode_audio(&window, 1)?;
        let latent = sample_latent(models, &audio, &noise, settings, None)?;
        out.push(models.decode(&latent)?);
        progress(k + 1, total);
    }
    Ok(out)
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
    }
}
