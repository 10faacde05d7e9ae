//! The pipeline's demo video: the engine's embedded demo clip rendered by the model set through
//! the engine's offline renderer, written as an animated GIF (self-contained, plays anywhere;
//! the engine's `render` command is the way to real video files).

use std::path::Path;

use image::codecs::gif::{GifEncoder, Repeat};
use image::{Delay, Frame as GifFrame, RgbImage};
use synesthete_engine::demo::demo_clip;
use synesthete_engine::generation::{
    Models, SampleSettings, fixed_noise_params, render_clip, to_rgb8,
};

/// GIF delays are in hundredths of a second: 25 fps is exactly 4.
pub const DEMO_FPS: f32 = 25.0;

/// Renders the first `seconds` of the demo clip to `path`; returns the number of frames.
pub fn write_demo_gif(
    models: &mut Models,
    settings: &SampleSettings,
    seconds: f32,
    path: &Path,
) -> anyhow::Result<usize> {
    let mut clip = demo_clip();
    let keep = (seconds.max(0.1) * clip.sample_rate as f32) as usize;
    clip.samples.truncate(keep);
    let size = models.manifest.image_size;
    let bar = crate::training::progress::bar("demo", 0, 0);
    let params = fixed_noise_params(settings, 0);
    let mut frames = Vec::new();
    render_clip(
        models,
        &clip,
        DEMO_FPS,
        |_| params,
        |done, total, _, frame| {
            bar.set_length(total as u64);
            bar.set_position(done as u64 + 1);
            frames.push(to_rgb8(frame, size));
            Ok(())
        },
    )?;
    bar.finish_and_clear();
    let file = std::fs::File::create(path)?;
    let mut encoder = GifEncoder::new_with_speed(std::io::BufWriter::new(file), 10);
    encoder.set_repeat(Repeat::Infinite)?;
    let count = frames.len();
    for rgb in frames {
        let rgb = RgbImage::from_raw(size as u32, size as u32, rgb)
            .ok_or_else(|| anyhow::anyhow!("a frame of the manifest's size"))?;
        let rgba = image::DynamicImage::ImageRgb8(rgb).to_rgba8();
        let delay = Delay::from_numer_denom_ms(1000, DEMO_FPS as u32);
        encoder.encode_frame(GifFrame::from_parts(rgba, 0, 0, delay))?;
    }
    Ok(count)
}
