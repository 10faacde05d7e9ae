//! Synesthete: an audio effect that passes audio through untouched and turns it into visuals.
//! This crate is the thin nice-plug glue; the engine crate does the work.

mod audio_tap;
pub mod editor;
mod engine_link;
pub mod params;
mod persisted;
mod state;

use std::num::NonZeroU32;
use std::sync::Arc;

use nice_plug::prelude::*;
use synesthete_engine::features::FeatureConfig;
use synesthete_engine::live::{LiveEngine, LiveEngineConfig, STATUS_FILE_ENV, VideoSettings};
use synesthete_engine::ring::{RingWriter, audio_ring};
use synesthete_engine::transport::SharedTransport;

use crate::editor::SynestheteEditor;
use crate::engine_link::{EngineLink, EngineState};
use crate::params::SynestheteParams;

/// Seconds of audio the ring holds at the highest host rate we expect, so a stalled engine
/// thread loses only old audio.
const RING_SECONDS: f32 = 1.0;

pub struct Synesthete {
    params: Arc<SynestheteParams>,
    transport: Arc<SharedTransport>,
    /// Audio-thread end of the ring; `None` while inactive.
    ring: Option<RingWriter>,
    /// The engine thread; `None` while inactive or when it could not start.
    engine: Option<LiveEngine>,
    /// What the editor shows of the engine.
    link: Arc<EngineLink>,
}

impl Default for Synesthete {
    fn default() -> Self {
        Self {
            params: Arc::new(SynestheteParams::default()),
            transport: Arc::new(SharedTransport::new()),
            ring: None,
            engine: None,
            link: Arc::new(EngineLink::default()),
        }
    }
}

/// Whether this build aborts on audio-thread allocations (test builds).
pub const ALLOC_ASSERTIONS: bool = cfg!(all(debug_assertions, feature = "assert_process_allocs"));

impl Plugin for Synesthete {
    const NAME: &'static str = "Synesthete";
    const VENDOR: &'static str = "Synesthete";
    const URL: &'static str = env!("CARGO_PKG_HOMEPAGE");
    const EMAIL: &'static str = "hello@synesthete.invalid";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            ..AudioIOLayout::const_default()
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(1),
            ..AudioIOLayout::const_default()
        },
    ];

    type SysExMessage = ();
    type BackgroundTask = ();
    type Editor = SynestheteEditor;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        Some(SynestheteEditor::new(
            self.params.clone(),
            self.link.clone(),
        ))
    }

    fn filter_state(state: &mut PluginState) {
        if let Some(reason) = state::refuse_unknown_version(state) {
            nice_error!("Synesthete refused a saved state: {reason}");
        }
    }

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        // Not the audio thread: allocation and thread start-up are fine here.
        self.stop_engine();
        let capacity = (buffer_config.sample_rate * RING_SECONDS) as usize
            + buffer_config.max_buffer_size as usize;
        let (writer, reader) = audio_ring(capacity);
        let config = LiveEngineConfig {
            host_sample_rate: buffer_config.sample_rate.round() as u32,
            features: FeatureConfig::default(),
            resource_dirs: synesthete_engine::resources::resource_dirs(),
            status_file: std::env::var_os(STATUS_FILE_ENV).map(Into::into),
            realtime_alloc_checks: ALLOC_ASSERTIONS,
            video: VideoSettings {
                threads: inference_threads(),
                ..VideoSettings::default()
            },
            choice: self.params.video.0.clone(),
        };
        let params: Arc<dyn synesthete_engine::params::ParamSource> = self.params.clone();
        match LiveEngine::start(config, reader, self.transport.clone(), params) {
            Ok(engine) => {
                self.link.set(EngineState::Running(engine.view()));
                self.engine = Some(engine);
            }
            // Audio still passes; the editor/log show why there are no visuals.
            Err(error) => {
                nice_error!("Synesthete engine did not start: {error}");
                self.link.set(EngineState::Failed(error));
            }
        }
        self.ring = Some(writer);
        true
    }

    fn deactivate(&mut self) {
        self.stop_engine();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        audio_tap::publish_transport(&self.transport, context.transport());
        let samples = buffer.samples();
        let channels = buffer.as_slice();
        audio_tap::flush_subnormals(channels);
        if let Some(ring) = &mut self.ring {
            audio_tap::push_mono_mix(ring, channels, samples);
        }
        ProcessStatus::Normal
    }
}

/// ONNX Runtime threads per session: half the cores, so the host's audio and UI threads keep the
/// rest (on a 2-core machine, one).
fn inference_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

impl Synesthete {
    fn stop_engine(&mut self) {
        self.ring = None;
        self.link.set(EngineState::Inactive);
        if let Some(mut engine) = self.engine.take() {
            engine.stop();
        }
    }
}

impl ClapPlugin for Synesthete {
    const CLAP_ID: &'static str = "com.synesthete.synesthete";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Passes audio through untouched and generates live visuals from it");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Analyzer,
        ClapFeature::Stereo,
        ClapFeature::Mono,
    ];
}

impl Vst3Plugin for Synesthete {
    const VST3_CLASS_ID: [u8; 16] = *b"SynesthetePlugin";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Analyzer];
}

nice_export_clap!(Synesthete);
nice_export_vst3!(Synesthete);
