// Synesthete post-processing: two full-screen passes per frame.
//
//   geometry: output pixel -> source texel by cover-fit (the square frame fills the output, the
//      excess is cropped, centred) and zoom around the centre. Outside the frame (zoom < 1) the
//      source is mirrored, so the picture tiles seamlessly instead of smearing its border pixels
//      into streaks.
//   upscale: bicubic Catmull-Rom, done separably. The mapping is per-axis (x depends only on
//      the output column, y only on the row), so pass 1 (`fs_rows`) filters horizontally into an
//      output-wide, source-high float texture, and pass 2 filters that vertically: 4 + 4 texel
//      loads per pixel instead of 16, which is what makes it real-time on a CPU rasteriser.
//   colour (pass 2), in this order: hue rotation (HSV), saturation (around Rec. 709 luma),
//      contrast (around 0.5), brightness (added); clamped to [0, 1]. Done on the model's
//      sRGB-encoded values, as a VJ mixer does.
//   trails (pass 2): out = max(graded, trails * previous output). A max, not a mix: a mix dims
//      and greys the live frame by (1 - trails) and smears everything; the max leaves the live
//      frame untouched and lets bright shapes leave fading ghosts over darker areas, the classic
//      VJ "feedback trails" look.
//
// With trails on, pass 2 writes its result twice: as float16 history for the next frame (8 bits
// would get stuck: v * 0.98 rounds back to v for v < 25/255, so trails would never fade out)
// and as RGBA8 for readback. With trails off (`fs_plain`) only the RGBA8 copy is written.

struct Uniforms {
    // Rows of the affine colour matrix (saturation, contrast, brightness): dot(row.xyz, rgb) + row.w.
    colour_r: vec4<f32>,
    colour_g: vec4<f32>,
    colour_b: vec4<f32>,
    // src_texel = map.xy * frag_position.xy + map.zw (texel centres at integers).
    map: vec4<f32>,
    // x: hue rotation in turns; y: trails factor (0 = history ignored).
    misc: vec4<f32>,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
// Pass 1 input: the model frame, RGBA32F, loaded texel by texel (no filtering needed).
@group(0) @binding(1) var source: texture_2d<f32>;
// Pass 2 inputs: the horizontally filtered rows (output width x source height, float) ...
@group(0) @binding(2) var rows: texture_2d<f32>;
// ... and the previous output (float16, output-sized), for trails.
@group(0) @binding(3) var history: texture_2d<f32>;

// A triangle covering the whole target; no vertex buffer.
@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    let corner = vec2<f32>(f32((index << 1u) & 2u), f32(index & 2u));
    return vec4<f32>(corner * 2.0 - 1.0, 0.0, 1.0);
}

// Mirror-repeat an integer texel index into [0, n): ... 1 0 | 0 1 ... n-1 | n-1 n-2 ...
fn mirror_index(i: i32, n: i32) -> i32 {
    let period = 2 * n;
    var m = i % period;
    if m < 0 {
        m += period;
    }
    return select(m, period - 1 - m, m >= n);
}

// Catmull-Rom weights for the four taps at offsets -1, 0, 1, 2 from floor(position).
//
// Why bicubic: the model's frame is 128x128 and the output is ~6-10x larger. Bilinear
// interpolation is only C0-continuous, so every source texel turns into a visible soft diamond
// with creased edges (the "blocky yet blurry" look of a linearly stretched thumbnail).
// Catmull-Rom is C1 and interpolating (a constant stays exactly constant, texel centres keep
// their values) and slightly sharpening, so edges stay crisp; its small overshoot is clamped.
fn catmull_rom_weights(t: f32) -> vec4<f32> {
    let t2 = t * t;
    let t3 = t2 * t;
    return vec4<f32>(
        -0.5 * t3 + t2 - 0.5 * t,
        1.5 * t3 - 2.5 * t2 + 1.0,
        -1.5 * t3 + 2.0 * t2 + 0.5 * t,
        0.5 * t3 - 0.5 * t2,
    );
}

