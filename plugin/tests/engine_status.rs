//! With the bundled plugin running in clack-host, the engine thread must see the audio, the
//! host's automation and transport, load ONNX Runtime and the model set from the bundle and
//! generate frames that reach the output stream, while the audio passes bit-exact and the audio
//! thread runs with nice-plug's allocation assertions armed. One test per binary: it sets the
//! process environment before anything else runs.

mod common;

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::clap_host::{ClapHost, nice_param_hash};
use common::{bits, bundled_clap, expected_passthrough};

#[test]
fn engine_sees_audio_automation_and_transport() {
    let status_path =
        std::env::temp_dir().join(format!("synesthete-status-{}.json", std::process::id()));
    // SAFETY: this binary's only test sets the variables before any other thread exists.
    unsafe {
        std::env::set_var(synesthete_engine::live::STATUS_FILE_ENV, &status_path);
        // The runtime must come from the bundle itself, not from a developer override.
        std::env::remove_var(synesthete_engine::runtime::ORT_LIB_ENV);
        std::env::remove_var(synesthete_engine::resources::RESOURCES_ENV);
    }
    let mut host = ClapHost::load(&bundled_clap()).unwrap();
    host.set_tempo(128.0);
    host.activate(48_000.0, 512).unwrap();
    let hue = nice_param_hash("hue");
    let block = 512;
    let (mut l, mut r) = (vec![0.0; block], vec![0.0; block]);
    let mut phase = 0usize;
    let status_now = || -> Option<serde_json::Value> {
        std::fs::read(&status_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut received_frame = None;
    let mut i = 0;
    let status = loop {
        // A loud 1 kHz tone in 512-sample blocks, paced near real time.
        let input: Vec<f32> = (0..block)
            .map(|n| {
                0.8 * (2.0 * std::f32::consts::PI * 1000.0 * (phase + n) as f32 / 48_000.0).sin()
            })
            .collect();
        phase += block;
        let events = if i == 10 {
            vec![(hue, 0.75, 0)]
        } else {
            vec![]
        };
        host.process_stereo([&input, &input], [&mut l, &mut r], &events)
            .unwrap();
        assert_eq!(bits(&l), expected_passthrough(&input));
        assert_eq!(bits(&r), expected_passthrough(&input));
        i += 1;
        std::thread::sleep(Duration::from_millis(5));
        if received_frame.is_none() && i % 50 == 0 {
            received_frame = read_stream_frame();
        }
        if i % 20 != 0 {
            continue;
        }
        if let Some(status) = status_now()
            && i >= 200
            && status["param_targets"]["hue_deg"] == 90.0
            && status["samples_received"].as_u64().unwrap_or(0)
                + status["samples_dropped"].as_u64().unwrap_or(0)
                >= 200 * 512
            && status["video"]["frames_generated"].as_u64().unwrap_or(0) >= 5
            && received_frame.is_some()
        {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "engine status never caught up: {:#}",
            status_now().unwrap_or_default()
        );
    };
    host.deactivate();
    let _ = std::fs::remove_file(&status_path);

    assert_eq!(
        status["realtime_alloc_checks"], true,
        "run via `cargo xtask test` (test profile bundle)"
    );
    assert_eq!(
        status["runtime_ok"], true,
        "bundle must carry ONNX Runtime: {}",
        status["runtime"]
    );
    assert_eq!(status["host_sample_rate"], 48_000);
    assert_eq!(status["transport"]["tempo_bpm"], 128.0);
    assert_eq!(status["features"]["tempo"]["bpm"], 128.0);
    assert!(
        status["features"]["rms"].as_f64().unwrap() > 0.4,
        "{}",
        status["features"]
    );
    assert!(status["feature_frames"].as_u64().unwrap() > 100);

    // Frames from the bundled model set, on the CPU here, out through the Linux stream.
    let video = &status["video"];
    assert_eq!(video["state"], "running", "{video:#}");
    assert_eq!(video["model_set"]["image_size"], 128, "{video:#}");
    assert!(
        video["provider"].as_str().unwrap().starts_with("CPU"),
        "{video:#}"
    );
    assert_eq!(
        video["output_size"],
        serde_json::json!([1280, 720]),
        "{video:#}"
    );
    assert_eq!(video["output_ok"], true, "{video:#}");
    let frame = received_frame.unwrap();
    let first = &frame[..4];
    assert!(
        frame.chunks_exact(4).any(|pixel| pixel != first),
        "the streamed frame is a single colour"
    );
    assert!(frame.chunks_exact(4).all(|pixel| pixel[3] == 255));
    // The smoothed value has had time to settle on the automated target.
    assert!((status["params"]["hue_deg"].as_f64().unwrap() - 90.0).abs() < 0.5);
}

/// One whole 1280x720 RGBA frame from the plugin's default Linux output (the raw-video stream
/// on 127.0.0.1), or `None` while nothing is listening yet.
fn read_stream_frame() -> Option<Vec<u8>> {
    let port = synesthete_engine::output::DEFAULT_STREAM_PORT;
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut frame = vec![0; 1280 * 720 * 4];
    stream.read_exact(&mut frame).ok()?;
    Some(frame)
}
