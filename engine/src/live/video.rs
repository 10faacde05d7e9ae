//! The video half of the engine thread: a loaded model set and its frame generator, the post
//! stage and the output sink. Every failure here ends up as a status message; the engine keeps
//! analysing audio and the audio thread never notices.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::features::analyzer::FeatureFrame;
use crate::features::window::mel_window;
use crate::generation::{FrameGenerator, Models};
use crate::latent_map::LatentMap;
use crate::output::{Frame, FrameSink, OutputRoute};
use crate::params::VisualParams;

use super::post_stage::PostStage;
use super::stats::StagesMs;

/// How the engine thread runs, fixed while it runs (the model set and route are a
/// [`super::VideoChoice`], changeable at any time).
#[derive(Debug, Clone, PartialEq)]
pub struct VideoSettings {
    /// Output resolution after upscaling.
    pub output_size: (u32, u32),
    /// Frames per second the engine aims for; it drops frames rather than fall behind.
    pub target_fps: f32,
    /// ONNX Runtime threads per session.
    pub threads: usize,
}

impl Default for VideoSettings {
    fn default() -> Self {
        Self {
            output_size: (1280, 720),
            target_fps: 30.0,
            threads: 1,
        }
    }
}

/// The model-set folder to load: the user's choice, else the first resource directory that
/// holds a `models/manifest.json`.
pub fn find_model_dir(chosen: Option<&Path>, resource_dirs: &[PathBuf]) -> Result<PathBuf, String> {
    if let Some(dir) = chosen {
        return Ok(dir.to_path_buf());
    }
    resource_dirs
        .iter()
        .map(|dir| dir.join(crate::resources::MODELS_SUBDIR))
        .find(|dir| dir.join(crate::manifest::MANIFEST_FILE).is_file())
        .ok_or_else(|| {
            format!(
                "no model set found (looked for models/manifest.json in: {}). Reinstall the \
                 Synesthete bundle or choose a model folder",
                resource_dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// What the status shows about the loaded model set.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ModelSummary {
    pub name: String,
    pub dir: PathBuf,
    pub image_size: usize,
    pub recommended_steps: usize,
    pub recommended_guidance: f32,
    pub styles: usize,
    /// The latent pad's map, when the set ships one (shared, not written to the status file).
    #[serde(skip)]
    pub latent_map: Option<Arc<LatentMap>>,
}

/// A finished frame, shared with the editor preview without copying it again.
#[derive(Debug, Clone)]
pub struct VideoFrame {
    pub width: u32,
    pub height: u32,
    pub rgba: Arc<Vec<u8>>,
    pub index: u64,
}

pub struct LoadedModels {
    models: Models,
    generator: FrameGenerator,
    window: Vec<f32>,
    pub summary: ModelSummary,
}

impl LoadedModels {
    pub fn load(
        dir: &Path,
        resource_dirs: &[PathBuf],
        threads: usize,
        params: &VisualParams,
    ) -> Result<Self, String> {
        let environment = crate::runtime::environment(resource_dirs).map_err(|e| e.to_string())?;
        let models = Models::load(dir, environment, threads)
            .map_err(|e| format!("the model set in {} cannot be used: {e}", dir.display()))?;
        let diffusion = models.manifest.diffusion.clone().ok_or_else(|| {
            format!(
                "the model set in {} has no trained DiT, so it cannot generate; choose a \
                 complete model set",
                dir.display()
            )
        })?;
        let summary = ModelSummary {
            name: models.manifest.name.clone(),
            dir: dir.to_path_buf(),
            image_size: models.manifest.image_size,
            recommended_steps: diffusion.recommended_steps,
            recommended_guidance: diffusion.guidance,
            styles: models.styles(),
            latent_map: models.latent_map.clone().map(Arc::new),
        };
        let window = vec![-1.0; models.manifest.features.n_mels * models.manifest.context_frames];
        let generator = FrameGenerator::new(&models, params);
        Ok(Self {
            models,
            generator,
            window,
            summary,
        })
    }

    pub fn provider(&self) -> String {
        self.models.provider.to_string()
    }

    /// Where the live audio of the latest frame sits on the latent map.
    pub fn audio_on_map(&self) -> Option<(f32, f32)> {
        self.generator.audio_on_map
    }

    /// Log-mel frames the model looks at.
    pub fn context_frames(&self) -> usize {
        self.models.manifest.context_frames
    }

    /// One frame from the newest `history` (oldest first) with `params`.
    pub fn generate(
        &mut self,
        history: &[FeatureFrame],
        params: &VisualParams,
        dt_s: f32,
        stages: &mut StagesMs,
    ) -> Result<Vec<f32>, String> {
        let context = self.context_frames();
        let beat_phase = history.last().and_then(|f| f.beat_phase);
        if history.is_empty() {
            self.window.fill(-1.0);
        } else {
            mel_window(history, history.len() - 1, context, &mut self.window);
        }
        let frame = self
            .generator
            .next_frame(&mut self.models, &self.window, params, dt_s, beat_phase)
            .map_err(|e| format!("generation failed: {e}"))?;
        let t = self.generator.times;
        stages.encoder = t.encoder_ms;
        stages.dit = t.dit_ms;
        stages.dit_step = t.dit_ms / t.steps.max(1) as f64;
        stages.decoder = t.decoder_ms;
        Ok(frame)
    }
}

/// The output sink, or why there is none.
pub struct OutputStage {
    sink: Result<Box<dyn FrameSink>, String>,
}

impl OutputStage {
    pub fn open(route: &OutputRoute) -> Self {
        Self {
            sink: crate::output::open(route).map_err(|e| e.to_string()),
        }
    }

    pub fn describe(&self) -> String {
        match &self.sink {
            Ok(sink) => sink.describe(),
            Err(reason) => reason.clone(),
        }
    }

    pub fn is_ok(&self) -> bool {
        self.sink.is_ok()
    }

    /// Sends one frame; a failure is reported and the frame is lost, nothing else.
    pub fn send(&mut self, frame: &VideoFrame) -> Result<(), String> {
        match &mut self.sink {
            Ok(sink) => sink
                .send(&Frame {
                    width: frame.width,
                    height: frame.height,
                    rgba: &frame.rgba,
                })
                .map_err(|e| e.to_string()),
            // The open error is already in the status.
            Err(_) => Ok(()),
        }
    }
}

/// Runs post and output for one generated frame and reports the stage times.
pub fn finish_frame(
    post: &mut PostStage,
    output: &mut OutputStage,
    image: &[f32],
    params: &VisualParams,
    index: u64,
    stages: &mut StagesMs,
) -> (VideoFrame, Result<(), String>) {
    let started = Instant::now();
    let (width, height, rgba) = post.process(image, params);
    let frame = VideoFrame {
        width,
        height,
        rgba: Arc::new(rgba),
        index,
    };
    let posted = Instant::now();
    let sent = if params.output_enabled {
        output.send(&frame)
    } else {
        Ok(())
    };
    stages.post = (posted - started).as_secs_f64() * 1000.0;
    stages.output = posted.elapsed().as_secs_f64() * 1000.0;
    (frame, sent)
}
