//! `synesthete render`: a music video from an audio file with a model set — PNG frames and the
//! audio, muxed into an MP4 when ffmpeg is on the PATH.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use clap::Args;
use synesthete_engine::demo::{self, MonoClip};
use synesthete_engine::generation::{Models, SampleSettings, render_clip, to_rgb8};
use synesthete_engine::{resources, runtime};

#[derive(Args)]
pub struct RenderArgs {
    /// WAV file; the embedded 120 BPM demo clip when omitted.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Output folder: frame_00000.png ..., audio.wav, and video.mp4 when ffmpeg is available.
    #[arg(long, default_value = "render")]
    output: PathBuf,
    #[arg(long, default_value_t = 30.0)]
    fps: f32,
    /// Render only the first N seconds.
    #[arg(long)]
    seconds: Option<f64>,
    /// The model set (a folder with manifest.json).
    #[arg(long, default_value = "models")]
    models: PathBuf,
    /// DDIM steps (default: the manifest's recommendation).
    #[arg(long)]
    steps: Option<usize>,
    /// Classifier-free guidance (default: the manifest's recommendation).
    #[arg(long)]
    guidance: Option<f32>,
    /// Seed of the initial noise held for the whole render.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

pub fn run(args: RenderArgs) -> Result<()> {
    anyhow::ensure!(
        args.fps.is_finite() && (1.0..=240.0).contains(&args.fps),
        "--fps must be between 1 and 240"
    );
    let mut clip = match &args.input {
        Some(path) => demo::read_wav(path).map_err(anyhow::Error::msg)?,
        None => demo::demo_clip(),
    };
    if let Some(seconds) = args.seconds {
        anyhow::ensure!(seconds > 0.0, "--seconds must be positive");
        let keep = (seconds * clip.sample_rate as f64) as usize;
        clip.samples.truncate(keep);
    }
    anyhow::ensure!(!clip.samples.is_empty(), "the audio is empty");
    let environment = runtime::environment(&resources::resource_dirs())?;
    let mut models = Models::load(&args.models, environment, num_threads())?;
    let diffusion = models.manifest.diffusion.clone().with_context(|| {
        format!(
            "the model set in {} has no DiT, so it cannot generate",
            args.models.display()
        )
    })?;
    let settings = SampleSettings {
        steps: args.steps.unwrap_or(diffusion.recommended_steps),
        guidance: args.guidance.unwrap_or(diffusion.guidance),
        style: None,
        strength: 1.0,
    };
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("creating {}", args.output.display()))?;
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("render [{bar:30}] {pos}/{len} frames ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let frames = render_clip(
        &mut models,
        &clip,
        args.fps,
        &settings,
        args.seed,
        |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )?;
    bar.finish_and_clear();
    let size = models.manifest.image_size;
    for (index, frame) in frames.iter().enumerate() {
        let path = args.output.join(format!("frame_{index:05}.png"));
        write_png(frame, size, &path)?;
    }
    write_wav(&clip, &args.output.join("audio.wav"))?;
    println!(
        "{} frames at {} fps ({:.2} s of audio, {} steps, guidance {}) in {:.1} s -> {}",
        frames.len(),
        args.fps,
        clip.duration_s(),
        settings.steps,
        settings.guidance,
        started.elapsed().as_secs_f64(),
        args.output.display()
    );
    match mux(&args.output, args.fps) {
        Ok(video) => println!("video with sound: {}", video.display()),
        Err(reason) => println!("no MP4 ({reason}); the PNG frames and audio.wav are the render"),
    }
    Ok(())
}

fn num_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn write_png(frame: &[f32], size: usize, path: &Path) -> Result<()> {
    let image = image::RgbImage::from_raw(size as u32, size as u32, to_rgb8(frame, size))
        .context("a frame of the manifest's size")?;
    image
        .save(path)
        .with_context(|| format!("writing {}", path.display()))
}

fn write_wav(clip: &MonoClip, path: &Path) -> Result<()> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: clip.sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec)
        .with_context(|| format!("writing {}", path.display()))?;
    for sample in &clip.samples {
        writer.write_sample((sample.clamp(-1.0, 1.0) * i16::MAX as f32) as i16)?;
    }
    writer.finalize()?;
    Ok(())
}

/// `video.mp4` from the frames and the audio, if ffmpeg runs.
fn mux(dir: &Path, fps: f32) -> Result<PathBuf, String> {
    let video = dir.join("video.mp4");
    let status = Command::new("ffmpeg")
        .args([
            "-loglevel",
            "error",
            "-y",
            "-framerate",
            &fps.to_string(),
            "-i",
        ])
        .arg(dir.join("frame_%05d.png"))
        .arg("-i")
        .arg(dir.join("audio.wav"))
        .args([
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .arg(&video)
        .status()
        .map_err(|_| "ffmpeg is not installed".to_string())?;
    if status.success() {
        Ok(video)
    } else {
        Err(format!("ffmpeg failed ({status})"))
    }
}
