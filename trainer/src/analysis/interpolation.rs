//! Interpolation between two held-out clips: their latent means blended linearly, each step
//! decoded back to log-mel by the audio VAE and, given a frame source, drawn as the frame the
//! DiT generates for it, between the two real windows (the data's own mel and frame).

use std::path::Path;

use super::factors::KEYS;
use super::frames::{FrameSource, decode_row};
use super::sheet::{Cell, Layout, Row, write_sheet};
use crate::data::dataset::Sample;
use crate::data::music::{ClipKind, Section};
use crate::model::audio_vae::AudioVae;

/// A short description of a window's clip ("music, 128 BPM, key D, drop").
pub fn describe(sample: &Sample) -> String {
    let f = &sample.factors;
    match f.kind {
        ClipKind::Music => format!(
            "music, {:.0} BPM, key {}, {}, mix drums {:.1} bass {:.1} chords {:.1} lead {:.1}",
            f.bpm,
            KEYS[f.key as usize % 12],
            match f.section {
                Section::Build => "build",
                Section::Drop => "drop",
                Section::Break => "break",
            },
            f.mix[0],
            f.mix[1],
            f.mix[2],
            f.mix[3]
        ),
        ClipKind::NoiseSweep => "noise sweep".into(),
        ClipKind::Speech => "speech".into(),
        ClipKind::Silence => "silence".into(),
    }
}

/// Writes the sheet for `steps` blends from `mu_a` (window `a`) to `mu_b` (window `b`).
/// `progress` is called once per decoded step.
#[allow(clippy::too_many_arguments)]
pub fn write_interpolation(
    model: &AudioVae,
    n_mels: usize,
    (a, mu_a): (&Sample, &[f32]),
    (b, mu_b): (&Sample, &[f32]),
    steps: usize,
    mut frames: Option<&mut dyn FrameSource>,
    path: &Path,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<()> {
    let dims = mu_a.len();
    let steps = steps.max(2);
    let mut latents = Vec::with_capacity(steps * dims);
    for k in 0..steps {
        let t = k as f32 / (steps - 1) as f32;
        latents.extend(mu_a.iter().zip(mu_b).map(|(x, y)| (1.0 - t) * x + t * y));
    }
    let (mels, pictures) = decode_row(model, &latents, dims, frames.as_deref_mut())?;
    progress(steps);
    let with_frames = frames.is_some();
    let frame_size = frames.as_ref().map_or(0, |f| f.frame_size());
    // The data's own frame, when the sheet shows frames and it has the frame source's size.
    let real = |s: &Sample| Cell {
        frame: (with_frames && s.image.data.len() == 3 * frame_size * frame_size)
            .then(|| s.image.data.clone()),
        mel: s.mel.clone(),
    };
    let mut cells = vec![real(a)];
    cells.extend(
        mels.chunks(mels.len() / steps)
            .zip(pictures)
            .map(|(mel, frame)| Cell {
                frame,
                mel: mel.to_vec(),
            }),
    );
    cells.push(real(b));
    let mut headers = vec!["A (data)".to_string()];
    headers.extend((0..steps).map(|k| format!("t = {:.2}", k as f32 / (steps - 1) as f32)));
    headers.push("B (data)".into());
    write_sheet(
        path,
        &format!(
            "Interpolation between the latent means of two held-out windows\nA: {}\nB: {}",
            describe(a),
            describe(b)
        ),
        &headers,
        &[Row {
            label: vec![
                "A → B".into(),
                if with_frames {
                    "frame, mel".into()
                } else {
                    "decoded mel".into()
                },
            ],
            cells,
        }],
        n_mels,
        frame_size,
        &Layout::default(),
    )
}
