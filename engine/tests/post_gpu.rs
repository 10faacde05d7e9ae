//! GPU post-processing against a real wgpu device (Mesa's lavapipe on a machine without a GPU).
//! Each test renders synthetic frames whose correct output is known analytically and checks it
//! within a stated tolerance (RGBA8 rounding, plus the bicubic filter's transition near edges).

#![cfg(feature = "gpu")]

use synesthete_engine::post::{PostError, PostProcessor, PostSettings};

/// The default model's frame side.
const SIZE: u32 = 128;
/// One RGBA8 step of rounding slack.
const ONE_STEP: i32 = 1;

fn processor(output: (u32, u32)) -> PostProcessor {
    PostProcessor::new(SIZE, output)
        .unwrap_or_else(|e| panic!("a wgpu adapter should exist (Mesa's lavapipe at least): {e}"))
}

/// A CHW planar frame from a per-texel colour function of (x, y).
fn frame(colour: impl Fn(u32, u32) -> [f32; 3]) -> Vec<f32> {
    let texels = (SIZE * SIZE) as usize;
    let mut chw = vec![0.0; texels * 3];
    for y in 0..SIZE {
        for x in 0..SIZE {
            let i = (y * SIZE + x) as usize;
            let rgb = colour(x, y);
            for (c, value) in rgb.into_iter().enumerate() {
                chw[c * texels + i] = value;
            }
        }
    }
    chw
}

fn pixel(rgba: &[u8], width: u32, x: u32, y: u32) -> [u8; 4] {
    let i = ((y * width + x) * 4) as usize;
    rgba[i..i + 4].try_into().unwrap()
}

/// Mean of one channel over the image, in [0, 1].
fn mean(rgba: &[u8], channel: usize) -> f64 {
    let sum: u64 = rgba.chunks_exact(4).map(|p| u64::from(p[channel])).sum();
    sum as f64 / (rgba.len() / 4) as f64 / 255.0
}

fn assert_near(actual: u8, expected: f32, slack: i32, what: &str) {
    let expected = (expected * 255.0).round() as i32;
    assert!(
        (i32::from(actual) - expected).abs() <= slack,
        "{what}: got {actual}, expected {expected} +- {slack}"
    );
}

/// Width of the run of pixels brighter than half in row `y`, and where it starts.
fn bright_run(rgba: &[u8], width: u32, y: u32) -> (u32, u32) {
    let bright: Vec<u32> = (0..width)
        .filter(|&x| pixel(rgba, width, x, y)[0] > 127)
        .collect();
    let first = *bright.first().expect("row should have bright pixels");
    (first, bright.len() as u32)
}

#[test]
fn identity_settings_keep_a_constant_colour_at_output_size() {
    let mut post = processor((1280, 720));
    assert!(!post.adapter_description().is_empty());
    assert_eq!(post.output_size(), (1280, 720));
    let colour = [0.2, 0.5, 0.8];
    let out = post
        .process(&frame(|_, _| colour), &PostSettings::default())
        .unwrap();
    assert_eq!(out.len(), 1280 * 720 * 4);
    for (i, p) in out.chunks_exact(4).enumerate() {
        for c in 0..3 {
            assert_near(p[c], colour[c], ONE_STEP, &format!("pixel {i} channel {c}"));
        }
        assert_eq!(p[3], 255, "pixel {i} alpha");
    }
}

#[test]
fn cover_fit_fills_the_width_and_crops_top_and_bottom_evenly() {
    let mut post = processor((1280, 720));
    // Left half white: the whole width shows the whole frame, 10 px per texel, so the edge
    // between texels 63 and 64 falls between pixels 639 and 640 on every row.
    let left = frame(|x, _| if x < SIZE / 2 { [1.0; 3] } else { [0.0; 3] });
    let out = post.process(&left, &PostSettings::default()).unwrap();
    for y in (0..720).step_by(7) {
        assert!(
            pixel(out, 1280, 639, y)[0] > 127,
            "row {y} left of the split"
        );
        assert!(
            pixel(out, 1280, 640, y)[0] < 128,
            "row {y} right of the split"
        );
        assert_eq!(pixel(out, 1280, 0, y)[0], 255);
        assert_eq!(pixel(out, 1280, 1279, y)[0], 0);
    }
    // Top 48 rows white: 72 of 128 rows are visible (28 cropped from the top), so the edge at
    // texel 47.5 lands 20 texels = 200 px below the top of the output.
    let top = frame(|_, y| if y < 48 { [1.0; 3] } else { [0.0; 3] });
    let out = post.process(&top, &PostSettings::default()).unwrap();
    for x in (0..1280).step_by(11) {
        assert!(
            pixel(out, 1280, x, 199)[0] > 127,
            "column {x} above the edge"
        );
        assert!(
            pixel(out, 1280, x, 200)[0] < 128,
            "column {x} below the edge"
        );
        assert_eq!(pixel(out, 1280, x, 0)[0], 255);
        assert_eq!(pixel(out, 1280, x, 719)[0], 0);
    }
}

