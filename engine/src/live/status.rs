//! What the engine thread reports: read by the editor, written to the status file, and read
//! by `synesthete bench` and the tests.

use std::path::Path;

use crate::features::analyzer::FeatureFrame;
use crate::params::VisualParams;
use crate::transport::HostTransport;

use super::stats::{Percentiles, StagesMs};
use super::video::ModelSummary;

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
    /// Engine loop iterations run.
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
    pub video: VideoStatus,
}

impl EngineStatus {
    /// The status of an engine that has started and done nothing yet.
    pub fn starting(
        host_sample_rate: u32,
        params: VisualParams,
        transport: HostTransport,
        video: VideoStatus,
    ) -> Self {
        Self {
            host_sample_rate,
            samples_received: 0,
            samples_dropped: 0,
            feature_frames: 0,
            onsets: 0,
            ticks: 0,
            features: None,
            params,
            param_targets: params,
            transport: transport.into(),
            runtime: "not loaded yet".into(),
            runtime_ok: false,
            realtime_alloc_checks: false,
            video,
        }
    }
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VideoState {
    Loading,
    Running,
    /// No frames: `message` says why and how to fix it.
    Error,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct VideoStatus {
    pub state: VideoState,
    /// Empty when running fine; otherwise the problem and its fix.
    pub message: String,
    pub model_set: Option<ModelSummary>,
    /// ONNX Runtime execution provider ("CPU", "CUDA", ...), with accelerators passed over.
    pub provider: String,
    /// The GPU adapter of the post stage, or why frames are not post-processed.
    pub post: String,
    /// The output route and its receivers, or its error.
    pub output: String,
    pub output_ok: bool,
    pub output_size: (u32, u32),
    pub target_fps: f32,
    /// Frames made per second over the last second.
    pub fps: f64,
    pub frames_generated: u64,
    /// Frame slots skipped because generation took longer than a frame.
    pub frames_dropped: u64,
    /// From the engine receiving the newest audio a frame saw to the frame leaving for the
    /// outputs, over the recent frames.
    pub latency_ms: Percentiles,
    pub stages_ms: StagesMs,
    /// Where the live audio sits on the model's latent map (pad coordinates), when it has one.
    pub audio_on_map: Option<(f32, f32)>,
}

impl VideoStatus {
    pub fn new(target_fps: f32, output_size: (u32, u32)) -> Self {
        Self {
            state: VideoState::Loading,
            message: String::new(),
            model_set: None,
            provider: String::new(),
            post: String::new(),
            output: String::new(),
            output_ok: false,
            output_size,
            target_fps,
            fps: 0.0,
            frames_generated: 0,
            frames_dropped: 0,
            latency_ms: Percentiles::default(),
            stages_ms: StagesMs::default(),
            audio_on_map: None,
        }
    }
}

/// Writes atomically (temp file + rename) so a reader never sees half a file. Failures are
/// ignored: the status file is a diagnostic, never a reason to disturb the engine.
pub fn write_status_file(path: &Path, status: &EngineStatus) {
    let Ok(json) = serde_json::to_vec_pretty(status) else {
        return;
    };
    let temp = path.with_extension("tmp");
    if std::fs::write(&temp, json).is_ok() {
        let _ = std::fs::rename(&temp, path);
    }
}
