//! The automatable visual parameters: one table of stable IDs, ranges, units and defaults that the
//! plugin, the offline renderer's automation lanes and the editor all read, plus the engine-side
//! snapshot and per-frame smoothing.
//!
//! IDs are stable forever: hosts store automation and presets by them.

/// Which editor section a parameter belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamGroup {
    Generation,
    Motion,
    Colour,
    /// The latent pad: steering the conditioning across the model's latent map.
    Pad,
    Output,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamKind {
    /// Continuous value; `smoothing_ms` is the engine-side glide time for automation steps.
    Float {
        min: f32,
        max: f32,
        default: f32,
        unit: &'static str,
        smoothing_ms: f32,
    },
    Int {
        min: i32,
        max: i32,
        default: i32,
    },
    Bool {
        default: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSpec {
    /// Stable host-facing ID.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    pub group: ParamGroup,
    pub kind: ParamKind,
}

const fn float(
    id: &'static str,
    name: &'static str,
    group: ParamGroup,
    (min, max, default): (f32, f32, f32),
    unit: &'static str,
    smoothing_ms: f32,
) -> ParamSpec {
    ParamSpec {
        id,
        name,
        group,
        kind: ParamKind::Float {
            min,
            max,
            default,
            unit,
            smoothing_ms,
        },
    }
}

use ParamGroup::{Colour, Generation, Motion, Output, Pad};

pub const REACTIVITY: ParamSpec = float(
    "reactivity",
    "Reactivity",
    Generation,
    (0.0, 4.0, 1.0),
    " x",
    50.0,
);
pub const STEPS: ParamSpec = ParamSpec {
    id: "steps",
    name: "Steps",
    group: Generation,
    // The shipped model set recommends 16 DDIM steps (docs/model-card.md); 32 is the most a
    // frame can afford on a CPU.
    kind: ParamKind::Int {
        min: 1,
        max: 32,
        default: 16,
    },
};
/// Defaults to the default model set's recommendation (its manifest's `diffusion.guidance`, 12
/// with its guidance interval 0-0.7; the sweeps behind it are in docs/model-card.md and
/// docs/training.md). Up to 16.
pub const GUIDANCE: ParamSpec = float(
    "guidance",
    "Guidance",
    Generation,
    (0.0, 16.0, 12.0),
    "",
    100.0,
);
pub const SEED: ParamSpec = ParamSpec {
    id: "seed",
    name: "Seed",
    group: Generation,
    kind: ParamKind::Int {
        min: 0,
        max: 9999,
        default: 0,
    },
};
/// 0: the model picks the visualizer family (no style condition); n >= 1: family n - 1
/// (`generation::frame::sample_settings`). Ignored by models without style conditioning.
pub const STYLE: ParamSpec = ParamSpec {
    id: "style",
    name: "Style",
    group: Generation,
    kind: ParamKind::Int {
        min: 0,
        max: 15,
        default: 0,
    },
};
pub const VARIATION: ParamSpec = float(
    "variation",
    "Variation Speed",
    Motion,
    (0.0, 2.0, 0.05),
    " Hz",
    100.0,
);
/// Off by default: re-noising the previous latent compounds classifier-free guidance frame after
/// frame, and at guidance 5 a steady 0.5 drifts into saturated blobs within a few seconds (seen
/// in renders of the demo clip with an earlier model set). The fixed noise already keeps frames
/// coherent (the default set's flicker is a fraction of the data's own frame-to-frame change,
/// docs/model-card.md); inertia is for low guidance.
pub const INERTIA: ParamSpec = float(
    "inertia",
    "Latent Inertia",
    Motion,
    (0.0, 0.95, 0.0),
    "",
    100.0,
);
pub const BEAT_SYNC: ParamSpec = ParamSpec {
    id: "beat_sync",
    name: "Beat Sync",
    group: Motion,
    kind: ParamKind::Bool { default: false },
};
pub const TRAILS: ParamSpec = float(
    "trails",
    "Feedback Trails",
    Motion,
    (0.0, 0.98, 0.0),
    "",
    50.0,
);
pub const ZOOM: ParamSpec = float("zoom", "Zoom", Motion, (0.5, 4.0, 1.0), " x", 50.0);
pub const HUE: ParamSpec = float(
    "hue",
    "Hue Shift",
    Colour,
    (-180.0, 180.0, 0.0),
    " deg",
    50.0,
);
pub const SATURATION: ParamSpec = float(
    "saturation",
    "Saturation",
    Colour,
    (0.0, 2.0, 1.0),
    " x",
    50.0,
);
pub const BRIGHTNESS: ParamSpec = float(
    "brightness",
    "Brightness",
    Colour,
    (-1.0, 1.0, 0.0),
    "",
    50.0,
);
pub const CONTRAST: ParamSpec = float("contrast", "Contrast", Colour, (0.0, 2.0, 1.0), " x", 50.0);
/// Pad position across the model's latent map (`latent_map`): -1..1 on each axis.
pub const PAD_X: ParamSpec = float("pad_x", "Pad X", Pad, (-1.0, 1.0, 0.0), "", 150.0);
pub const PAD_Y: ParamSpec = float("pad_y", "Pad Y", Pad, (-1.0, 1.0, 0.0), "", 150.0);
/// 0 follows the live audio only; 1 generates from the pad position only.
pub const STEER: ParamSpec = float("steer", "Steer Amount", Pad, (0.0, 1.0, 0.0), "", 100.0);
pub const OUTPUT: ParamSpec = ParamSpec {
    id: "output",
    name: "Output On",
    group: Output,
    kind: ParamKind::Bool { default: true },
};

/// Every automatable parameter, in display order.
pub const ALL_PARAMS: [ParamSpec; 18] = [
    REACTIVITY, STEPS, GUIDANCE, SEED, STYLE, BEAT_SYNC, VARIATION, INERTIA, TRAILS, ZOOM, HUE,
    SATURATION, BRIGHTNESS, CONTRAST, PAD_X, PAD_Y, STEER, OUTPUT,
];

impl ParamSpec {
    pub fn float_range(&self) -> (f32, f32, f32) {
        match self.kind {
            ParamKind::Float {
                min, max, default, ..
            } => (min, max, default),
            _ => panic!("{} is not a float parameter", self.id),
        }
    }

    pub fn int_range(&self) -> (i32, i32, i32) {
        match self.kind {
            ParamKind::Int { min, max, default } => (min, max, default),
            _ => panic!("{} is not an integer parameter", self.id),
        }
    }

    pub fn bool_default(&self) -> bool {
        match self.kind {
            ParamKind::Bool { default } => default,
            _ => panic!("{} is not a boolean parameter", self.id),
        }
    }

    pub fn unit(&self) -> &'static str {
        match self.kind {
            ParamKind::Float { unit, .. } => unit,
            _ => "",
        }
    }

    pub fn smoothing_ms(&self) -> f32 {
        match self.kind {
            ParamKind::Float { smoothing_ms, .. } => smoothing_ms,
            _ => 0.0,
        }
    }

    pub fn by_id(id: &str) -> Option<&'static ParamSpec> {
        ALL_PARAMS.iter().find(|spec| spec.id == id)
    }
}

