//! Shared set-up for the editor tests: a headless X server with `DISPLAY` pointing at it, the
//! engine's status file, a looping test tone played by a background audio thread (checked
//! bit-exact), and screenshots saved under `target/editor-screenshots/`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::clap_host::{BackgroundAudioConfig, ClapHost};
use super::x11::Xvfb;

pub const SAMPLE_RATE: f64 = 48_000.0;
pub const BLOCK: usize = 512;

/// Starts Xvfb and points this process at it; also routes the engine's status to a file and
/// makes the plugin use only what its bundle carries. Call first: it sets the environment,
/// which is only sound while no other thread runs.
pub fn headless_session(name: &str) -> (Xvfb, PathBuf) {
    let xvfb = Xvfb::start();
    let status =
        std::env::temp_dir().join(format!("synesthete-{name}-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&status);
    // SAFETY: each editor test binary has one test, and it calls this before starting threads.
    unsafe {
        std::env::set_var("DISPLAY", xvfb.display());
        std::env::set_var(synesthete_engine::live::STATUS_FILE_ENV, &status);
        std::env::remove_var(synesthete_engine::runtime::ORT_LIB_ENV);
        std::env::remove_var(synesthete_engine::resources::RESOURCES_ENV);
    }
    (xvfb, status)
}

/// Two seconds of a 110 Hz saw-ish tone with a pulse every half second (onsets for the
/// meters), stereo.
pub fn tone() -> Vec<Vec<f32>> {
    let len = 2 * SAMPLE_RATE as usize;
    let channel: Vec<f32> = (0..len)
        .map(|n| {
            let t = n as f32 / SAMPLE_RATE as f32;
            let pulse = if n % (SAMPLE_RATE as usize / 2) < 2_000 {
                0.5
            } else {
                0.0
            };
            0.3 * ((110.0 * t).fract() * 2.0 - 1.0)
                + pulse * (2.0 * std::f32::consts::PI * 880.0 * t).sin()
        })
        .collect();
    vec![channel.clone(), channel]
}

/// Plays [`tone`] in real time on the host's background audio thread, checking every output
/// sample is the input's bits.
pub fn start_tone(host: &mut ClapHost) {
    let input = tone();
    let expected = input
        .iter()
        .map(|c| super::expected_passthrough(c))
        .collect();
    host.start_background_audio(BackgroundAudioConfig {
        input,
        expected: Some(expected),
        block: BLOCK,
        realtime: true,
    })
    .expect("background audio starts");
}

pub fn read_status(path: &Path) -> Option<serde_json::Value> {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
}

/// Polls the status file until `ready` holds; panics with the last status after `timeout`.
pub fn wait_for_status(
    path: &Path,
    timeout: Duration,
    what: &str,
    ready: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = read_status(path)
            && ready(&status)
        {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: timed out; last status {:#}",
            read_status(path).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Saves a screenshot as `target/editor-screenshots/<name>.png` and returns the path.
pub fn save_screenshot(image: &image::RgbaImage, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/editor-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    let path = dir.join(format!("{name}.png"));
    image.save(&path).expect("save screenshot");
    eprintln!("screenshot: {}", path.display());
    path
}

/// Number of pixels of exactly `rgb` in `image` within `rect` (x0, y0, x1, y1).
pub fn count_colour(image: &image::RgbaImage, rgb: [u8; 3], rect: (u32, u32, u32, u32)) -> usize {
    let (x0, y0, x1, y1) = rect;
    (y0..y1.min(image.height()))
        .flat_map(|y| (x0..x1.min(image.width())).map(move |x| (x, y)))
        .filter(|&(x, y)| image.get_pixel(x, y).0[..3] == rgb)
        .count()
}
