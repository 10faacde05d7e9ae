//! The uniform block `shader.wgsl` reads each frame, and the maths that turns [`PostSettings`]
//! and the frame sizes into it: the cover-fit/zoom pixel mapping and the affine colour matrix.

use super::settings::PostSettings;

/// Rec. 709 luma weights (the model's frames are sRGB-encoded; grading happens on those values).
const LUMA: [f32; 3] = [0.2126, 0.7152, 0.0722];

/// Mirrors `struct Uniforms` in `shader.wgsl` (five `vec4<f32>`, 80 bytes, std140-compatible).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct Uniforms {
    /// Rows of the affine colour matrix applied after the hue rotation:
    /// `out.c = dot(colour[c].xyz, rgb) + colour[c].w`.
    pub colour: [[f32; 4]; 3],
    /// Output pixel centre -> source texel coordinate (texel centres at integers):
    /// `src = map.xy * frag.xy + map.zw`.
    pub map: [f32; 4],
    /// x: hue rotation in turns; y: trails factor (0 = ignore the history); z, w: unused.
    pub misc: [f32; 4],
}

impl Uniforms {
    /// `settings` should already be sanitized; `use_history` is false for the first frame after
    /// creation or `reset()`, so stale history never leaks in.
    pub fn new(
        settings: &PostSettings,
        input_size: u32,
        output: (u32, u32),
        use_history: bool,
    ) -> Self {
        let trails = if use_history { settings.trails } else { 0.0 };
        Self {
            colour: colour_matrix(settings),
            map: pixel_to_texel(input_size, output, settings.zoom),
            misc: [settings.hue_deg / 360.0, trails, 0.0, 0.0],
        }
    }
}

/// Cover-fit plus zoom: the square source spans the output's longer side (the shorter side is
/// cropped, centred), then `zoom` magnifies around the centre. Returns `(scale_x, scale_y,
/// offset_x, offset_y)` with `src = scale * frag + offset`, where `frag` is the output pixel centre
/// (`x + 0.5`) and `src` is in source texels with texel centres at integers.
pub(crate) fn pixel_to_texel(input_size: u32, output: (u32, u32), zoom: f32) -> [f32; 4] {
    let size = input_size as f32;
    let (width, height) = (output.0 as f32, output.1 as f32);
    // Source texels per output pixel.
    let scale = size / (width.max(height) * zoom);
    // The output centre lands on the source centre, `size / 2` in edge coordinates, which is
    // `size / 2 - 0.5` in texel-centre coordinates.
    let centre = size * 0.5 - 0.5;
    [
        scale,
        scale,
        centre - scale * width * 0.5,
        centre - scale * height * 0.5,
    ]
}

/// Saturation around luma, then contrast around 0.5, then the brightness offset, folded into one
/// affine 3x4 matrix (rows). Hue is not linear in RGB and is done in the shader before this.
pub(crate) fn colour_matrix(settings: &PostSettings) -> [[f32; 4]; 3] {
    let s = settings.saturation;
    let c = settings.contrast;
    let offset = 0.5 * (1.0 - c) + settings.brightness;
    std::array::from_fn(|row| {
        let mut out = [0.0; 4];
        for (col, weight) in LUMA.iter().enumerate() {
            let identity = if row == col { 1.0 } else { 0.0 };
            out[col] = c * (s * identity + (1.0 - s) * weight);
        }
        out[3] = offset;
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(m: &[[f32; 4]; 3], rgb: [f32; 3]) -> [f32; 3] {
        std::array::from_fn(|r| m[r][0] * rgb[0] + m[r][1] * rgb[1] + m[r][2] * rgb[2] + m[r][3])
    }

    fn close(a: [f32; 3], b: [f32; 3]) -> bool {
        a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5)
    }

    #[test]
    fn uniforms_are_five_vec4s() {
        assert_eq!(std::mem::size_of::<Uniforms>(), 80);
    }

    #[test]
    fn identity_settings_give_the_identity_colour_matrix() {
        let m = colour_matrix(&PostSettings::default());
        for rgb in [[0.1, 0.5, 0.9], [1.0, 0.0, 0.0], [0.3, 0.3, 0.3]] {
            assert!(close(apply(&m, rgb), rgb));
        }
    }

    #[test]
    fn saturation_zero_is_luma_grey() {
        let m = colour_matrix(&PostSettings {
            saturation: 0.0,
            ..PostSettings::default()
        });
        let out = apply(&m, [1.0, 0.0, 0.0]);
        assert!(close(out, [LUMA[0]; 3]), "{out:?}");
    }

    #[test]
    fn contrast_pivots_on_mid_grey_and_brightness_adds() {
        let m = colour_matrix(&PostSettings {
            contrast: 2.0,
            brightness: 0.1,
            ..PostSettings::default()
        });
        assert!(close(apply(&m, [0.5; 3]), [0.6; 3]));
        assert!(close(apply(&m, [0.25; 3]), [0.1; 3]));
    }

    #[test]
    fn square_output_at_zoom_one_maps_pixels_to_texels_one_to_one() {
        let [sx, sy, ox, oy] = pixel_to_texel(128, (128, 128), 1.0);
        assert_eq!((sx, sy), (1.0, 1.0));
        // Pixel 0's centre (0.5) lands on texel 0's centre.
        assert_eq!((sx * 0.5 + ox, sy * 0.5 + oy), (0.0, 0.0));
    }

    #[test]
    fn wide_output_crops_top_and_bottom_evenly() {
        let [sx, sy, ox, oy] = pixel_to_texel(128, (1280, 720), 1.0);
        // The full width spans the source: left edge 0 -> texel edge -0.5, right edge -> 127.5.
        assert!((ox - -0.5).abs() < 1e-5);
        assert!((sx * 1280.0 + ox - 127.5).abs() < 1e-4);
        // 72 of 128 rows are visible, 28 cropped from each side.
        assert!((oy - 27.5).abs() < 1e-4, "{oy}");
        assert!((sy * 720.0 + oy - 99.5).abs() < 1e-4);
    }

    #[test]
    fn zoom_magnifies_around_the_centre() {
        let [s1, _, o1, _] = pixel_to_texel(128, (1280, 720), 1.0);
        let [s2, _, o2, _] = pixel_to_texel(128, (1280, 720), 2.0);
        assert!((s2 - s1 / 2.0).abs() < 1e-7);
        // The output centre maps to the same texel at any zoom.
        assert!((s1 * 640.0 + o1 - (s2 * 640.0 + o2)).abs() < 1e-4);
    }
}
