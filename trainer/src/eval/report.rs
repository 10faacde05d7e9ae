//! The evaluation report: `report.json`, `report.md` (the side-by-side table) and `sheet.png`
//! (for the first clips: data, regression and diffusion rows, frames left to right in time).

use std::fmt::Write;
use std::path::Path;

use super::{Report, Sequences};
use crate::data::preview::blit;
use crate::data::visualizers::{ALL_FAMILIES, Frame};

const SHEET_CLIPS: usize = 4;
const SHEET_FRAMES: usize = 8;

pub fn write(
    report: &Report,
    sources: &[Option<&Sequences>],
    size: usize,
    out_dir: &Path,
) -> anyhow::Result<()> {
    std::fs::write(
        out_dir.join("report.json"),
        serde_json::to_vec_pretty(report)?,
    )?;
    std::fs::write(out_dir.join("report.md"), markdown(report))?;
    let sources: Vec<&Sequences> = sources.iter().flatten().copied().collect();
    sheet(&sources, size, &out_dir.join("sheet.png"))
}

pub fn markdown(report: &Report) -> String {
    let data = &report.scores[0];
    let mut md = String::new();
    let _ = writeln!(
        md,
        "| source | frames | sharpness (vs data) | colourfulness | diversity | domain FID | A/V sync r (lag) | flicker | patch seams |"
    );
    let _ = writeln!(
        md,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for s in &report.scores {
        let diversity = s.diversity.map_or("–".to_string(), |d| format!("{d:.4}"));
        let _ = writeln!(
            md,
            "| {} | {} | {:.2e} ({:.1}%) | {:.3} | {diversity} | {:.1} | {:.2} ({:+}) | {:.4} | {:.2} |",
            s.name,
            s.frames,
            s.sharpness,
            100.0 * s.sharpness / data.sharpness.max(1e-12),
            s.colourfulness,
            s.domain_fid,
            s.sync_correlation,
            s.sync_lag_frames,
            s.flicker,
            s.patch_seams,
        );
    }
    family_table(report, &mut md);
    let _ = writeln!(
        md,
        "\nFamily classifier accuracy on held-out frames: {:.1}%. Diffusion: {:.1} ms per frame \
         through ONNX Runtime ({} DDIM steps, guidance {}). {} held-out clips at {} fps.",
        100.0 * report.classifier_accuracy,
        report.ms_per_diffusion_frame,
        report.config.steps,
        report.config.guidance,
        report.config.clips,
        report.config.fps
    );
    md
}

/// Which families the classifier sees in each source's clips, one column per source.
fn family_table(report: &Report, md: &mut String) {
    let names: Vec<&str> = report.scores.iter().map(|s| s.name.as_str()).collect();
    let _ = writeln!(
        md,
        "\n| family (classifier's call, % of frames) | {} |",
        names.join(" | ")
    );
    let _ = writeln!(md, "| --- |{}", " ---: |".repeat(names.len()));
    for (index, family) in ALL_FAMILIES.iter().enumerate() {
        let shares: Vec<String> = report
            .scores
            .iter()
            .map(|s| {
                s.family_mix
                    .get(index)
                    .map_or("–".into(), |share| format!("{:.1}", 100.0 * share))
            })
            .collect();
        let _ = writeln!(md, "| {} | {} |", family.name(), shares.join(" | "));
    }
}

fn sheet(sources: &[&Sequences], size: usize, path: &Path) -> anyhow::Result<()> {
    let clips = sources
        .iter()
        .map(|s| s.clips.len())
        .min()
        .unwrap_or(0)
        .min(SHEET_CLIPS);
    let rows: Vec<&[Vec<f32>]> = (0..clips)
        .flat_map(|clip| sources.iter().map(move |source| &source.clips[clip][..]))
        .collect();
    frame_sheet(&rows, SHEET_FRAMES, size, path)
}

/// Writes `rows` of CHW frames as a sheet `columns` frames wide, each row's frames sampled
/// evenly from its first (a row shorter than `columns` leaves its end black).
pub fn frame_sheet(
    rows: &[&[Vec<f32>]],
    columns: usize,
    size: usize,
    path: &Path,
) -> anyhow::Result<()> {
    let mut image = image::RgbImage::new((columns * size) as u32, (rows.len() * size) as u32);
    for (row, frames) in rows.iter().enumerate() {
        for column in 0..columns {
            let index = column * frames.len() / columns;
            if let Some(frame) = frames.get(index) {
                let frame = Frame {
                    data: frame.clone(),
                };
                blit(&mut image, &frame, column * size, row * size);
            }
        }
    }
    image.save(path)?;
    Ok(())
}
