//! `synesthete render`: a music video from an audio file with a model set, through the same
//! per-frame generation as the plugin and the GPU post stage at the output size. The output is
//! an MP4 (or MKV/MOV/WebM) with the audio muxed in when it is a video file name (ffmpeg
//! needed), otherwise a folder of PNG frames plus audio.wav (and video.mp4 when ffmpeg is there).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use anyhow::{Context, Result, bail};
use clap::Args;
use synesthete_engine::audio_file;
use synesthete_engine::automation::Automation;
use synesthete_engine::demo::{self, MonoClip};
use synesthete_engine::generation::{GenerationError, Models, render_clip};
use synesthete_engine::output::{self, Frame, FrameSink, OutputRoute};
use synesthete_engine::params::VisualParams;
use synesthete_engine::post::{PostProcessor, PostSettings};
use synesthete_engine::{resources, runtime};

use crate::size::parse_size;

#[derive(Args)]
pub struct RenderArgs {
    /// Audio file (WAV, FLAC, Ogg Vorbis or MP3); the embedded 120 BPM demo clip when omitted.
    #[arg(long)]
    input: Option<PathBuf>,
    /// A video file (.mp4, .mkv, .mov, .webm; needs ffmpeg) or a folder for PNG frames + audio.wav.
    #[arg(long, default_value = "render")]
    output: PathBuf,
    #[arg(long, default_value_t = 30.0)]
    fps: f32,
    /// Output resolution WxH.
    #[arg(long, default_value = "1280x720")]
    size: String,
    /// Render only the first N seconds.
    #[arg(long)]
    seconds: Option<f64>,
    /// Automation lanes (JSON, see docs/automation.md): parameters that change over time.
    #[arg(long)]
    automation: Option<PathBuf>,
    /// The model set (a folder with manifest.json).
    #[arg(long, default_value = "models")]
    models: PathBuf,
    /// DDIM steps (default: the manifest's recommendation).
    #[arg(long)]
    steps: Option<u32>,
    /// Classifier-free guidance (default: the manifest's recommendation).
    #[arg(long)]
    guidance: Option<f32>,
    /// Seed of the initial noise.
    #[arg(long, default_value_t = 0)]
    seed: u32,
}

const VIDEO_EXTENSIONS: [&str; 4] = ["mp4", "mkv", "mov", "webm"];

