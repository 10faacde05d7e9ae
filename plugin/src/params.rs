//! The host-automatable parameters. IDs, ranges, units and defaults come from the engine's table
//! (`synesthete_engine::params`) so the plugin, the offline renderer and the editor agree; the
//! `#[id]` literals below must equal those table IDs (checked by a test) and never change.

use std::sync::Arc;
use std::sync::atomic::AtomicU32;

use nice_plug::prelude::*;
use synesthete_engine::params::{self as spec, ParamSource, ParamSpec, VisualParams};

use crate::persisted::{EditorSize, PersistedVideoChoice};

/// Version of this plugin's saved-state schema, stored in every saved state.
pub const STATE_VERSION: u32 = 1;

#[derive(Params)]
pub struct SynestheteParams {
    #[nested(group = "Generation")]
    pub generation: GenerationParams,
    #[nested(group = "Motion")]
    pub motion: MotionParams,
    #[nested(group = "Colour")]
    pub colour: ColourParams,
    #[nested(group = "Latent Pad")]
    pub pad: PadParams,
    #[nested(group = "Output")]
    pub output: OutputParams,
    /// Schema version of the saved state (see [`STATE_VERSION`]); checked on load.
    #[persist = "state_version"]
    pub state_version: AtomicU32,
    /// Model folder and output route (not automatable; shared live with the engine thread).
    #[persist = "video"]
    pub video: PersistedVideoChoice,
    /// The editor window's size in logical pixels.
    #[persist = "editor_size"]
    pub editor_size: EditorSize,
}

