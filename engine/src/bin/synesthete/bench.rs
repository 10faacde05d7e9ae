//! `synesthete bench`: the real live pipeline (the engine thread the plugin runs: features,
//! audio encoder, DiT steps, decoder, GPU post, output) fed the embedded demo audio at real-time
//! pace, generating as fast as it can. Prints frames per second, audio-to-frame latency
//! percentiles, per-stage times and the execution provider.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::Args;
use synesthete_engine::demo;
use synesthete_engine::features::FeatureConfig;
use synesthete_engine::live::{
    LiveEngine, LiveEngineConfig, SharedVideoChoice, VideoChoice, VideoSettings, VideoState,
};
use synesthete_engine::output::OutputRoute;
use synesthete_engine::params::{ParamSource, VisualParams};
use synesthete_engine::resources;
use synesthete_engine::ring::audio_ring;
use synesthete_engine::transport::SharedTransport;

use crate::size::parse_size;

#[derive(Args)]
pub struct BenchArgs {
    /// Seconds to measure (after one second of warm-up).
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// The model set (default: the bundled/shipped `models/`).
    #[arg(long)]
    models: Option<PathBuf>,
    /// Output resolution WxH.
    #[arg(long, default_value = "1280x720")]
    size: String,
    /// DDIM steps per frame (default: the Steps parameter's default).
    #[arg(long)]
    steps: Option<u32>,
    /// ONNX Runtime threads per session (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

struct Fixed(VisualParams);

impl ParamSource for Fixed {
    fn snapshot(&self) -> VisualParams {
        self.0
    }
}

/// A free local port for the stream output, so the output stage is measured too.
fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

pub fn run(args: BenchArgs) -> Result<()> {
    if !(args.seconds.is_finite() && args.seconds > 0.0 && args.seconds <= 3600.0) {
        bail!("--seconds must be between 0 and 3600");
    }
    let output_size = parse_size(&args.size)?;
    let clip = demo::demo_clip();
    let (mut writer, reader) = audio_ring(clip.sample_rate as usize);
    let transport = Arc::new(SharedTransport::new());
    let mut params = VisualParams::default();
    if let Some(steps) = args.steps {
        params.steps = steps;
    }
    let threads = args.threads.unwrap_or_else(crate::render::num_threads);
    let engine = LiveEngine::start(
        LiveEngineConfig {
            host_sample_rate: clip.sample_rate,
            features: FeatureConfig::default(),
            resource_dirs: resources::resource_dirs(),
            status_file: None,
            realtime_alloc_checks: false,
            video: VideoSettings {
                output_size,
                // As fast as it can: the figure is the pipeline's throughput.
                target_fps: 1000.0,
                threads,
            },
            choice: Arc::new(SharedVideoChoice::new(VideoChoice {
                model_dir: args.models.clone(),
                route: OutputRoute::Stream { port: free_port()? },
            })),
        },
        reader,
        transport,
        Arc::new(Fixed(params)),
    )
    .map_err(anyhow::Error::msg)?;

    // Feed the demo clip (looped) in 512-sample blocks at real-time pace, as a host would.
    let block = 512;
    let block_time = Duration::from_secs_f64(block as f64 / clip.sample_rate as f64);
    let started = Instant::now();
    let warm_up = Duration::from_secs(1);
    let end = warm_up + Duration::from_secs_f64(args.seconds);
    let mut position = 0usize;
    let mut fed = Duration::ZERO;
    let mut first_count = None;
    while started.elapsed() < end {
        writer.push_block(block, |i| clip.samples[(position + i) % clip.samples.len()]);
        position = (position + block) % clip.samples.len();
        fed += block_time;
        if first_count.is_none() && started.elapsed() >= warm_up {
            let status = engine.status();
            if status.video.state == VideoState::Error {
                bail!("{}", status.video.message);
            }
            first_count = Some((status.video.frames_generated, Instant::now()));
        }
        std::thread::sleep(fed.saturating_sub(started.elapsed()));
    }
    let status = engine.status();
    let video = &status.video;
    if video.state != VideoState::Running {
        bail!("no frames were generated: {}", video.message);
    }
    let (count_at_start, measure_start) = first_count.unwrap_or((0, started));
    let fps =
        (video.frames_generated - count_at_start) as f64 / measure_start.elapsed().as_secs_f64();
    let stages = video.stages_ms;
    let report = serde_json::json!({
        "fps": fps,
        "latency_ms": video.latency_ms,
        "stages_ms": stages,
        "provider": video.provider,
        "post": video.post,
        "output": video.output,
        "output_size": [video.output_size.0, video.output_size.1],
        "steps": status.params.steps,
        "guidance": status.params.guidance,
        "threads": threads,
        "model_set": video.model_set.as_ref().map(|m| m.dir.display().to_string()),
        "frames": video.frames_generated,
        "seconds": args.seconds,
    });
    if args.json {
        println!("{report}");
        return Ok(());
    }
    println!(
        "{fps:.1} frames/s at {}x{} ({} DDIM steps, guidance {}, {} threads)",
        video.output_size.0,
        video.output_size.1,
        status.params.steps,
        status.params.guidance,
        threads
    );
    println!(
        "audio-to-frame latency: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms",
        video.latency_ms.p50, video.latency_ms.p95, video.latency_ms.p99
    );
    println!("per frame (ms):");
    for (stage, ms) in [
        ("features", stages.features),
        ("audio encoder", stages.encoder),
        ("DiT step", stages.dit_step),
        ("DiT (all steps)", stages.dit),
        ("decoder", stages.decoder),
        ("post", stages.post),
        ("output", stages.output),
    ] {
        println!("  {stage:<16} {ms:8.2}");
    }
    println!("execution provider: {}", video.provider);
    println!("post: {}", video.post);
    println!("output: {}", video.output);
    Ok(())
}
