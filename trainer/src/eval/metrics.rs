//! Image and sequence metrics of the evaluation suite. Frames are CHW RGB in [0, 1], square.

/// Rec. 601 luma of a CHW frame.
fn luma(frame: &[f32]) -> Vec<f32> {
    let plane = frame.len() / 3;
    (0..plane)
        .map(|i| 0.299 * frame[i] + 0.587 * frame[plane + i] + 0.114 * frame[2 * plane + i])
        .collect()
}

fn side(frame: &[f32]) -> usize {
    ((frame.len() / 3) as f64).sqrt() as usize
}

/// Mean and (population) variance.
pub(crate) fn mean_var(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = values.clone().count().max(1) as f64;
    let mean = values.clone().sum::<f64>() / n;
    let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var)
}

/// Sharpness: variance of the 4-neighbour Laplacian of the luma over interior pixels (Pech-Pacheco
/// et al. 2000). Blur lowers it; a flat image has 0.
pub fn sharpness(frame: &[f32]) -> f64 {
    let (y, n) = (luma(frame), side(frame));
    let laplacian = (1..n - 1).flat_map(|r| {
        let y = &y;
        (1..n - 1).map(move |c| {
            let at = |r: usize, c: usize| y[r * n + c] as f64;
            at(r - 1, c) + at(r + 1, c) + at(r, c - 1) + at(r, c + 1) - 4.0 * at(r, c)
        })
    });
    mean_var(laplacian).1
}

/// Mean [`sharpness`] of `frames` (0 for none).
pub fn mean_sharpness<'a>(frames: impl IntoIterator<Item = &'a [f32]>) -> f64 {
    let (sum, count) = frames
        .into_iter()
        .fold((0.0, 0usize), |(sum, n), f| (sum + sharpness(f), n + 1));
    sum / count.max(1) as f64
}

/// Mean sharpness of `frames` ÷ that of `reference` (1: as crisp; the image VAE's diagnostics).
pub fn sharpness_ratio<'a>(
    frames: impl IntoIterator<Item = &'a [f32]>,
    reference: impl IntoIterator<Item = &'a [f32]>,
) -> f64 {
    mean_sharpness(frames) / mean_sharpness(reference).max(1e-12)
}

/// Patch seams: the mean absolute luma step between neighbouring pixels on either side of a line
/// of the `tile`-pixel grid, ÷ that between all other neighbours, over all `frames`. A DiT whose
/// tokens do not agree draws its patch grid as a mosaic (well above 1); frames without the grid
/// score about 1. The sharpness and FID columns miss such a mosaic: its edges are sharp detail.
pub fn patch_seams<'a>(frames: impl IntoIterator<Item = &'a [f32]>, tile: usize) -> f64 {
    let (mut across, mut within) = ((0.0f64, 0usize), (0.0f64, 0usize));
    for frame in frames {
        let (y, n) = (luma(frame), side(frame));
        for r in 0..n {
            for c in 0..n {
                let here = y[r * n + c];
                let right = (c + 1 < n).then(|| (y[r * n + c + 1], (c + 1) % tile == 0));
                let below = (r + 1 < n).then(|| (y[(r + 1) * n + c], (r + 1) % tile == 0));
                for (there, on_grid) in [right, below].into_iter().flatten() {
                    let sum = if on_grid { &mut across } else { &mut within };
                    sum.0 += (there - here).abs() as f64;
                    sum.1 += 1;
                }
            }
        }
    }
    let mean = |(sum, count): (f64, usize)| sum / count.max(1) as f64;
    mean(across) / mean(within).max(1e-12)
}

/// Colourfulness (Hasler & Süsstrunk 2003) on [0, 1] RGB: σ_rgyb + 0.3·μ_rgyb with
/// rg = R − G and yb = (R + G)/2 − B. Grey images score 0.
pub fn colourfulness(frame: &[f32]) -> f64 {
    let plane = frame.len() / 3;
    let (r, g, b) = (
        &frame[..plane],
        &frame[plane..2 * plane],
        &frame[2 * plane..],
    );
    let rg = (0..plane).map(|i| (r[i] - g[i]) as f64);
    let yb = (0..plane).map(|i| (0.5 * (r[i] + g[i]) - b[i]) as f64);
    let (mean_rg, var_rg) = mean_var(rg);
    let (mean_yb, var_yb) = mean_var(yb);
    (var_rg + var_yb).sqrt() + 0.3 * (mean_rg.powi(2) + mean_yb.powi(2)).sqrt()
}

/// Root-mean-square difference of two frames.
pub fn rms_distance(a: &[f32], b: &[f32]) -> f64 {
    let sum: f64 = a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum();
    (sum / a.len().max(1) as f64).sqrt()
}

/// Diversity: mean pairwise RMS distance between frames made for the same audio (different
/// seeds). A deterministic model scores 0.
pub fn diversity(frames: &[Vec<f32>]) -> f64 {
    let mut total = 0.0;
    let mut pairs = 0;
    for i in 0..frames.len() {
        for j in i + 1..frames.len() {
            total += rms_distance(&frames[i], &frames[j]);
            pairs += 1;
        }
    }
    if pairs == 0 {
        0.0
    } else {
        total / pairs as f64
    }
}

/// Frame-to-frame change of a sequence: RMS distance between consecutive frames.
pub fn frame_changes(frames: &[Vec<f32>]) -> Vec<f64> {
    frames
        .windows(2)
        .map(|w| rms_distance(&w[0], &w[1]))
        .collect()
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    if n < 2 {
        return 0.0;
    }
    let (ma, va) = mean_var(a[..n].iter().copied());
    let (mb, vb) = mean_var(b[..n].iter().copied());
    if va <= 0.0 || vb <= 0.0 {
        return 0.0;
    }
    let cov = (0..n).map(|i| (a[i] - ma) * (b[i] - mb)).sum::<f64>() / n as f64;
    cov / (va * vb).sqrt()
}

