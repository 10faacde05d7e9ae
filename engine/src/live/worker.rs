//! The engine thread's loop: drain the audio ring, analyse, smooth the parameters, and when a
//! frame is due generate it, post-process it and send it out. When generation is slower than
//! the frame rate, frame slots are skipped (and counted), never queued.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::features::analyzer::{Analyzer, FeatureFrame};
use crate::params::{ParamSmoother, ParamSource, VisualParams};
use crate::ring::RingReader;
use crate::transport::SharedTransport;

use super::choice::{SharedVideoChoice, VideoChoice};
use super::lock;
use super::post_stage::PostStage;
use super::stats::{RollingStats, StagesMs};
use super::status::{EngineStatus, VideoState, write_status_file};
use super::video::{
    LoadedModels, OutputStage, VideoFrame, VideoSettings, find_model_dir, finish_frame,
};

/// How often the loop wakes to drain audio when no frame is due.
const TICK: Duration = Duration::from_millis(1000 / 120);
const STATUS_FILE_INTERVAL: Duration = Duration::from_millis(200);
/// Analysis frames kept when no model says how many it looks at.
const DEFAULT_HISTORY: usize = 256;

pub(super) struct Worker {
    pub analyzer: Analyzer,
    pub reader: RingReader,
    pub transport: Arc<SharedTransport>,
    pub params: Arc<dyn ParamSource>,
    pub smoother: ParamSmoother,
    pub status: Arc<Mutex<EngineStatus>>,
    pub stop: Arc<AtomicBool>,
    pub resource_dirs: Vec<PathBuf>,
    pub status_file: Option<PathBuf>,
    pub settings: VideoSettings,
    pub choice: Arc<SharedVideoChoice>,
    /// The choice in use, its revision, and why a newer one was refused.
    pub applied: VideoChoice,
    pub applied_revision: u64,
    pub choice_error: Option<String>,
    pub preview: Arc<Mutex<Option<VideoFrame>>>,
}

/// The loaded model set with its post stage (sized for that set's frames).
struct Generation {
    models: LoadedModels,
    post: PostStage,
}

