//! The engine thread the plugin runs: drains the audio ring, analyses the audio, reads the live
//! parameters and transport, and publishes a status snapshot. (Generation joins this loop with
//! the engine issue.) It never touches the audio thread's timing: the ring is lock-free and the
//! audio thread never waits on anything here.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::features::FeatureConfig;
use crate::features::analyzer::{Analyzer, FeatureFrame};
use crate::params::{ParamSmoother, ParamSource, VisualParams};
use crate::ring::RingReader;
use crate::transport::{HostTransport, SharedTransport};

/// Environment variable: when set to a path, the engine writes its status there as JSON a few
/// times per second (for support and for automated tests).
pub const STATUS_FILE_ENV: &str = "SYNESTHETE_STATUS_FILE";

/// Rate of the engine's frame loop when idle (no generation yet), in frames per second.
const TICK_HZ: f64 = 60.0;
const STATUS_FILE_INTERVAL: Duration = Duration::from_millis(200);

/// What the engine thread has seen and done; read by the editor and written to the status file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EngineStatus {
    /// Host sample rate the engine was started with.
    pub host_sample_rate: u32,
    /// Samples received from the audio thread.
    pub samples_received: u64,
    /// Samples lost because the engine fell behind (ring overwrite).
    pub samples_dropped: u64,
    /// Analysis frames computed.
    pub feature_frames: u64,
    /// Onsets detected so far.
    pub onsets: u64,
    /// Engine loop iterations ("frames") run.
    pub ticks: u64,
    /// The latest analysis frame.
    pub features: Option<FeatureFrame>,
    /// Parameters as the engine sees them after smoothing.
    pub params: VisualParams,
    /// The raw (unsmoothed) parameter targets of the latest tick.
    pub param_targets: VisualParams,
    pub transport: TransportStatus,
    /// ONNX Runtime: "loaded from <path>", or the error with its fix.
    pub runtime: String,
    pub runtime_ok: bool,
    pub realtime_alloc_checks: bool,
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct TransportStatus {
    pub tempo_bpm: Option<f64>,
    pub beat_position: Option<f64>,
    pub playing: bool,
}

impl From<HostTransport> for TransportStatus {
    fn from(t: HostTransport) -> Self {
        Self {
            tempo_bpm: t.tempo_bpm,
            beat_position: t.beat_position,
            playing: t.playing,
        }
    }
}

pub struct LiveEngineConfig {
    pub host_sample_rate: u32,
    pub features: FeatureConfig,
    /// Directories searched for `models/` and the ONNX Runtime library.
    pub resource_dirs: Vec<PathBuf>,
    pub status_file: Option<PathBuf>,
    /// Whether the host side aborts on audio-thread allocations (test builds); reported in the
    /// status so tests can tell they ran against such a build.
    pub realtime_alloc_checks: bool,
}

/// Handle to the running engine thread; stopping (or dropping) joins it.
pub struct LiveEngine {
    stop: Arc<AtomicBool>,
    status: Arc<Mutex<EngineStatus>>,
    thread: Option<JoinHandle<()>>,
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
            host_sample_rate: config.host_sample_rate,
            samples_received: 0,
            samples_dropped: 0,
            feature_frames: 0,
            onsets: 0,
            ticks: 0,
            features: None,
            params: defaults,
            param_targets: defaults,
            transport: transport.load().into(),
            runtime: "not loaded yet".into(),
            runtime_ok: false,
            realtime_alloc_checks: config.realtime_alloc_checks,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            analyzer,
            reader,
            transport,
            params,
            smoother: ParamSmoother::new(),
            status: status.clone(),
            stop: stop.clone(),
            resource_dirs: config.resource_dirs,
            status_file: config.status_file,
        };
        let thread = std::thread::Builder::new()
            .name("synesthete-engine".into())
            .spawn(move || worker.run())
            .map_err(|e| format!("cannot start the engine thread: {e}"))?;
        Ok(Self {
            stop,
            status,
            thread: Some(thread),
        })
    }

    /// A copy of the latest status.
    pub fn status(&self) -> EngineStatus {
        lock(&self.status).clone()
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

/// A poisoned status lock only means a panic mid-update of plain data; keep using it.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Worker {
    analyzer: Analyzer,
    reader: RingReader,
    transport: Arc<SharedTransport>,
    params: Arc<dyn ParamSource>,
    smoother: ParamSmoother,
    status: Arc<Mutex<EngineStatus>>,
    stop: Arc<AtomicBool>,
    resource_dirs: Vec<PathBuf>,
    status_file: Option<PathBuf>,
}

impl Worker {
    fn run(mut self) {
        let runtime = crate::runtime::loaded(&self.resource_dirs);
        {
            let mut status = lock(&self.status);
            status.runtime_ok = runtime.is_ok();
            // The path that was loaded, not a second search that could find another file.
            status.runtime = match &runtime {
                Ok((_, path)) => format!(
                    "ONNX Runtime {} loaded from {}",
                    crate::runtime::ORT_VERSION,
                    path.display()
                ),
                Err(e) => e.to_string(),
            };
        }
        let tick = Duration::from_secs_f64(1.0 / TICK_HZ);
        let mut incoming = Vec::with_capacity(self.reader.capacity());
        let mut last_tick = Instant::now();
        let mut last_status_write = Instant::now() - STATUS_FILE_INTERVAL;
        while !self.stop.load(Ordering::Relaxed) {
            incoming.clear();
            let received = self.reader.read_into(&mut incoming) as u64;
            let transport = self.transport.load();
            self.analyzer.set_host_transport(transport);
            let (mut frames, mut onsets) = (0u64, 0u64);
            self.analyzer.process(&incoming, |frame| {
                frames += 1;
                onsets += frame.onset as u64;
            });
            let now = Instant::now();
            let targets = self.params.snapshot();
            let smoothed = self.smoother.step(targets, (now - last_tick).as_secs_f32());
            last_tick = now;
            {
                let mut status = lock(&self.status);
                status.samples_received += received;
                status.samples_dropped = self.reader.dropped();
                status.feature_frames += frames;
                status.onsets += onsets;
                status.ticks += 1;
                if frames > 0 {
                    status.features = Some(self.analyzer.latest().clone());
                }
                status.params = smoothed;
                status.param_targets = targets;
                status.transport = transport.into();
            }
            if let Some(path) = &self.status_file
                && now - last_status_write >= STATUS_FILE_INTERVAL
            {
                last_status_write = now;
                write_status_file(path, &lock(&self.status).clone());
            }
            std::thread::park_timeout(tick.saturating_sub(now.elapsed()));
        }
        if let Some(path) = &self.status_file {
            write_status_file(path, &lock(&self.status).clone());
        }
    }
}

/// Writes atomically (temp file + rename) so a reader never sees half a file. Failures are
/// ignored: the status file is a diagnostic, never a reason to disturb the engine.
fn write_status_file(path: &std::path::Path, status: &EngineStatus) {
    let Ok(json) = serde_json::to_vec_pretty(status) else {
        return;
    };
    let temp = path.with_extension("tmp");
    if std::fs::write(&temp, json).is_ok() {
        let _ = std::fs::rename(&temp, path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::audio_ring;

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
    }
}