#[test]
fn upscale_is_catmull_rom_bicubic() {
    // A vertical step (texels 0..64 black, 64.. white) at 5 px per texel: each pixel must match
    // the Catmull-Rom interpolation of the step, clamped, not bilinear's straight ramp.
    let mut post = processor((640, 640));
    let step = frame(|x, _| if x < SIZE / 2 { [0.0; 3] } else { [1.0; 3] });
    let out = post.process(&step, &PostSettings::default()).unwrap();
    let catmull_rom = |s: f32| {
        let base = s.floor();
        let t = s - base;
        let (t2, t3) = (t * t, t * t * t);
        let weights = [
            -0.5 * t3 + t2 - 0.5 * t,
            1.5 * t3 - 2.5 * t2 + 1.0,
            -1.5 * t3 + 2.0 * t2 + 0.5 * t,
            0.5 * t3 - 0.5 * t2,
        ];
        let sum: f32 = (0..4)
            .map(|k| {
                let texel = base as i32 - 1 + k;
                let value = if texel < (SIZE / 2) as i32 { 0.0 } else { 1.0 };
                weights[k as usize] * value
            })
            .sum();
        sum.clamp(0.0, 1.0)
    };
    let mut differs_from_bilinear = false;
    for x in 310..330 {
        // Pixel centre -> texel coordinate: 0.2 texels per pixel, texel centres at integers.
        let s = 0.2 * (x as f32 + 0.5) - 0.5;
        let expected = catmull_rom(s);
        let bilinear = (s - 63.0).clamp(0.0, 1.0);
        differs_from_bilinear |= (expected - bilinear).abs() > 4.0 / 255.0;
        assert_near(
            pixel(out, 640, x, 320)[0],
            expected,
            ONE_STEP,
            &format!("x {x}"),
        );
    }
    assert!(
        differs_from_bilinear,
        "the test pattern should tell the filters apart"
    );
}

#[test]
fn hue_180_turns_pure_red_into_cyan() {
    let mut post = processor((256, 256));
    let settings = PostSettings {
        hue_deg: 180.0,
        ..PostSettings::default()
    };
    let out = post
        .process(&frame(|_, _| [1.0, 0.0, 0.0]), &settings)
        .unwrap();
    for p in out.chunks_exact(4) {
        assert!(p[0] <= 2 && p[1] >= 253 && p[2] >= 253, "{p:?}");
    }
    // A quarter turn back takes red to violet, HSV hue 270 degrees: (0.5, 0, 1).
    let settings = PostSettings {
        hue_deg: -90.0,
        ..PostSettings::default()
    };
    let out = post
        .process(&frame(|_, _| [1.0, 0.0, 0.0]), &settings)
        .unwrap();
    let p = pixel(out, 256, 128, 128);
    assert_near(p[0], 0.5, ONE_STEP, "red at hue 270");
    assert_near(p[1], 0.0, ONE_STEP, "green at hue 270");
    assert_near(p[2], 1.0, ONE_STEP, "blue at hue 270");
}

