//! Contact sheets for the latent analysis: a grid of cells, each a generated frame (optional),
//! a log-mel image and a strip of three band levels, with row labels and column headers.

use std::path::Path;

use image::imageops::{FilterType, resize};
use image::{Rgb, RgbImage};
use plotters::prelude::*;

use crate::plots::ensure_font;

/// Lowest level of the engine's log-mel normalisation: -1 is −80 dB, +1 is 0 dB.
const DB_FLOOR: f32 = -80.0;

/// Mean level of the low, mid and high thirds of the mel bands (≈ below 700 Hz, 700 Hz–2.6 kHz
/// and above, for 80 bands at 22.05 kHz), in dB (−80 to 0).
///
/// `mel` is `[n_mels][frames]` band-major in [-1, 1].
pub fn band_levels_db(mel: &[f32], n_mels: usize) -> [f32; 3] {
    let frames = mel.len() / n_mels.max(1);
    let third = n_mels / 3;
    let ranges = [0..third, third..2 * third, 2 * third..n_mels];
    ranges.map(|bands| {
        let count = (bands.len() * frames).max(1) as f32;
        let mean = bands
            .flat_map(|b| mel[b * frames..(b + 1) * frames].iter())
            .sum::<f32>()
            / count;
        (mean + 1.0) * 0.5 * -DB_FLOOR + DB_FLOOR
    })
}

/// The log-mel `[n_mels][frames]` in [-1, 1] as an image, low frequencies at the bottom, in
/// `width` x `height` pixels: dark purple at the −80 dB floor, yellow at `top` (a normalised
/// value, 1 = 0 dB).
pub fn mel_image(mel: &[f32], n_mels: usize, top: f32, width: u32, height: u32) -> RgbImage {
    let frames = mel.len() / n_mels.max(1);
    let span = (top + 1.0).max(1e-3);
    let full = RgbImage::from_fn(frames as u32, n_mels as u32, |x, y| {
        let band = n_mels - 1 - y as usize;
        let v = ((mel[band * frames + x as usize] + 1.0) / span).clamp(0.0, 1.0);
        let RGBColor(r, g, b) = crate::plots::viridis(v as f64);
        Rgb([r, g, b])
    });
    resize(&full, width, height, FilterType::Triangle)
}

/// A CHW RGB frame in [0, 1] of `size` x `size` as an image of `side` x `side` pixels.
pub fn frame_image(chw: &[f32], size: usize, side: u32) -> RgbImage {
    let plane = size * size;
    let full = RgbImage::from_fn(size as u32, size as u32, |x, y| {
        let i = y as usize * size + x as usize;
        let c = |k: usize| (chw[k * plane + i].clamp(0.0, 1.0) * 255.0).round() as u8;
        Rgb([c(0), c(1), c(2)])
    });
    if side as usize == size {
        full
    } else {
        resize(&full, side, side, FilterType::Triangle)
    }
}

/// One cell of a sheet.
pub struct Cell {
    /// A CHW frame in [0, 1] (`frame_size` square), drawn above the mel.
    pub frame: Option<Vec<f32>>,
    /// `[n_mels][frames]` in [-1, 1].
    pub mel: Vec<f32>,
}

/// One row: a label (lines of text) and its cells.
pub struct Row {
    pub label: Vec<String>,
    pub cells: Vec<Cell>,
}

/// Sizes of a sheet, in pixels.
pub struct Layout {
    /// Side of a frame and width of a cell.
    pub cell: u32,
    /// Height of the mel image.
    pub mel_height: u32,
    /// Height of the band-level strip.
    pub strip_height: u32,
    pub label_width: u32,
    pub header_height: u32,
    pub gap: u32,
}

impl Default for Layout {
    fn default() -> Self {
        Self {
            cell: 96,
            mel_height: 60,
            strip_height: 26,
            label_width: 104,
            header_height: 44,
            gap: 6,
        }
    }
}

const BAND_COLOURS: [Rgb<u8>; 3] = [Rgb([200, 60, 50]), Rgb([60, 160, 70]), Rgb([50, 90, 200])];

/// Three bars (low, mid, high band level, `range` in dB from empty to full) filling
/// `width` x `height` at (x, y).
fn draw_strip(
    image: &mut RgbImage,
    levels: [f32; 3],
    range: (f32, f32),
    (x, y): (u32, u32),
    (width, height): (u32, u32),
) {
    let bar = width / 3;
    for (k, level) in levels.iter().enumerate() {
        let t = (level - range.0) / (range.1 - range.0).max(1e-3);
        let filled = (t.clamp(0.0, 1.0) * height as f32) as u32;
        for dx in 1..bar.saturating_sub(1) {
            for dy in 0..height {
                let colour = if dy >= height - filled {
                    BAND_COLOURS[k]
                } else {
                    Rgb([235, 235, 235])
                };
                image.put_pixel(x + k as u32 * bar + dx, y + dy, colour);
            }
        }
    }
}