pub fn run(args: RenderArgs) -> Result<()> {
    if !(args.fps.is_finite() && (1.0..=240.0).contains(&args.fps)) {
        bail!("--fps must be between 1 and 240");
    }
    let size = parse_size(&args.size)?;
    let mut clip = match &args.input {
        Some(path) => audio_file::load_mono(path)?,
        None => demo::demo_clip(),
    };
    if let Some(seconds) = args.seconds {
        if !(seconds.is_finite() && seconds > 0.0) {
            bail!("--seconds must be positive");
        }
        clip.samples
            .truncate((seconds * clip.sample_rate as f64) as usize);
    }
    let automation = match &args.automation {
        Some(path) => Automation::load(path)?,
        None => Automation::empty(),
    };
    let environment = runtime::environment(&resources::resource_dirs())?;
    let mut models = Models::load(&args.models, environment, num_threads())?;
    let diffusion = models.manifest.diffusion.clone().with_context(|| {
        format!(
            "the model set in {} has no DiT, so it cannot generate",
            args.models.display()
        )
    })?;
    let base = VisualParams {
        steps: args.steps.unwrap_or(diffusion.recommended_steps as u32),
        guidance: args.guidance.unwrap_or(diffusion.guidance),
        seed: args.seed,
        ..VisualParams::default()
    };
    let mut post = PostProcessor::new(models.manifest.image_size as u32, size)?;
    let mut sink = RenderTarget::open(&args.output, size, args.fps, &clip)?;

    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("render [{bar:30}] {pos}/{len} frames ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let fps = args.fps;
    let frames = render_clip(
        &mut models,
        &clip,
        fps,
        |time| automation.params_at(time, &base),
        |index, total, params, frame| {
            let rgba = post
                .process(frame, &PostSettings::from(params))
                .map_err(|e| GenerationError::Sink(e.to_string()))?;
            sink.write(size, rgba)
                .map_err(|e| GenerationError::Sink(format!("{e:#}")))?;
            bar.set_length(total as u64);
            bar.set_position(index as u64 + 1);
            Ok(())
        },
    )?;
    bar.finish_and_clear();
    let written = sink.finish()?;
    println!(
        "{frames} frames at {fps} fps, {}x{} ({:.2} s of audio, {} steps, guidance {}) in {:.1} s -> {}",
        size.0,
        size.1,
        clip.duration_s(),
        base.steps,
        base.guidance,
        started.elapsed().as_secs_f64(),
        written
    );
    Ok(())
}

/// ONNX Runtime threads for offline work: every core.
pub fn num_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Where frames go: straight into ffmpeg for a video file, or PNGs in a folder.
enum RenderTarget {
    Video {
        ffmpeg: Child,
        stdin: ChildStdin,
        path: PathBuf,
        audio: PathBuf,
    },
    Folder {
        dir: PathBuf,
        frames: Box<dyn FrameSink>,
        fps: f32,
    },
}

impl RenderTarget {
    fn open(output: &Path, size: (u32, u32), fps: f32, clip: &MonoClip) -> Result<Self> {
        let is_video = output
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
        if !is_video {
            // The output module's PNG sequence (it creates the folder).
            let frames = output::open(&OutputRoute::Files {
                dir: output.to_path_buf(),
            })?;
            write_wav(clip, &output.join("audio.wav"))?;
            return Ok(Self::Folder {
                dir: output.to_path_buf(),
                frames,
                fps,
            });
        }
        if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        let audio = output.with_extension("audio.wav");
        write_wav(clip, &audio)?;
        let mut ffmpeg = Command::new("ffmpeg")
            .args([
                "-loglevel",
                "error",
                "-y",
                "-f",
                "rawvideo",
                "-pixel_format",
                "rgba",
            ])
            .args(["-video_size", &format!("{}x{}", size.0, size.1)])
            .args(["-framerate", &fps.to_string(), "-i", "pipe:0", "-i"])
            .arg(&audio)
            .args(video_codec(output))
            .arg(output)
            .stdin(Stdio::piped())
            .spawn()
            .map_err(|_| {
                let _ = std::fs::remove_file(&audio);
                anyhow::anyhow!(
                    "writing {} needs ffmpeg, which is not installed (run scripts/setup.sh or \
                     apt install ffmpeg), or give a folder as --output for PNG frames + audio.wav",
                    output.display()
                )
            })?;
        let stdin = ffmpeg.stdin.take().context("ffmpeg's input")?;
        Ok(Self::Video {
            ffmpeg,
            stdin,
            path: output.to_path_buf(),
            audio,
        })
    }

    fn write(&mut self, (width, height): (u32, u32), rgba: &[u8]) -> Result<()> {
        match self {
            Self::Video { stdin, .. } => stdin
                .write_all(rgba)
                .context("ffmpeg stopped taking frames (see its message above)"),
            Self::Folder { frames, .. } => Ok(frames.send(&Frame {
                width,
                height,
                rgba,
            })?),
        }
    }

    /// Closes the video (or muxes the folder's frames when ffmpeg is there); says what was written.
    fn finish(self) -> Result<String> {
        match self {
            Self::Video {
                mut ffmpeg,
                stdin,
                path,
                audio,
            } => {
                drop(stdin);
                let status = ffmpeg.wait()?;
                let _ = std::fs::remove_file(&audio);
                if !status.success() {
                    bail!("ffmpeg could not write {} ({status})", path.display());
                }
                Ok(path.display().to_string())
            }
            Self::Folder { dir, fps, .. } => Ok(match mux_folder(&dir, fps) {
                Ok(video) => format!("{} (and {} with sound)", dir.display(), video.display()),
                Err(reason) => format!(
                    "{} (PNG frames + audio.wav; no MP4: {reason})",
                    dir.display()
                ),
            }),
        }
    }
}

fn video_codec(output: &Path) -> Vec<&'static str> {
    match output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("webm") => vec![
            "-c:v",
            "libvpx-vp9",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "libopus",
        ],
        _ => vec!["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    }
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

/// `video.mp4` from a folder's frames and audio, if ffmpeg runs.
fn mux_folder(dir: &Path, fps: f32) -> Result<PathBuf, String> {
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
        .args(video_codec(&video))
        .arg(&video)
        .status()
        .map_err(|_| "ffmpeg is not installed".to_string())?;
    if status.success() {
        Ok(video)
    } else {
        Err(format!("ffmpeg failed ({status})"))
    }
}
