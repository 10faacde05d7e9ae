//! The engine thread the plugin runs: drains the audio ring, analyses the audio, reads the live
//! parameters and transport, generates frames with the model set, post-processes them and sends
//! them to the output, and publishes a status snapshot. It never touches the audio thread's
//! timing: the ring is lock-free and the audio thread never waits on anything here.

pub mod choice;
mod post_stage;
pub mod stats;
pub mod status;
pub mod video;
mod worker;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::features::FeatureConfig;
use crate::features::analyzer::Analyzer;
use crate::params::{ParamSmoother, ParamSource};
use crate::ring::RingReader;
use crate::transport::SharedTransport;

pub use choice::{SharedVideoChoice, VideoChoice};
pub use status::{EngineStatus, TransportStatus, VideoState, VideoStatus};
pub use video::{VideoFrame, VideoSettings};

/// Environment variable: when set to a path, the engine writes its status there as JSON a few
/// times per second (for support and for automated tests).
pub const STATUS_FILE_ENV: &str = "SYNESTHETE_STATUS_FILE";

pub struct LiveEngineConfig {
    pub host_sample_rate: u32,
    pub features: FeatureConfig,
    /// Directories searched for `models/` and the ONNX Runtime library.
    pub resource_dirs: Vec<PathBuf>,
    pub status_file: Option<PathBuf>,
    /// Whether the host side aborts on audio-thread allocations (test builds); reported in the
    /// status so tests can tell they ran against such a build.
    pub realtime_alloc_checks: bool,
    pub video: VideoSettings,
    /// Model set and output route; changed at any time by whoever holds the other `Arc`.
    pub choice: Arc<SharedVideoChoice>,
}

/// Handle to the running engine thread; stopping (or dropping) joins it.
pub struct LiveEngine {
    stop: Arc<AtomicBool>,
    view: EngineView,
    choice: Arc<SharedVideoChoice>,
    thread: Option<JoinHandle<()>>,
}

/// A read-only window on a running engine for another thread (the editor): its status and its
/// latest frame. Cheap to clone; it stays valid (showing the last state) after the engine stops.
#[derive(Clone)]
pub struct EngineView {
    status: Arc<Mutex<EngineStatus>>,
    preview: Arc<Mutex<Option<VideoFrame>>>,
}

impl EngineView {
    /// A copy of the latest status.
    pub fn status(&self) -> EngineStatus {
        lock(&self.status).clone()
    }

    /// The latest finished frame; cheap, the pixels are shared, not copied.
    pub fn latest_frame(&self) -> Option<VideoFrame> {
        lock(&self.preview).clone()
    }
}

impl LiveEngine {
    pub fn start(
        config: LiveEngineConfig,
        reader: RingReader,
        transport: Arc<SharedTransport>,
        params: Arc<dyn ParamSource>,
    ) -> Result<Self, String> {
        let analyzer = Analyzer::new(config.features.clone(), config.host_sample_rate)?;
        let defaults = params.snapshot();
        let status = Arc::new(Mutex::new(EngineStatus {
            realtime_alloc_checks: config.realtime_alloc_checks,
            ..EngineStatus::starting(
                config.host_sample_rate,
                defaults,
                transport.load(),
                VideoStatus::new(config.video.target_fps, config.video.output_size),
            )
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let preview = Arc::new(Mutex::new(None));
        let worker = worker::Worker {
            analyzer,
            reader,
            transport,
            params,
            smoother: ParamSmoother::new(),
            status: status.clone(),
            stop: stop.clone(),
            resource_dirs: config.resource_dirs,
            status_file: config.status_file,
            settings: config.video,
            choice: config.choice.clone(),
            applied: VideoChoice::default(),
            applied_revision: 0,
            choice_error: None,
            preview: preview.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("synesthete-engine".into())
            .spawn(move || worker.run())
            .map_err(|e| format!("cannot start the engine thread: {e}"))?;
        Ok(Self {
            stop,
            view: EngineView { status, preview },
            choice: config.choice,
            thread: Some(thread),
        })
    }

    /// A copy of the latest status.
    pub fn status(&self) -> EngineStatus {
        self.view.status()
    }

    /// The latest finished frame (for the editor preview); cheap, the pixels are shared.
    pub fn latest_frame(&self) -> Option<VideoFrame> {
        self.view.latest_frame()
    }

    pub fn view(&self) -> EngineView {
        self.view.clone()
    }

    /// Changes the model set and/or output route; the engine applies it between frames and the
    /// status reports the outcome.
    pub fn choose(&self, change: impl FnOnce(&mut VideoChoice)) {
        self.choice.update(change);
        if let Some(thread) = &self.thread {
            thread.thread().unpark();
        }
    }

    /// Asks the thread to finish and waits for it.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

impl Drop for LiveEngine {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A poisoned lock only means a panic mid-update of plain data; keep using it.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::VisualParams;
    use crate::ring::audio_ring;
    use crate::transport::HostTransport;
    use std::time::{Duration, Instant};

    struct Fixed(VisualParams);
    impl ParamSource for Fixed {
        fn snapshot(&self) -> VisualParams {
            self.0
        }
    }

    #[test]
    fn engine_thread_analyses_what_the_ring_carries() {
        let (mut writer, reader) = audio_ring(1 << 16);
        let transport = Arc::new(SharedTransport::new());
        let params = VisualParams {
            hue_deg: 42.0,
            ..Default::default()
        };
        let mut engine = LiveEngine::start(
            LiveEngineConfig {
                host_sample_rate: 48_000,
                features: FeatureConfig::default(),
                resource_dirs: vec![],
                status_file: None,
                realtime_alloc_checks: false,
                video: VideoSettings::default(),
                choice: Arc::new(SharedVideoChoice::new(VideoChoice {
                    model_dir: None,
                    route: crate::output::OutputRoute::Off,
                })),
            },
            reader,
            transport.clone(),
            Arc::new(Fixed(params)),
        )
        .unwrap();
        transport.publish(HostTransport {
            tempo_bpm: Some(133.0),
            beat_position: Some(1.5),
            playing: true,
        });
        // One second of a loud 1 kHz tone in 512-sample blocks.
        for block in 0..94 {
            writer.push_block(512, |i| {
                let n = (block * 512 + i) as f32;
                0.8 * (2.0 * std::f32::consts::PI * 1000.0 * n / 48_000.0).sin()
            });
            std::thread::sleep(Duration::from_millis(2));
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while engine.status().samples_received < 94 * 512 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        engine.stop();
        let status = engine.status();
        assert_eq!(status.samples_received + status.samples_dropped, 94 * 512);
        assert!(
            status.feature_frames > 70,
            "{} frames",
            status.feature_frames
        );
        assert_eq!(status.param_targets.hue_deg, 42.0);
        assert_eq!(status.transport.tempo_bpm, Some(133.0));
        let features = status.features.unwrap();
        assert!(features.rms > 0.4, "rms {}", features.rms);
        assert_eq!(features.tempo.unwrap().bpm, 133.0);
        // No resource directories, so no model set: audio analysis goes on, video says why not.
        assert_eq!(status.video.state, VideoState::Error);
        assert!(
            status.video.message.contains("no model set found"),
            "{}",
            status.video.message
        );
    }
}
