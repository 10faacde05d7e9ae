//! The per-frame post settings in plain units, and their clamping to the parameter table's ranges.

use crate::params::{BRIGHTNESS, CONTRAST, HUE, SATURATION, TRAILS, VisualParams, ZOOM};

/// Plain-unit post settings, read per frame from automation.
///
/// Applied in this order (see `shader.wgsl`): zoom and cover-fit upscale, hue rotation,
/// saturation, contrast, brightness, clamp to [0, 1], then trails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PostSettings {
    /// Hue rotation in degrees (HSV hue; 180 turns red into cyan). Parameter range -180..180.
    pub hue_deg: f32,
    /// Saturation multiplier around Rec. 709 luma: 0 is grey, 1 unchanged, 2 doubled. Range 0..2.
    pub saturation: f32,
    /// Offset added to every channel after contrast. Range -1..1.
    pub brightness: f32,
    /// Contrast multiplier around mid-grey 0.5. Range 0..2.
    pub contrast: f32,
    /// Feedback: how much of the previous output survives into this one (0 = off). Range 0..0.98.
    pub trails: f32,
    /// Magnification around the centre: 2 shows the middle half, 0.5 shows the frame at half size
    /// with mirrored copies around it. Range 0.5..4.
    pub zoom: f32,
}

impl Default for PostSettings {
    /// The identity: the upscaled frame, unchanged.
    fn default() -> Self {
        Self {
            hue_deg: 0.0,
            saturation: 1.0,
            brightness: 0.0,
            contrast: 1.0,
            trails: 0.0,
            zoom: 1.0,
        }
    }
}

impl From<&VisualParams> for PostSettings {
    fn from(params: &VisualParams) -> Self {
        Self {
            hue_deg: params.hue_deg,
            saturation: params.saturation,
            brightness: params.brightness,
            contrast: params.contrast,
            trails: params.trails,
            zoom: params.zoom,
        }
    }
}

impl PostSettings {
    /// The settings clamped to the automatable parameters' ranges, a non-finite value replaced by
    /// its identity value, so nothing the host sends can blow up the picture (or divide by a zero
    /// zoom). Hue wraps instead of clamping, since 190 degrees is -170 degrees.
    pub fn sanitized(&self) -> Self {
        let identity = Self::default();
        let clamp = |value: f32, fallback: f32, range: (f32, f32, f32)| {
            if value.is_finite() {
                value.clamp(range.0, range.1)
            } else {
                fallback
            }
        };
        let hue_deg = if self.hue_deg.is_finite() {
            // Into [-180, 180): the shader works in turns and wraps anyway; this keeps it small.
            (self.hue_deg + 180.0).rem_euclid(360.0) - 180.0
        } else {
            identity.hue_deg
        };
        debug_assert_eq!(HUE.float_range().1, 180.0, "hue wraps at +-180 degrees");
        Self {
            hue_deg,
            saturation: clamp(
                self.saturation,
                identity.saturation,
                SATURATION.float_range(),
            ),
            brightness: clamp(
                self.brightness,
                identity.brightness,
                BRIGHTNESS.float_range(),
            ),
            contrast: clamp(self.contrast, identity.contrast, CONTRAST.float_range()),
            trails: clamp(self.trails, identity.trails, TRAILS.float_range()),
            zoom: clamp(self.zoom, identity.zoom, ZOOM.float_range()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_matches_the_parameter_defaults() {
        // The parameters' defaults must be the identity, or a fresh plugin would grade the picture.
        assert_eq!(
            PostSettings::from(&VisualParams::default()),
            PostSettings::default()
        );
    }

    #[test]
    fn from_visual_params_copies_each_field() {
        let params = VisualParams {
            hue_deg: 30.0,
            saturation: 1.5,
            brightness: -0.25,
            contrast: 0.75,
            trails: 0.5,
            zoom: 2.0,
            ..VisualParams::default()
        };
        let settings = PostSettings::from(&params);
        assert_eq!(
            settings,
            PostSettings {
                hue_deg: 30.0,
                saturation: 1.5,
                brightness: -0.25,
                contrast: 0.75,
                trails: 0.5,
                zoom: 2.0,
            }
        );
    }

    #[test]
    fn sanitized_clamps_to_parameter_ranges_and_replaces_non_finite_values() {
        let wild = PostSettings {
            hue_deg: 190.0,
            saturation: 9.0,
            brightness: f32::NAN,
            contrast: -1.0,
            trails: 1.5,
            zoom: 0.0,
        };
        let safe = wild.sanitized();
        assert!((safe.hue_deg - -170.0).abs() < 1e-4, "{}", safe.hue_deg);
        assert_eq!(safe.saturation, 2.0);
        assert_eq!(safe.brightness, 0.0);
        assert_eq!(safe.contrast, 0.0);
        assert_eq!(safe.trails, 0.98);
        assert_eq!(safe.zoom, 0.5);
        assert_eq!(PostSettings::default().sanitized(), PostSettings::default());
    }
}