/// The values the engine renders one frame with (plain units).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VisualParams {
    pub reactivity: f32,
    pub steps: u32,
    pub guidance: f32,
    pub seed: u32,
    pub style: u32,
    pub beat_sync: bool,
    pub variation_hz: f32,
    pub inertia: f32,
    pub trails: f32,
    pub zoom: f32,
    pub hue_deg: f32,
    pub saturation: f32,
    pub brightness: f32,
    pub contrast: f32,
    pub pad_x: f32,
    pub pad_y: f32,
    pub steer: f32,
    pub output_enabled: bool,
}

impl Default for VisualParams {
    fn default() -> Self {
        Self {
            reactivity: REACTIVITY.float_range().2,
            steps: STEPS.int_range().2 as u32,
            guidance: GUIDANCE.float_range().2,
            seed: SEED.int_range().2 as u32,
            style: STYLE.int_range().2 as u32,
            beat_sync: BEAT_SYNC.bool_default(),
            variation_hz: VARIATION.float_range().2,
            inertia: INERTIA.float_range().2,
            trails: TRAILS.float_range().2,
            zoom: ZOOM.float_range().2,
            hue_deg: HUE.float_range().2,
            saturation: SATURATION.float_range().2,
            brightness: BRIGHTNESS.float_range().2,
            contrast: CONTRAST.float_range().2,
            pad_x: PAD_X.float_range().2,
            pad_y: PAD_Y.float_range().2,
            steer: STEER.float_range().2,
            output_enabled: OUTPUT.bool_default(),
        }
    }
}

/// Where a parameter lives in [`VisualParams`], by kind: the one map from stable IDs to fields
/// that smoothing and automation lanes both use.
#[derive(Debug, Clone, Copy)]
pub enum ParamField {
    Float(fn(&mut VisualParams) -> &mut f32),
    Int(fn(&mut VisualParams) -> &mut u32),
    Bool(fn(&mut VisualParams) -> &mut bool),
}

impl ParamSpec {
    /// The field this parameter drives (every entry of [`ALL_PARAMS`] has one, of its own kind;
    /// checked by a test).
    pub fn field(&self) -> Option<ParamField> {
        Some(match self.id {
            "reactivity" => ParamField::Float(|p| &mut p.reactivity),
            "steps" => ParamField::Int(|p| &mut p.steps),
            "guidance" => ParamField::Float(|p| &mut p.guidance),
            "seed" => ParamField::Int(|p| &mut p.seed),
            "style" => ParamField::Int(|p| &mut p.style),
            "beat_sync" => ParamField::Bool(|p| &mut p.beat_sync),
            "variation" => ParamField::Float(|p| &mut p.variation_hz),
            "inertia" => ParamField::Float(|p| &mut p.inertia),
            "trails" => ParamField::Float(|p| &mut p.trails),
            "zoom" => ParamField::Float(|p| &mut p.zoom),
            "hue" => ParamField::Float(|p| &mut p.hue_deg),
            "saturation" => ParamField::Float(|p| &mut p.saturation),
            "brightness" => ParamField::Float(|p| &mut p.brightness),
            "contrast" => ParamField::Float(|p| &mut p.contrast),
            "pad_x" => ParamField::Float(|p| &mut p.pad_x),
            "pad_y" => ParamField::Float(|p| &mut p.pad_y),
            "steer" => ParamField::Float(|p| &mut p.steer),
            "output" => ParamField::Bool(|p| &mut p.output_enabled),
            _ => return None,
        })
    }
}