/// Writes a sheet of `rows` under column `headers` (a title above, one line per `\n`) to `path`. Cells show the
/// frame when they have one, the mel and the band strip; `n_mels` and `frame_size` describe
/// the cells' data. The legend explains the strip.
pub fn write_sheet(
    path: &Path,
    title: &str,
    headers: &[String],
    rows: &[Row],
    n_mels: usize,
    frame_size: usize,
    layout: &Layout,
) -> anyhow::Result<()> {
    ensure_font()?;
    let columns = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0) as u32;
    let with_frames = rows
        .iter()
        .any(|r| r.cells.iter().any(|c| c.frame.is_some()));
    let frame_height = if with_frames { layout.cell } else { 0 };
    let row_height = frame_height + layout.mel_height + layout.strip_height + 2 * layout.gap;
    let width = layout.label_width + columns * (layout.cell + layout.gap) + layout.gap;
    // The title may span lines; the header grows with it.
    let title_lines: Vec<&str> = title.lines().collect();
    let header_height = layout.header_height + 18 * title_lines.len().saturating_sub(1) as u32;
    let height = header_height + rows.len() as u32 * row_height + 40;
    let cells = || rows.iter().flat_map(|r| r.cells.iter());
    // One colour range and one bar range for the whole sheet, fitted to its content, so cells
    // compare with each other and quiet material is still readable.
    let mel_top = cells()
        .flat_map(|c| c.mel.iter().copied())
        .fold(-0.5f32, f32::max)
        .min(1.0);
    let levels: Vec<[f32; 3]> = cells().map(|c| band_levels_db(&c.mel, n_mels)).collect();
    let (lo, hi) = levels
        .iter()
        .flatten()
        .fold((0.0f32, DB_FLOOR), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let bar_range = ((lo - 2.0).max(DB_FLOOR), (hi + 2.0).min(0.0));
    let mut image = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    let mut texts: Vec<(String, (i32, i32), u32)> = title_lines
        .iter()
        .enumerate()
        .map(|(k, line)| (line.to_string(), (8, 4 + 18 * k as i32), 16))
        .collect();
    for (c, header) in headers.iter().enumerate() {
        let x = layout.label_width + c as u32 * (layout.cell + layout.gap);
        texts.push((
            header.clone(),
            (x as i32 + 4, header_height as i32 - 20),
            13,
        ));
    }
    for (r, row) in rows.iter().enumerate() {
        let y0 = header_height + r as u32 * row_height;
        for (k, line) in row.label.iter().enumerate() {
            texts.push((line.clone(), (6, (y0 + 4 + 16 * k as u32) as i32), 13));
        }
        for (c, cell) in row.cells.iter().enumerate() {
            let x = layout.label_width + c as u32 * (layout.cell + layout.gap);
            let mut y = y0;
            if let Some(frame) = &cell.frame {
                let picture = frame_image(frame, frame_size, layout.cell);
                image::imageops::replace(&mut image, &picture, x as i64, y as i64);
            }
            y += frame_height;
            let mel = mel_image(&cell.mel, n_mels, mel_top, layout.cell, layout.mel_height);
            image::imageops::replace(&mut image, &mel, x as i64, y as i64);
            y += layout.mel_height + 2;
            draw_strip(
                &mut image,
                band_levels_db(&cell.mel, n_mels),
                bar_range,
                (x, y),
                (layout.cell, layout.strip_height),
            );
        }
    }
    let top_db = (mel_top + 1.0) * 0.5 * -DB_FLOOR + DB_FLOOR;
    texts.push((
        format!("mel: low frequencies at the bottom, −80 dB dark to {top_db:.0} dB yellow"),
        (8, height as i32 - 36),
        12,
    ));
    texts.push((
        format!(
            "bars: mean level of the low / mid / high thirds of the mel bands, {:.0} dB (empty) to {:.0} dB (full)",
            bar_range.0, bar_range.1
        ),
        (8, height as i32 - 19),
        12,
    ));
    {
        let area = BitMapBackend::with_buffer(image.as_mut(), (width, height)).into_drawing_area();
        for (text, position, size) in texts {
            area.draw(&Text::new(text, position, ("sans-serif", size).into_font()))?;
        }
        area.present()?;
    }
    image.save(path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_levels_read_each_third_of_the_bands() {
        let (n_mels, frames) = (6, 4);
        // Low bands at the floor, mid at −40 dB, high at 0 dB.
        let mut mel = vec![-1.0; n_mels * frames];
        mel[2 * frames..4 * frames].fill(0.0);
        mel[4 * frames..].fill(1.0);
        let levels = band_levels_db(&mel, n_mels);
        assert_eq!(levels, [-80.0, -40.0, 0.0]);
    }
}