#[test]
fn saturation_zero_gives_grey() {
    let mut post = processor((320, 180));
    let colourful = frame(|x, y| {
        [
            x as f32 / SIZE as f32,
            y as f32 / SIZE as f32,
            ((x + y) % 7) as f32 / 6.0,
        ]
    });
    let settings = PostSettings {
        saturation: 0.0,
        ..PostSettings::default()
    };
    let out = post.process(&colourful, &settings).unwrap();
    for p in out.chunks_exact(4) {
        assert!(
            p[0].abs_diff(p[1]) <= 1 && p[1].abs_diff(p[2]) <= 1,
            "not grey: {p:?}"
        );
    }
    // Not trivially black: the grey carries the picture's luma.
    assert!(mean(out, 0) > 0.2);
}

#[test]
fn brightness_adds_and_contrast_scales_around_mid_grey() {
    let mut post = processor((640, 360));
    // A ramp from 0.2 to 0.4 (mean 0.3), so neither setting below clips.
    let ramp = frame(|x, _| [0.2 + 0.2 * x as f32 / (SIZE - 1) as f32; 3]);
    let base = mean(post.process(&ramp, &PostSettings::default()).unwrap(), 1);
    assert!((base - 0.3).abs() < 0.01, "identity mean {base}");

    let brighter = PostSettings {
        brightness: 0.2,
        ..PostSettings::default()
    };
    let m = mean(post.process(&ramp, &brighter).unwrap(), 1);
    assert!(
        (m - (base + 0.2)).abs() < 0.005,
        "brightness +0.2: {base} -> {m}"
    );

    let contrasty = PostSettings {
        contrast: 1.5,
        ..PostSettings::default()
    };
    let m = mean(post.process(&ramp, &contrasty).unwrap(), 1);
    let expected = 0.5 + 1.5 * (base - 0.5);
    assert!(
        (m - expected).abs() < 0.005,
        "contrast 1.5: {base} -> {m}, expected {expected}"
    );

    let flat = PostSettings {
        contrast: 0.0,
        ..PostSettings::default()
    };
    let out = post.process(&ramp, &flat).unwrap();
    assert!(out.chunks_exact(4).all(|p| p[0].abs_diff(128) <= 1));

    let black = PostSettings {
        brightness: -1.0,
        ..PostSettings::default()
    };
    let out = post.process(&ramp, &black).unwrap();
    assert!(out.chunks_exact(4).all(|p| p[..3] == [0, 0, 0]));
}

#[test]
fn trails_keep_a_fading_copy_until_reset() {
    let mut post = processor((320, 180));
    let white = frame(|_, _| [1.0; 3]);
    let black = frame(|_, _| [0.0; 3]);
    let trails = PostSettings {
        trails: 0.9,
        ..PostSettings::default()
    };
    let out = post.process(&white, &trails).unwrap();
    assert_eq!(pixel(out, 320, 10, 10), [255; 4]);
    // Each black frame keeps 0.9 of the previous output (float16 history, so 2 steps slack).
    let out = post.process(&black, &trails).unwrap();
    assert_near(pixel(out, 320, 10, 10)[0], 0.9, 2, "one frame later");
    let out = post.process(&black, &trails).unwrap();
    assert_near(pixel(out, 320, 300, 170)[1], 0.81, 2, "two frames later");
    let out = post.process(&black, &trails).unwrap();
    assert_near(pixel(out, 320, 160, 90)[2], 0.729, 2, "three frames later");

    post.reset();
    let out = post.process(&black, &trails).unwrap();
    assert!(
        out.chunks_exact(4).all(|p| p[..3] == [0, 0, 0]),
        "reset keeps a trail"
    );
    let out = post.process(&black, &trails).unwrap();
    assert!(
        out.chunks_exact(4).all(|p| p[..3] == [0, 0, 0]),
        "trail came back"
    );

    // Trails off: a bright frame leaves nothing behind.
    post.process(&white, &trails).unwrap();
    let out = post.process(&black, &PostSettings::default()).unwrap();
    assert!(out.chunks_exact(4).all(|p| p[..3] == [0, 0, 0]));
}