impl Worker {
    pub fn run(mut self) {
        self.report_runtime();
        self.take_choice();
        let mut generation = self.load_models(&self.params.snapshot());
        let mut output = self.open_output();
        let mut history: Vec<FeatureFrame> = Vec::with_capacity(2 * DEFAULT_HISTORY);
        let mut incoming = Vec::with_capacity(self.reader.capacity());
        let mut stats = RollingStats::default();
        let mut recent_frames: VecDeque<Instant> = VecDeque::new();
        let period =
            Duration::from_secs_f64(1.0 / self.settings.target_fps.clamp(1.0, 1000.0) as f64);
        let mut last_tick = Instant::now();
        let mut last_frame = Instant::now();
        let mut next_due = Instant::now();
        let mut newest_audio_at = Instant::now();
        let mut features_ms = 0.0;
        let mut last_status_write = Instant::now() - STATUS_FILE_INTERVAL;
        let mut frame_index = 0u64;

        while !self.stop.load(Ordering::Relaxed) {
            if self.choice.revision() != self.applied_revision {
                let previous = self.applied.clone();
                let had_error = self.choice_error.is_some();
                self.take_choice();
                if self.applied.model_dir != previous.model_dir
                    || had_error
                    || self.choice_error.is_some()
                {
                    generation = self.load_models(&self.params.snapshot());
                }
                if self.applied.route != previous.route {
                    output = self.open_output();
                }
            }

            // Audio in: analyse everything that arrived.
            let analysing = Instant::now();
            incoming.clear();
            let received = self.reader.read_into(&mut incoming) as u64;
            let transport = self.transport.load();
            self.analyzer.set_host_transport(transport);
            let (mut frames, mut onsets) = (0u64, 0u64);
            self.analyzer.process(&incoming, |frame| {
                frames += 1;
                onsets += frame.onset as u64;
                history.push(frame.clone());
            });
            let keep = generation
                .as_ref()
                .map_or(DEFAULT_HISTORY, |g| g.models.context_frames());
            if history.len() > 2 * keep {
                history.drain(..history.len() - keep);
            }
            let now = Instant::now();
            if frames > 0 {
                newest_audio_at = now;
            }
            features_ms += (now - analysing).as_secs_f64() * 1000.0;
            let targets = self.params.snapshot();
            let smoothed = self.smoother.step(targets, (now - last_tick).as_secs_f32());
            last_tick = now;

            // Video out, when a frame is due.
            let mut frame_result = None;
            if let Some(generation) = generation.as_mut()
                && now >= next_due
            {
                let mut stages = StagesMs {
                    features: std::mem::take(&mut features_ms),
                    ..Default::default()
                };
                let dt = (now - last_frame).as_secs_f32();
                last_frame = now;
                let result = generation
                    .models
                    .generate(&history, &smoothed, dt, &mut stages)
                    .map(|image| {
                        finish_frame(
                            &mut generation.post,
                            &mut output,
                            &image,
                            &smoothed,
                            frame_index,
                            &mut stages,
                        )
                    });
                let done = Instant::now();
                // Skip the slots this frame overran instead of trying to catch up.
                let late = done.saturating_duration_since(next_due);
                let skipped = (late.as_secs_f64() / period.as_secs_f64()).floor() as u32;
                next_due += period * (skipped + 1);
                frame_result = Some((
                    result,
                    stages,
                    skipped,
                    (done - newest_audio_at).as_secs_f64() * 1000.0,
                ));
            }

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
                if let Some((result, stages, skipped, latency_ms)) = frame_result {
                    let video = &mut status.video;
                    video.frames_dropped += skipped as u64;
                    match result {
                        Ok((frame, sent)) => {
                            frame_index += 1;
                            video.frames_generated += 1;
                            video.state = VideoState::Running;
                            video.message.clear();
                            stats.push(latency_ms, stages);
                            video.latency_ms = stats.latency();
                            video.stages_ms = stats.stages();
                            recent_frames.push_back(Instant::now());
                            video.output_size = (frame.width, frame.height);
                            if let Err(error) = sent {
                                video.output = format!("output failed: {error}");
                                video.output_ok = false;
                            } else {
                                video.output = output.describe();
                                video.output_ok = output.is_ok();
                            }
                            *lock(&self.preview) = Some(frame);
                        }
                        Err(message) => {
                            video.state = VideoState::Error;
                            video.message = message;
                        }
                    }
                    if let Some(generation) = &generation {
                        video.post = generation.post.describe();
                        video.audio_on_map = generation.models.audio_on_map();
                    }
                }
                while recent_frames
                    .front()
                    .is_some_and(|t| t.elapsed() > Duration::from_secs(1))
                {
                    recent_frames.pop_front();
                }
                status.video.fps = recent_frames.len() as f64;
            }
            if let Some(path) = &self.status_file
                && now - last_status_write >= STATUS_FILE_INTERVAL
            {
                last_status_write = now;
                write_status_file(path, &lock(&self.status).clone());
            }
            let wait = if generation.is_some() {
                TICK.min(next_due.saturating_duration_since(Instant::now()))
            } else {
                TICK
            };
            std::thread::park_timeout(wait);
        }
        if let Some(path) = &self.status_file {
            write_status_file(path, &lock(&self.status).clone());
        }
    }

    fn report_runtime(&self) {
        let runtime = crate::runtime::loaded(&self.resource_dirs);
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

    /// Reads the latest choice. An invalid one (a hand-edited or corrupt saved state) is kept
    /// as an error: generation stops with that error in the status until a valid choice comes.
    fn take_choice(&mut self) {
        self.applied_revision = self.choice.revision();
        let choice = self.choice.get();
        match choice.validate() {
            Ok(()) => {
                self.applied = choice;
                self.choice_error = None;
            }
            Err(error) => self.choice_error = Some(error),
        }
    }

    fn load_models(&self, params: &VisualParams) -> Option<Generation> {
        {
            let mut status = lock(&self.status);
            status.video.state = VideoState::Loading;
            status.video.message.clear();
        }
        let loaded = match &self.choice_error {
            Some(error) => Err(format!("the chosen video settings cannot be used: {error}")),
            None => find_model_dir(self.applied.model_dir.as_deref(), &self.resource_dirs),
        };
        let loaded = loaded.and_then(|dir| {
            LoadedModels::load(&dir, &self.resource_dirs, self.settings.threads, params)
        });
        let mut status = lock(&self.status);
        match loaded {
            Ok(models) => {
                let post = PostStage::new(models.summary.image_size, self.settings.output_size);
                status.video.model_set = Some(models.summary.clone());
                status.video.provider = models.provider();
                status.video.post = post.describe();
                Some(Generation { models, post })
            }
            Err(message) => {
                status.video.state = VideoState::Error;
                status.video.message = message;
                status.video.model_set = None;
                None
            }
        }
    }

    fn open_output(&self) -> OutputStage {
        let output = OutputStage::open(&self.applied.route);
        let mut status = lock(&self.status);
        status.video.output = output.describe();
        status.video.output_ok = output.is_ok();
        output
    }
}