/// One parameter of any kind, for code that walks the engine's table (the editor).
#[derive(Clone, Copy)]
pub enum AnyParam<'a> {
    Float(&'a FloatParam),
    Int(&'a IntParam),
    Bool(&'a BoolParam),
}

#[derive(Params)]
pub struct GenerationParams {
    /// Gain applied to the audio features before they condition the model (x).
    #[id = "reactivity"]
    pub reactivity: FloatParam,
    /// Denoising steps per frame.
    #[id = "steps"]
    pub steps: IntParam,
    /// Classifier-free guidance scale on the audio condition.
    #[id = "guidance"]
    pub guidance: FloatParam,
    /// Initial-noise seed.
    #[id = "seed"]
    pub seed: IntParam,
    /// Visual style for style-conditioned models: 0 = Auto (the model picks), n = family n - 1.
    #[id = "style"]
    pub style: IntParam,
}

#[derive(Params)]
pub struct MotionParams {
    /// Change seeds on beats.
    #[id = "beat_sync"]
    pub beat_sync: BoolParam,
    /// Drift speed of the initial noise between seeds (Hz).
    #[id = "variation"]
    pub variation_hz: FloatParam,
    /// Share of the previous frame's latent carried into the next (0..0.95).
    #[id = "inertia"]
    pub inertia: FloatParam,
    /// Feedback amount of the previous output frame (0..0.98).
    #[id = "trails"]
    pub trails: FloatParam,
    /// Zoom factor (x).
    #[id = "zoom"]
    pub zoom: FloatParam,
}

#[derive(Params)]
pub struct ColourParams {
    /// Hue rotation in degrees.
    #[id = "hue"]
    pub hue_deg: FloatParam,
    #[id = "saturation"]
    pub saturation: FloatParam,
    #[id = "brightness"]
    pub brightness: FloatParam,
    #[id = "contrast"]
    pub contrast: FloatParam,
}

#[derive(Params)]
pub struct PadParams {
    /// Pad position across the model's latent map, -1..1.
    #[id = "pad_x"]
    pub x: FloatParam,
    #[id = "pad_y"]
    pub y: FloatParam,
    /// 0 follows the audio only; 1 generates from the pad position only.
    #[id = "steer"]
    pub steer: FloatParam,
}

#[derive(Params)]
pub struct OutputParams {
    /// Send frames to the output route.
    #[id = "output"]
    pub enabled: BoolParam,
}

fn float_param(spec: &ParamSpec) -> FloatParam {
    let (min, max, default) = spec.float_range();
    FloatParam::new(spec.name, default, FloatRange::Linear { min, max })
        .with_unit(spec.unit())
        .with_step_size(((max - min) / 1000.0).min(0.01))
        .with_value_to_string(formatters::v2s_f32_rounded(2))
}

fn int_param(spec: &ParamSpec) -> IntParam {
    let (min, max, default) = spec.int_range();
    IntParam::new(spec.name, default, IntRange::Linear { min, max })
}

fn bool_param(spec: &ParamSpec) -> BoolParam {
    BoolParam::new(spec.name, spec.bool_default())
}

impl Default for SynestheteParams {
    fn default() -> Self {
        Self {
            generation: GenerationParams {
                reactivity: float_param(&spec::REACTIVITY),
                steps: int_param(&spec::STEPS),
                guidance: float_param(&spec::GUIDANCE),
                seed: int_param(&spec::SEED),
                // 0 lets the model choose the visualizer family (see the engine's STYLE).
                style: int_param(&spec::STYLE)
                    .with_value_to_string(Arc::new(|v| match v {
                        0 => "Auto".to_string(),
                        n => format!("Family {n}"),
                    }))
                    .with_string_to_value(Arc::new(|s| match s.trim() {
                        "Auto" | "auto" => Some(0),
                        other => other.trim_start_matches("Family").trim().parse().ok(),
                    })),
            },
            motion: MotionParams {
                beat_sync: bool_param(&spec::BEAT_SYNC),
                variation_hz: float_param(&spec::VARIATION),
                inertia: float_param(&spec::INERTIA),
                trails: float_param(&spec::TRAILS),
                zoom: float_param(&spec::ZOOM),
            },
            colour: ColourParams {
                hue_deg: float_param(&spec::HUE),
                saturation: float_param(&spec::SATURATION),
                brightness: float_param(&spec::BRIGHTNESS),
                contrast: float_param(&spec::CONTRAST),
            },
            pad: PadParams {
                x: float_param(&spec::PAD_X),
                y: float_param(&spec::PAD_Y),
                steer: float_param(&spec::STEER),
            },
            output: OutputParams {
                enabled: bool_param(&spec::OUTPUT),
            },
            state_version: AtomicU32::new(STATE_VERSION),
            video: PersistedVideoChoice::default(),
            editor_size: EditorSize::default(),
        }
    }
}

impl SynestheteParams {
    /// The parameter with this engine-table ID (a test checks every ID of the table resolves).
    pub fn by_id(&self, id: &str) -> Option<AnyParam<'_>> {
        let (g, m, c) = (&self.generation, &self.motion, &self.colour);
        use AnyParam::{Bool, Float, Int};
        Some(match id {
            "reactivity" => Float(&g.reactivity),
            "steps" => Int(&g.steps),
            "guidance" => Float(&g.guidance),
            "seed" => Int(&g.seed),
            "style" => Int(&g.style),
            "beat_sync" => Bool(&m.beat_sync),
            "variation" => Float(&m.variation_hz),
            "inertia" => Float(&m.inertia),
            "trails" => Float(&m.trails),
            "zoom" => Float(&m.zoom),
            "hue" => Float(&c.hue_deg),
            "saturation" => Float(&c.saturation),
            "brightness" => Float(&c.brightness),
            "contrast" => Float(&c.contrast),
            "pad_x" => Float(&self.pad.x),
            "pad_y" => Float(&self.pad.y),
            "steer" => Float(&self.pad.steer),
            "output" => Bool(&self.output.enabled),
            _ => return None,
        })
    }
}

/// Clamps a plain value into its spec's range. Saved state is restored unclamped by nice-plug,
/// so the engine never trusts a stored value blindly.
fn clamp_float(spec: &ParamSpec, value: f32) -> f32 {
    let (min, max, default) = spec.float_range();
    if value.is_finite() {
        value.clamp(min, max)
    } else {
        default
    }
}

fn clamp_int(spec: &ParamSpec, value: i32) -> u32 {
    let (min, max, _) = spec.int_range();
    value.clamp(min, max).max(0) as u32
}

impl ParamSource for SynestheteParams {
    fn snapshot(&self) -> VisualParams {
        let (g, m, c) = (&self.generation, &self.motion, &self.colour);
        VisualParams {
            reactivity: clamp_float(&spec::REACTIVITY, g.reactivity.value()),
            steps: clamp_int(&spec::STEPS, g.steps.value()),
            guidance: clamp_float(&spec::GUIDANCE, g.guidance.value()),
            seed: clamp_int(&spec::SEED, g.seed.value()),
            style: clamp_int(&spec::STYLE, g.style.value()),
            beat_sync: m.beat_sync.value(),
            variation_hz: clamp_float(&spec::VARIATION, m.variation_hz.value()),
            inertia: clamp_float(&spec::INERTIA, m.inertia.value()),
            trails: clamp_float(&spec::TRAILS, m.trails.value()),
            zoom: clamp_float(&spec::ZOOM, m.zoom.value()),
            hue_deg: clamp_float(&spec::HUE, c.hue_deg.value()),
            saturation: clamp_float(&spec::SATURATION, c.saturation.value()),
            brightness: clamp_float(&spec::BRIGHTNESS, c.brightness.value()),
            contrast: clamp_float(&spec::CONTRAST, c.contrast.value()),
            pad_x: clamp_float(&spec::PAD_X, self.pad.x.value()),
            pad_y: clamp_float(&spec::PAD_Y, self.pad.y.value()),
            steer: clamp_float(&spec::STEER, self.pad.steer.value()),
            output_enabled: self.output.enabled.value(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_ids_are_exactly_the_engine_table() {
        let params = SynestheteParams::default();
        let mut plugin_ids: Vec<String> = params
            .param_map()
            .into_iter()
            .map(|(id, _, _)| id)
            .collect();
        let mut engine_ids: Vec<String> =
            spec::ALL_PARAMS.iter().map(|s| s.id.to_string()).collect();
        plugin_ids.sort();
        engine_ids.sort();
        assert_eq!(plugin_ids, engine_ids);
    }

    #[test]
    fn every_table_id_resolves_to_the_parameter_of_that_name() {
        let params = SynestheteParams::default();
        for spec in spec::ALL_PARAMS {
            let name = match params.by_id(spec.id).expect(spec.id) {
                AnyParam::Float(p) => p.name(),
                AnyParam::Int(p) => p.name(),
                AnyParam::Bool(p) => p.name(),
            };
            assert_eq!(name, spec.name, "{}", spec.id);
        }
        assert!(params.by_id("nope").is_none());
    }

    #[test]
    fn defaults_match_the_engine_defaults() {
        assert_eq!(
            SynestheteParams::default().snapshot(),
            VisualParams::default()
        );
    }
}