/// Where the engine reads live parameter values from (the plugin's host-automated parameters, or
/// the offline renderer's automation lanes). Must be cheap and lock-free: called every frame.
pub trait ParamSource: Send + Sync {
    fn snapshot(&self) -> VisualParams;
}

/// Glides continuous parameters toward their automated targets once per rendered frame, so a
/// stepped automation lane does not make the picture jump. Discrete values switch at once.
#[derive(Debug, Clone)]
pub struct ParamSmoother {
    current: Option<VisualParams>,
}

impl Default for ParamSmoother {
    fn default() -> Self {
        Self::new()
    }
}

impl ParamSmoother {
    pub fn new() -> Self {
        Self { current: None }
    }

    /// Advances by `dt_s` seconds toward `target` and returns the smoothed values. The first call
    /// jumps straight to the target.
    pub fn step(&mut self, target: VisualParams, dt_s: f32) -> VisualParams {
        let mut next = target;
        if let Some(mut previous) = self.current {
            for spec in &ALL_PARAMS {
                let Some(ParamField::Float(field)) = spec.field() else {
                    continue;
                };
                let before = *field(&mut previous);
                let value = field(&mut next);
                let tau_s = spec.smoothing_ms() / 1000.0;
                // One-pole glide: covers ~63% of a step in `smoothing_ms`.
                let alpha = if tau_s > 0.0 {
                    1.0 - (-dt_s / tau_s).exp()
                } else {
                    1.0
                };
                *value = before + (*value - before) * alpha;
            }
        }
        self.current = Some(next);
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_defaults_in_range() {
        for (i, spec) in ALL_PARAMS.iter().enumerate() {
            assert!(
                ALL_PARAMS[i + 1..].iter().all(|other| other.id != spec.id),
                "duplicate {}",
                spec.id
            );
            match spec.kind {
                ParamKind::Float {
                    min, max, default, ..
                } => assert!(min < max && (min..=max).contains(&default)),
                ParamKind::Int { min, max, default } => {
                    assert!(min < max && (min..=max).contains(&default))
                }
                ParamKind::Bool { .. } => {}
            }
        }
        assert_eq!(ParamSpec::by_id("hue"), Some(&HUE));
        assert_eq!(ParamSpec::by_id("nope"), None);
    }

    #[test]
    fn every_parameter_drives_its_own_field_of_its_kind() {
        let base = VisualParams::default();
        let mut touched = Vec::new();
        for spec in &ALL_PARAMS {
            let mut params = base;
            match (spec.kind, spec.field()) {
                (ParamKind::Float { max, .. }, Some(ParamField::Float(f))) => *f(&mut params) = max,
                (ParamKind::Int { min, max, default }, Some(ParamField::Int(f))) => {
                    *f(&mut params) = if default == max { min } else { max } as u32
                }
                (ParamKind::Bool { default }, Some(ParamField::Bool(f))) => {
                    *f(&mut params) = !default
                }
                _ => panic!("{} has no field of its kind", spec.id),
            }
            assert_ne!(params, base, "{} changed nothing", spec.id);
            assert!(!touched.contains(&params), "{} shares a field", spec.id);
            touched.push(params);
        }
    }

    /// A fresh plugin instance samples as the shipped set was evaluated and recorded: its Steps
    /// and Guidance defaults are the manifest's recommendation.
    #[test]
    fn generation_defaults_are_the_shipped_sets_recommendation() {
        let models = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models");
        let manifest = crate::manifest::Manifest::load(&models).unwrap();
        let diffusion = manifest.diffusion.unwrap();
        assert_eq!(GUIDANCE.float_range().2, diffusion.guidance);
        assert_eq!(STEPS.int_range().2 as usize, diffusion.recommended_steps);
    }

    #[test]
    fn smoother_glides_floats_and_switches_discrete_values() {
        let mut smoother = ParamSmoother::new();
        let start = VisualParams::default();
        assert_eq!(smoother.step(start, 1.0 / 60.0), start);
        let target = VisualParams {
            hue_deg: 90.0,
            steps: 8,
            ..start
        };
        let first = smoother.step(target, 1.0 / 60.0);
        assert_eq!(first.steps, 8);
        assert!(
            first.hue_deg > 0.0 && first.hue_deg < 90.0,
            "{}",
            first.hue_deg
        );
        let mut last = first;
        for _ in 0..60 {
            last = smoother.step(target, 1.0 / 60.0);
        }
        assert!(
            (last.hue_deg - 90.0).abs() < 0.01,
            "after 1 s: {}",
            last.hue_deg
        );
    }
}
