//! The real editor of the bundled plugin, embedded in an X11 window on Xvfb by clack-host,
//! with audio running: the preview shows the engine's frames, a click on a slider (XTEST mouse
//! input) changes the parameter the host and the engine see, a double-click resets it, host
//! automation moves the slider, the window resizes and its size is saved in the plugin state,
//! and a bundle without models shows the error banner. Screenshots go to
//! `target/editor-screenshots/`. One test per binary: it sets the process environment first.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::bits;
use common::clap_host::{ClapHost, nice_param_hash};
use common::editor::{
    BLOCK, SAMPLE_RATE, count_colour, headless_session, save_screenshot, start_tone, tone,
    wait_for_status,
};
use common::x11::ParentWindow;
use synesthete::editor::{layout, theme};
use synesthete_engine::params::{self as spec, ParamSpec};

const DEFAULT_SIZE: (u32, u32) = (1060, 720);

fn window(size: (u32, u32)) -> egui::Vec2 {
    egui::vec2(size.0 as f32, size.1 as f32)
}

fn normalized_default(spec: &ParamSpec) -> f64 {
    let (min, max, default) = spec.float_range();
    ((default - min) / (max - min)) as f64
}

/// Waits (audio running) until the host reads `want` (normalised) for `id`.
fn wait_for_param(host: &mut ClapHost, id: &str, want: f64, tolerance: f64) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let value = host.param_value(nice_param_hash(id)).expect(id);
        if (value - want).abs() <= tolerance || Instant::now() > deadline {
            return value;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How far along its slider parameter `id` is drawn as filled, from the screenshot.
fn drawn_fraction(shot: &image::RgbaImage, size: (u32, u32), id: &str) -> f64 {
    let left = layout::slider_point(window(size), id, 0.0).unwrap();
    let y = left.y as u32;
    let x0 = left.x as u32;
    let x1 = x0 + layout::SLIDER_WIDTH as u32;
    let fill = theme::SLIDER_FILL.to_array();
    count_colour(shot, [fill[0], fill[1], fill[2]], (x0, y, x1, y + 1)) as f64
        / layout::SLIDER_WIDTH as f64
}

/// Distinct colours in the editor's main column (the preview dominates it).
fn distinct_colours(shot: &image::RgbaImage, size: (u32, u32)) -> usize {
    let column = layout::main_column(window(size));
    let mut colours: Vec<[u8; 4]> = (column.min.y as u32..column.max.y as u32)
        .flat_map(|y| (column.min.x as u32..column.max.x as u32).map(move |x| (x, y)))
        .map(|(x, y)| shot.get_pixel(x, y).0)
        .collect();
    colours.sort_unstable();
    colours.dedup();
    colours.len()
}

#[test]
fn editor_previews_drives_parameters_resizes_and_shows_errors() {
    let (xvfb, status) = headless_session("editor-window");
    let parent = ParentWindow::new(
        &xvfb.display(),
        DEFAULT_SIZE.0 as u16,
        DEFAULT_SIZE.1 as u16,
    );
    assert!(parent.has_xtest(), "Xvfb without XTEST");
    let mut host = ClapHost::load(&common::bundled_clap()).unwrap();
    assert!(host.has_gui(), "the plugin offers no GUI");
    host.activate(SAMPLE_RATE, BLOCK as u32).unwrap();
    start_tone(&mut host);

    let size = host.gui_open(parent.id(), 1.0).expect("editor opens");
    assert_eq!(size, DEFAULT_SIZE, "first open uses the default size");
    parent.resize(size.0 as u16, size.1 as u16);
    assert_eq!(
        parent.child_count(),
        1,
        "the editor is embedded in the host window"
    );
    wait_for_status(&status, Duration::from_secs(60), "frames", |s| {
        s["video"]["frames_generated"].as_u64().unwrap_or(0) >= 10
    });
    std::thread::sleep(Duration::from_millis(1500));
    let shot = parent.screenshot();
    let colours = distinct_colours(&shot, size);
    assert!(
        colours > 2000,
        "the preview shows a generated frame ({colours} colours)"
    );

    // A click at three quarters of the Hue slider sets hue to 0.75 normalised (+90 degrees):
    // the host reads it and the engine generates with it.
    let hue = layout::slider_point(window(size), "hue", 0.75).unwrap();
    parent.click(hue.x as i16, hue.y as i16);
    let value = wait_for_param(&mut host, "hue", 0.75, 0.01);
    assert!((value - 0.75).abs() <= 0.01, "hue after the click: {value}");
    wait_for_status(&status, Duration::from_secs(5), "engine sees hue", |s| {
        (s["param_targets"]["hue_deg"].as_f64().unwrap_or(0.0) - 90.0).abs() < 3.0
    });

    // Double-click resets a parameter to its default.
    let saturation = layout::slider_point(window(size), "saturation", 0.1).unwrap();
    parent.click(saturation.x as i16, saturation.y as i16);
    let value = wait_for_param(&mut host, "saturation", 0.1, 0.01);
    assert!(
        (value - 0.1).abs() <= 0.01,
        "saturation after the click: {value}"
    );
    // Far enough after the last click that the double-click is not read as a triple-click.
    std::thread::sleep(Duration::from_millis(800));
    parent.double_click(saturation.x as i16, saturation.y as i16);
    let default = normalized_default(&spec::SATURATION);
    let value = wait_for_param(&mut host, "saturation", default, 1e-6);
    assert!(
        (value - default).abs() <= 1e-6,
        "double-click resets: {value}"
    );

    // Host automation shows on the slider: the host sends zoom 0.9 in an audio block.
    let report = host.stop_background_audio().unwrap();
    let input = tone();
    let (mut l, mut r) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
    host.process_stereo(
        [&input[0][..BLOCK], &input[1][..BLOCK]],
        [&mut l, &mut r],
        &[(nice_param_hash("zoom"), 0.9, 0)],
    )
    .unwrap();
    assert_eq!(bits(&l), common::expected_passthrough(&input[0][..BLOCK]));
    start_tone(&mut host);
    parent.move_to(5, 5); // Keep the pointer off the sliders (hover changes their colour).
    let deadline = Instant::now() + Duration::from_secs(5);
    let zoom_drawn = loop {
        let drawn = drawn_fraction(&parent.screenshot(), size, "zoom");
        if (drawn - 0.9).abs() < 0.03 || Instant::now() > deadline {
            break drawn;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        (zoom_drawn - 0.9).abs() < 0.03,
        "zoom slider drawn at {zoom_drawn}"
    );

    // The screenshot for the docs: frames with the hue turned, status, meters.
    std::thread::sleep(Duration::from_millis(1500));
    let shot = parent.screenshot();
    save_screenshot(&shot, "editor");
    assert!((drawn_fraction(&shot, size, "hue") - 0.75).abs() < 0.03);

    // How often the preview changes, and the engine's rate with the editor open and closed.
    let preview_changes = count_preview_changes(&parent, size, Duration::from_secs(3));
    let fps_open = mean_fps(&status, Duration::from_secs(3));

    // Resizable, and the size is kept in the plugin state.
    assert!(host.gui_can_resize());
    let applied = host.gui_set_size(1200, 760).unwrap();
    assert_eq!(applied, (1200, 760));
    parent.resize(1200, 760);
    std::thread::sleep(Duration::from_millis(500));
    let saved = host.save_state().unwrap();
    let fields = state_fields(&saved);
    assert_eq!(fields["editor_size"], "[1200,760]", "{fields:#}");
    assert!(
        fields["video"].as_str().unwrap().contains("Stream"),
        "{fields:#}"
    );
    host.gui_close();
    assert_eq!(parent.wait_for_child_count(0, Duration::from_secs(5)), 0);
    let fps_closed = mean_fps(&status, Duration::from_secs(3));

    // A saved state with another size reopens at that size.
    host.load_state(&with_field(&saved, "editor_size", "[1111,700]"))
        .unwrap();
    assert_eq!(host.gui_open(parent.id(), 1.0).unwrap(), (1111, 700));
    host.gui_close();

    let audio = host.stop_background_audio().unwrap();
    eprintln!(
        "preview changed {preview_changes} times in 3 s; engine {fps_open:.1} fps with the \
         editor open, {fps_closed:.1} closed; audio: {} + {} blocks, max process() {:?} / {:?}, \
         {} overruns",
        report.blocks,
        audio.blocks,
        report.max_process,
        audio.max_process,
        report.overruns + audio.overruns
    );
    for run in [&report, &audio] {
        assert_eq!(run.error, None);
        assert_eq!(run.mismatched_samples, 0, "{:?}", run.first_mismatch);
    }
    assert!(
        preview_changes >= 10,
        "the preview refreshes live: {preview_changes}"
    );
    host.deactivate();
    drop(host);

    missing_models_show_the_error_banner(&parent, &status);
}

/// A copy of the bundle with the runtime but without its models: the editor says so in red,
/// with the fix, and audio still passes.
fn missing_models_show_the_error_banner(parent: &ParentWindow, status: &Path) {
    let bundle = common::bundled_clap();
    let resources = bundle.with_file_name(synesthete_engine::resources::SIDECAR_DIR);
    let copy = std::env::temp_dir().join(format!("synesthete-no-models-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    let runtime_dir = copy
        .join(synesthete_engine::resources::SIDECAR_DIR)
        .join("onnxruntime");
    std::fs::create_dir_all(&runtime_dir).unwrap();
    for entry in std::fs::read_dir(resources.join("onnxruntime")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), runtime_dir.join(entry.file_name())).unwrap();
    }
    let clap = copy.join("Synesthete.clap");
    std::fs::copy(&bundle, &clap).unwrap();
    let _ = std::fs::remove_file(status);

    let mut host = ClapHost::load(&clap).unwrap();
    host.activate(SAMPLE_RATE, BLOCK as u32).unwrap();
    start_tone(&mut host);
    let size = host.gui_open(parent.id(), 1.0).unwrap();
    parent.resize(size.0 as u16, size.1 as u16);
    let engine = wait_for_status(status, Duration::from_secs(30), "model error", |s| {
        s["video"]["state"] == "error" && s["runtime_ok"] == true
    });
    let message = engine["video"]["message"].as_str().unwrap();
    assert!(message.contains("no model set found"), "{message}");
    std::thread::sleep(Duration::from_millis(1000));
    let shot = parent.screenshot();
    save_screenshot(&shot, "editor-no-models");
    let column = layout::main_column(window(size));
    let banner = theme::BANNER.to_array();
    let red = count_colour(
        &shot,
        [banner[0], banner[1], banner[2]],
        (column.min.x as u32, 0, column.max.x as u32, size.1),
    );
    assert!(red > 10_000, "the error banner is shown ({red} px)");
    host.gui_close();
    let audio = host.stop_background_audio().unwrap();
    assert_eq!(audio.mismatched_samples, 0, "{:?}", audio.first_mismatch);
    drop(host);
    let _ = std::fs::remove_dir_all(&copy);
}

/// Screenshots of the main column every 100 ms for `period`; how many differed from the last.
fn count_preview_changes(parent: &ParentWindow, size: (u32, u32), period: Duration) -> usize {
    let column = layout::main_column(window(size));
    let crop = |shot: image::RgbaImage| {
        image::imageops::crop_imm(
            &shot,
            column.min.x as u32,
            column.min.y as u32,
            column.width() as u32,
            column.height() as u32,
        )
        .to_image()
    };
    let end = Instant::now() + period;
    let mut last = crop(parent.screenshot());
    let mut changes = 0;
    while Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100));
        let next = crop(parent.screenshot());
        changes += (next != last) as usize;
        last = next;
    }
    changes
}

/// The engine's reported frame rate averaged over `period`.
fn mean_fps(status: &Path, period: Duration) -> f64 {
    let end = Instant::now() + period;
    let mut samples = Vec::new();
    while Instant::now() < end {
        std::thread::sleep(Duration::from_millis(250));
        if let Some(s) = common::editor::read_status(status) {
            samples.push(s["video"]["fps"].as_f64().unwrap_or(0.0));
        }
    }
    samples.iter().sum::<f64>() / samples.len().max(1) as f64
}

/// nice-plug's state: an 8-byte little-endian length, then JSON.
fn state_json(state: &[u8]) -> serde_json::Value {
    serde_json::from_slice(&state[8..]).expect("state JSON")
}

fn state_fields(state: &[u8]) -> serde_json::Value {
    state_json(state)["fields"].clone()
}

fn with_field(state: &[u8], key: &str, value: &str) -> Vec<u8> {
    let mut json = state_json(state);
    json["fields"][key] = serde_json::Value::String(value.into());
    let body = serde_json::to_vec(&json).unwrap();
    let mut bytes = (body.len() as u64).to_le_bytes().to_vec();
    bytes.extend(body);
    bytes
}