// Pass 1: horizontal filter. Target: output width x source height; one texel per source row.
// Not clamped: the overshoot must survive until the vertical filter has been applied too.
@fragment
fn fs_rows(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    let size = vec2<i32>(textureDimensions(source));
    let x = u.map.x * frag.x + u.map.z;
    let base = floor(x);
    let w = catmull_rom_weights(x - base);
    let x0 = i32(base) - 1;
    let y = i32(frag.y);
    let sum = w.x * textureLoad(source, vec2<i32>(mirror_index(x0, size.x), y), 0).rgb
        + w.y * textureLoad(source, vec2<i32>(mirror_index(x0 + 1, size.x), y), 0).rgb
        + w.z * textureLoad(source, vec2<i32>(mirror_index(x0 + 2, size.x), y), 0).rgb
        + w.w * textureLoad(source, vec2<i32>(mirror_index(x0 + 3, size.x), y), 0).rgb;
    return vec4<f32>(sum, 1.0);
}

// Pass 2, first half: vertical filter of the rows texture for this output pixel.
fn upscaled(frag: vec4<f32>) -> vec3<f32> {
    let height = i32(textureDimensions(rows).y);
    let y = u.map.y * frag.y + u.map.w;
    let base = floor(y);
    let w = catmull_rom_weights(y - base);
    let y0 = i32(base) - 1;
    let x = i32(frag.x);
    let sum = w.x * textureLoad(rows, vec2<i32>(x, mirror_index(y0, height)), 0).rgb
        + w.y * textureLoad(rows, vec2<i32>(x, mirror_index(y0 + 1, height)), 0).rgb
        + w.z * textureLoad(rows, vec2<i32>(x, mirror_index(y0 + 2, height)), 0).rgb
        + w.w * textureLoad(rows, vec2<i32>(x, mirror_index(y0 + 3, height)), 0).rgb;
    return clamp(sum, vec3<f32>(0.0), vec3<f32>(1.0));
}

// HSV hue rotation: keeps value (max channel) and saturation, so pure red -> pure cyan at 0.5
// turns. Greys have no hue and pass unchanged.
fn rotate_hue(c: vec3<f32>, turns: f32) -> vec3<f32> {
    let hi = max(c.r, max(c.g, c.b));
    let lo = min(c.r, min(c.g, c.b));
    let chroma = hi - lo;
    if chroma <= 0.0 {
        return c;
    }
    var sextant: f32;
    if hi == c.r {
        sextant = (c.g - c.b) / chroma;
    } else if hi == c.g {
        sextant = 2.0 + (c.b - c.r) / chroma;
    } else {
        sextant = 4.0 + (c.r - c.g) / chroma;
    }
    let hue = fract(sextant / 6.0 + turns);
    let ramp = clamp(
        abs(fract(hue + vec3<f32>(1.0, 2.0 / 3.0, 1.0 / 3.0)) * 6.0 - 3.0) - 1.0,
        vec3<f32>(0.0),
        vec3<f32>(1.0),
    );
    return lo + chroma * ramp;
}

// Pass 2, second half: the colour grade.
fn graded(rgb_in: vec3<f32>) -> vec3<f32> {
    var rgb = rgb_in;
    if u.misc.x != 0.0 {
        rgb = rotate_hue(rgb, u.misc.x);
    }
    rgb = vec3<f32>(
        dot(u.colour_r.xyz, rgb) + u.colour_r.w,
        dot(u.colour_g.xyz, rgb) + u.colour_g.w,
        dot(u.colour_b.xyz, rgb) + u.colour_b.w,
    );
    return clamp(rgb, vec3<f32>(0.0), vec3<f32>(1.0));
}

struct Targets {
    @location(0) history: vec4<f32>,
    @location(1) output: vec4<f32>,
}

// Pass 2 with trails: targets are the next history texture and the RGBA8 output.
@fragment
fn fs_trails(@builtin(position) frag: vec4<f32>) -> Targets {
    var rgb = graded(upscaled(frag));
    if u.misc.y > 0.0 {
        let previous = textureLoad(history, vec2<i32>(frag.xy), 0).rgb;
        rgb = max(rgb, u.misc.y * previous);
    }
    let out = vec4<f32>(rgb, 1.0);
    var targets: Targets;
    targets.history = out;
    targets.output = out;
    return targets;
}

// Pass 2 with trails off: the RGBA8 output only.
@fragment
fn fs_plain(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    return vec4<f32>(graded(upscaled(frag)), 1.0);
}
