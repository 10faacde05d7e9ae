//! The engine thread with the shipped model set: it generates frames from live audio, sends them
//! out through the stream output, reports its stages, and swaps model sets at run time — a bad
//! folder becomes a status message while the audio analysis carries on, and a good one brings
//! the frames back.

mod common;

use std::io::Read;
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{ort_library, repo};
use synesthete_engine::features::FeatureConfig;
use synesthete_engine::live::{
    EngineStatus, LiveEngine, LiveEngineConfig, SharedVideoChoice, VideoChoice, VideoSettings,
    VideoState,
};
use synesthete_engine::output::OutputRoute;
use synesthete_engine::params::{ParamSource, VisualParams};
use synesthete_engine::ring::{RingWriter, audio_ring};
use synesthete_engine::transport::SharedTransport;

struct Shared(Mutex<VisualParams>);

impl ParamSource for Shared {
    fn snapshot(&self) -> VisualParams {
        *self.0.lock().unwrap()
    }
}

const RATE: u32 = 48_000;
const SIZE: (u32, u32) = (320, 180);

/// Feeds `seconds` of a pulsing tone at real-time pace in 512-sample blocks.
fn feed(writer: &mut RingWriter, seconds: f64, position: &mut usize) {
    let blocks = (seconds * RATE as f64 / 512.0) as usize;
    let started = Instant::now();
    for b in 0..blocks {
        writer.push_block(512, |i| {
            let t = (*position + i) as f32 / RATE as f32;
            let pulse = (-(t % 0.5) * 12.0).exp();
            0.7 * pulse * (2.0 * std::f32::consts::PI * 220.0 * t).sin()
        });
        *position += 512;
        let due = Duration::from_secs_f64((b + 1) as f64 * 512.0 / RATE as f64);
        std::thread::sleep(due.saturating_sub(started.elapsed()));
    }
}

fn wait_for(engine: &LiveEngine, what: &str, ok: impl Fn(&EngineStatus) -> bool) -> EngineStatus {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = engine.status();
        if ok(&status) {
            return status;
        }
        assert!(Instant::now() < deadline, "{what}: {:#?}", status.video);
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn frames_flow_out_and_model_sets_swap_at_run_time() {
    if std::env::var_os(synesthete_engine::runtime::ORT_LIB_ENV).is_none() {
        // SAFETY: set before the engine thread (or any other) starts.
        unsafe {
            std::env::set_var(synesthete_engine::runtime::ORT_LIB_ENV, ort_library());
        }
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let models = repo().join("models");
    let (mut writer, reader) = audio_ring(RATE as usize);
    let params = Arc::new(Shared(Mutex::new(VisualParams {
        steps: 4,
        ..VisualParams::default()
    })));
    let engine = LiveEngine::start(
        LiveEngineConfig {
            host_sample_rate: RATE,
            features: FeatureConfig::default(),
            resource_dirs: vec![],
            status_file: None,
            realtime_alloc_checks: false,
            choice: Arc::new(SharedVideoChoice::new(VideoChoice {
                model_dir: Some(models.clone()),
                route: OutputRoute::Stream { port },
            })),
            video: VideoSettings {
                output_size: SIZE,
                target_fps: 30.0,
                threads: 1,
            },
        },
        reader,
        Arc::new(SharedTransport::new()),
        params.clone(),
    )
    .unwrap();
    let mut position = 0;
    feed(&mut writer, 1.0, &mut position);
    let running = wait_for(&engine, "frames from the shipped models", |s| {
        s.video.frames_generated >= 5
    });
    let video = &running.video;
    assert_eq!(video.state, VideoState::Running);
    assert!(video.provider.starts_with("CPU"), "{}", video.provider);
    assert_eq!(video.output_size, SIZE, "{:?}", video.post);
    assert!(video.output_ok, "{}", video.output);
    let stages = video.stages_ms;
    assert!(stages.encoder > 0.0 && stages.dit_step > 0.0 && stages.decoder > 0.0);
    assert!((stages.dit / stages.dit_step - 4.0).abs() < 1e-6, "4 steps");
    assert!(video.latency_ms.p50 > 0.0 && video.latency_ms.p99 >= video.latency_ms.p50);

    // An unrelated reader gets whole frames of the output size from the stream.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let feeder = std::thread::spawn(move || {
        feed(&mut writer, 1.0, &mut position);
        (writer, position)
    });
    let mut frame = vec![0; (SIZE.0 * SIZE.1 * 4) as usize];
    stream.read_exact(&mut frame).unwrap();
    let (mut writer, mut position) = feeder.join().unwrap();
    assert!(
        frame.chunks_exact(4).any(|p| p != &frame[..4]),
        "not one flat colour"
    );
    let preview = engine.latest_frame().unwrap();
    assert_eq!((preview.width, preview.height), SIZE);

    // A broken model folder: a status message, no frames, audio analysis goes on.
    engine.choose(|c| c.model_dir = Some(PathBuf::from("/nonexistent/models")));
    let broken = wait_for(&engine, "the bad folder is reported", |s| {
        s.video.state == VideoState::Error
    });
    assert!(
        broken.video.message.contains("/nonexistent/models"),
        "{}",
        broken.video.message
    );
    let frames_before = broken.video.frames_generated;
    let samples_before = broken.samples_received;
    feed(&mut writer, 0.5, &mut position);
    let still = engine.status();
    assert_eq!(still.video.frames_generated, frames_before);
    assert!(still.samples_received > samples_before);

    // The good folder again: frames resume.
    engine.choose(|c| c.model_dir = Some(models.clone()));
    feed(&mut writer, 1.0, &mut position);
    let resumed = wait_for(&engine, "frames resume", |s| {
        s.video.state == VideoState::Running && s.video.frames_generated > frames_before + 3
    });

    // A set on another latent shape (the hierarchical set's 4x16x16 against the default's
    // 4x32x32): the temporal state of the last set's latents must not carry over.
    let shape = |dir: &std::path::Path| {
        let latent = synesthete_engine::manifest::Manifest::load(dir)
            .unwrap()
            .latent;
        (latent.channels, latent.height, latent.width)
    };
    let hierarchical = models.join("hierarchical");
    assert_ne!(
        shape(&models),
        shape(&hierarchical),
        "the sets' latents differ"
    );
    // Frames from the set in `dir` once the engine runs it, counted past `before`.
    let mut swap_to = |dir: &PathBuf, before: u64, what: &str| {
        engine.choose(|c| c.model_dir = Some(dir.clone()));
        feed(&mut writer, 1.0, &mut position);
        wait_for(&engine, what, |s| {
            s.video.state == VideoState::Running
                && s.video.model_set.as_ref().is_some_and(|m| &m.dir == dir)
                && s.video.frames_generated > before + 3
        })
    };
    let other = swap_to(
        &hierarchical,
        resumed.video.frames_generated,
        "frames from the other latent shape",
    );
    assert!(other.video.message.is_empty(), "{}", other.video.message);
    // And back.
    swap_to(
        &models,
        other.video.frames_generated,
        "frames from the default set again",
    );
}