#[test]
fn zoom_two_doubles_a_centred_square() {
    let mut post = processor((1280, 720));
    // A 32-texel white square in the middle of the frame: 320 px wide at 10 px per texel.
    let square = frame(|x, y| {
        if (48..80).contains(&x) && (48..80).contains(&y) {
            [1.0; 3]
        } else {
            [0.0; 3]
        }
    });
    let out = post.process(&square, &PostSettings::default()).unwrap();
    let (start, width) = bright_run(out, 1280, 360);
    assert!(width.abs_diff(320) <= 2, "zoom 1 width {width}");
    assert!(start.abs_diff(480) <= 1, "zoom 1 start {start}");

    let zoom = PostSettings {
        zoom: 2.0,
        ..PostSettings::default()
    };
    let out = post.process(&square, &zoom).unwrap();
    let (start, width) = bright_run(out, 1280, 360);
    assert!(width.abs_diff(640) <= 2, "zoom 2 width {width}");
    assert!(
        start.abs_diff(320) <= 1,
        "zoom 2 start {start}: still centred"
    );
}

#[test]
fn zoom_below_one_mirrors_the_frame_around_itself() {
    let mut post = processor((512, 512));
    // A 16-texel white stripe on the left edge. At zoom 0.5 the frame covers the middle 256 px
    // (2 px per texel) and mirrored copies fill the rest: the stripe reappears, flipped, just
    // left of the frame, then black (clamping to the edge would smear white over the whole band).
    let stripe = frame(|x, _| if x < 16 { [1.0; 3] } else { [0.0; 3] });
    let zoom = PostSettings {
        zoom: 0.5,
        ..PostSettings::default()
    };
    let out = post.process(&stripe, &zoom).unwrap();
    assert_eq!(pixel(out, 512, 140, 256)[0], 255, "the stripe itself");
    assert_eq!(pixel(out, 512, 110, 256)[0], 255, "its mirror image");
    assert_eq!(pixel(out, 512, 40, 256)[0], 0, "beyond the mirrored stripe");
    assert_eq!(pixel(out, 512, 300, 256)[0], 0, "the frame's black part");
}

#[test]
fn wrong_length_input_is_an_error_and_the_processor_still_works() {
    let mut post = processor((64, 64));
    let err = post
        .process(&[0.5; 10], &PostSettings::default())
        .unwrap_err();
    assert_eq!(
        err,
        PostError::InputLength {
            expected: 3 * 128 * 128,
            got: 10,
            size: 128
        }
    );
    assert!(err.to_string().contains("49152"), "{err}");
    let out = post
        .process(&frame(|_, _| [0.5; 3]), &PostSettings::default())
        .unwrap();
    assert_near(out[0], 0.5, ONE_STEP, "after the error");
}

#[test]
fn unaligned_output_widths_read_back_row_by_row() {
    // 1000 px rows are 4000 bytes, padded to 4096 on the GPU; 601 px rows 2404, padded to 2560.
    // Red marks the top half of the frame, green the left half: a padding mix-up would shift
    // every row and break the columns' and rows' colours.
    let quadrants = frame(|x, y| {
        [
            if y < SIZE / 2 { 1.0 } else { 0.0 },
            if x < SIZE / 2 { 1.0 } else { 0.0 },
            0.0,
        ]
    });
    for (width, height) in [(1000, 600), (601, 301)] {
        let mut post = processor((width, height));
        let out = post.process(&quadrants, &PostSettings::default()).unwrap();
        assert_eq!(out.len(), (width * height * 4) as usize);
        for y in 0..height {
            let (left, right) = (pixel(out, width, 0, y), pixel(out, width, width - 1, y));
            assert_eq!(
                (left[1], right[1]),
                (255, 0),
                "{width}x{height} row {y} green"
            );
            assert_eq!((left[3], right[3]), (255, 255));
            // The bicubic filter blends across 2 texels each side of the edge.
            let texels_per_pixel = SIZE as f32 / width as f32;
            let from_centre = (y as f32 + 0.5 - height as f32 / 2.0).abs();
            if from_centre * texels_per_pixel > 2.0 {
                let red = if (y as f32) < height as f32 / 2.0 {
                    255
                } else {
                    0
                };
                assert_eq!(
                    (left[0], right[0]),
                    (red, red),
                    "{width}x{height} row {y} red"
                );
            }
        }
    }
}

#[test]
fn zero_sizes_are_refused() {
    assert!(matches!(
        PostProcessor::new(0, (1280, 720)),
        Err(PostError::InvalidSize(_))
    ));
    assert!(matches!(
        PostProcessor::new(128, (1280, 0)),
        Err(PostError::InvalidSize(_))
    ));
}