/// Audio-visual sync: the best Pearson correlation between the onset envelope and the
/// frame-to-frame change within ±`max_lag` frames, and that lag (positive: the picture changes
/// after the onset).
pub fn sync_correlation(onsets: &[f64], changes: &[f64], max_lag: usize) -> (f64, i32) {
    let mut best = (f64::NEG_INFINITY, 0);
    for lag in -(max_lag as i32)..=max_lag as i32 {
        let (a, b) = if lag >= 0 {
            let l = lag as usize;
            (
                &onsets[..onsets.len().saturating_sub(l)],
                &changes[l.min(changes.len())..],
            )
        } else {
            let l = (-lag) as usize;
            (
                &onsets[l.min(onsets.len())..],
                &changes[..changes.len().saturating_sub(l)],
            )
        };
        let r = pearson(a, b);
        if r > best.0 {
            best = (r, lag);
        }
    }
    if best.0.is_finite() { best } else { (0.0, 0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: usize = 16;

    fn image(f: impl Fn(usize, usize, usize) -> f32) -> Vec<f32> {
        (0..3)
            .flat_map(|c| (0..N).flat_map(move |r| (0..N).map(move |x| (c, r, x))))
            .map(|(c, r, x)| f(c, r, x))
            .collect()
    }

    #[test]
    fn sharpness_is_zero_when_flat_and_known_for_a_checkerboard() {
        assert_eq!(sharpness(&image(|_, _, _| 0.4)), 0.0);
        // A 0/1 grey checkerboard: every interior Laplacian is ±4, so the variance is 16.
        let checker = image(|_, r, c| ((r + c) % 2) as f32);
        assert!((sharpness(&checker) - 16.0).abs() < 1e-6);
        // Blurring (averaging with a shifted copy) lowers it.
        let blurred = image(|_, r, c| 0.5 * ((r + c) % 2) as f32 + 0.25);
        assert!(sharpness(&blurred) < sharpness(&checker));
    }

    #[test]
    fn sharpness_ratio_compares_mean_sharpness() {
        let checker = image(|_, r, c| ((r + c) % 2) as f32);
        // Half the contrast: a quarter of the Laplacian's variance.
        let faint = image(|_, r, c| 0.5 * ((r + c) % 2) as f32 + 0.25);
        let flat = image(|_, _, _| 0.4);
        let frames = [faint.as_slice(), flat.as_slice()];
        let reference = [checker.as_slice(), checker.as_slice()];
        assert!((sharpness_ratio(frames, reference) - 0.125).abs() < 1e-9);
        assert!((sharpness_ratio([checker.as_slice()], [checker.as_slice()]) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn patch_seams_find_a_mosaic_and_not_a_smooth_or_noisy_frame() {
        // 4-pixel tiles, each a flat colour of its own: every step is on the grid.
        let mosaic = image(|_, r, c| ((r / 4 * 7 + c / 4 * 3) % 5) as f32 / 5.0);
        assert!(patch_seams([mosaic.as_slice()], 4) > 1e6);
        // A ramp steps alike everywhere; so does independent per-pixel noise, on average.
        let ramp = image(|_, r, c| (r + c) as f32 / 32.0);
        assert!((patch_seams([ramp.as_slice()], 4) - 1.0).abs() < 1e-6);
        let noise = image(|_, r, c| {
            ((r * 16 + c) as u32).wrapping_mul(2_654_435_761) as f32 / u32::MAX as f32
        });
        assert!((patch_seams([noise.as_slice()], 4) - 1.0).abs() < 0.15);
    }

    #[test]
    fn colourfulness_is_zero_for_grey_and_known_for_red() {
        assert!(colourfulness(&image(|_, r, _| r as f32 / N as f32)) < 1e-9);
        let red = image(|c, _, _| if c == 0 { 1.0 } else { 0.0 });
        // rg = 1, yb = 0.5 everywhere: 0.3 * sqrt(1.25).
        assert!((colourfulness(&red) - 0.3 * 1.25f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn diversity_is_zero_for_copies_and_the_distance_for_two() {
        let a = image(|_, _, _| 0.2);
        let b = image(|_, _, _| 0.7);
        assert_eq!(diversity(&[a.clone(), a.clone(), a.clone()]), 0.0);
        assert!((diversity(&[a, b]) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn sync_finds_a_delayed_response() {
        let onsets: Vec<f64> = (0..200)
            .map(|i| if i % 15 == 0 { 1.0 } else { 0.0 })
            .collect();
        // The picture jumps two frames after each onset.
        let changes: Vec<f64> = (0..200)
            .map(|i| {
                if i >= 2 && (i - 2) % 15 == 0 {
                    3.0
                } else {
                    0.5
                }
            })
            .collect();
        let (r, lag) = sync_correlation(&onsets, &changes, 5);
        assert_eq!(lag, 2);
        assert!((r - 1.0).abs() < 1e-9, "{r}");
        let (r, _) = sync_correlation(&onsets, &vec![1.0; 200], 5);
        assert_eq!(r, 0.0, "a static picture has no sync");
    }

    #[test]
    fn frame_changes_of_a_static_sequence_are_zero() {
        let a = image(|_, r, c| (r * c) as f32 / 256.0);
        assert_eq!(frame_changes(&[a.clone(), a.clone(), a]), vec![0.0, 0.0]);
    }
}
