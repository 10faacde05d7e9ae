//! `synesthete render` with the shipped model set (`models/`): fps x duration frames at the
//! output size with the audio beside them (a PNG folder, or a video file through ffmpeg), and
//! one-line errors for bad input.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{repo, synesthete};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("synesthete-render-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn renders_the_demo_clip_with_the_shipped_models() {
    let out = scratch("demo");
    let status = synesthete()
        .args([
            "render",
            "--seconds",
            "1.0",
            "--fps",
            "12",
            "--size",
            "160x90",
            "--models",
        ])
        .arg(repo().join("models"))
        .arg("--output")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let mut frames: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    frames.sort();
    assert_eq!(frames.len(), 12, "1 s at 12 fps");
    let first = image::open(&frames[0]).unwrap().to_rgb8();
    assert_eq!(first.dimensions(), (160, 90));
    let last = image::open(&frames[11]).unwrap().to_rgb8();
    assert_ne!(first, last, "the picture follows the music");
    let audio = hound::WavReader::open(out.join("audio.wav")).unwrap();
    let seconds = audio.duration() as f64 / audio.spec().sample_rate as f64;
    assert!((seconds - 1.0).abs() < 0.01, "{seconds} s of audio");
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn bad_inputs_are_one_line_errors() {
    let out = scratch("bad");
    for args in [
        vec!["render", "--models", "/nonexistent/models"],
        vec!["render", "--input", "/nonexistent.wav"],
        vec!["render", "--fps", "0"],
        vec!["render", "--size", "12345"],
        vec!["render", "--automation", "/nonexistent.json"],
    ] {
        let output = synesthete()
            .args(&args)
            .arg("--output")
            .arg(&out)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?} succeeded");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(out);
}

/// A 30 s WAV: a kick every half second over a slow chord, so the picture has something to
/// follow.
fn write_song(path: &std::path::Path, seconds: f64) {
    let rate = 44_100u32;
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for n in 0..(seconds * rate as f64) as usize {
        let t = n as f64 / rate as f64;
        let beat = t % 0.5;
        let kick = (-beat * 30.0).exp() * (2.0 * std::f64::consts::PI * 55.0 * beat).sin();
        let chord: f64 = [220.0, 277.2, 329.6]
            .iter()
            .map(|f| 0.1 * (2.0 * std::f64::consts::PI * f * t).sin())
            .sum();
        let sample = ((0.6 * kick + chord) * 0.8 * i16::MAX as f64) as i16;
        writer.write_sample(sample).unwrap();
        writer.write_sample(sample).unwrap();
    }
    writer.finalize().unwrap();
}

/// `(frames, duration_s)` of the video stream, and whether an audio stream is there, by ffprobe.
fn probe(video: &std::path::Path) -> (u64, f64, bool) {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-show_entries"])
        .args(["stream=codec_type,nb_read_frames,duration", "-of", "json"])
        .arg(video)
        .output()
        .expect("ffprobe (part of ffmpeg) is installed by scripts/setup.sh");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let streams = json["streams"].as_array().unwrap();
    let video = streams.iter().find(|s| s["codec_type"] == "video").unwrap();
    let frames = video["nb_read_frames"].as_str().unwrap().parse().unwrap();
    let duration = video["duration"].as_str().unwrap().parse().unwrap();
    (
        frames,
        duration,
        streams.iter().any(|s| s["codec_type"] == "audio"),
    )
}

#[test]
fn a_thirty_second_song_becomes_a_playable_video_of_fps_times_duration_frames() {
    let dir = scratch("song");
    std::fs::create_dir_all(&dir).unwrap();
    let song = dir.join("song.wav");
    write_song(&song, 30.0);
    let video = dir.join("song.mp4");
    // Few steps and a small frame keep the test quick; the pipeline is the shipped one.
    let output = synesthete()
        .args([
            "render", "--fps", "30", "--size", "320x180", "--steps", "2", "--models",
        ])
        .arg(repo().join("models"))
        .arg("--input")
        .arg(&song)
        .arg("--output")
        .arg(&video)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (frames, duration, has_audio) = probe(&video);
    assert_eq!(frames, 900, "30 s at 30 fps");
    assert!((duration - 30.0).abs() < 0.05, "{duration} s");
    assert!(has_audio, "the song is muxed in");
    assert!(
        !dir.join("song.audio.wav").exists(),
        "the temporary audio is removed"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// PNG frames of a short render of the demo clip, with optional automation lanes.
fn render_frames(name: &str, automation: Option<&str>) -> Vec<image::RgbaImage> {
    let out = scratch(name);
    let mut command = synesthete();
    command
        .args([
            "render",
            "--seconds",
            "0.5",
            "--fps",
            "8",
            "--size",
            "64x64",
            "--steps",
            "2",
        ])
        .arg("--models")
        .arg(repo().join("models"))
        .arg("--output")
        .arg(&out);
    if let Some(lanes) = automation {
        std::fs::create_dir_all(&out).unwrap();
        let path = out.join("lanes.json");
        std::fs::write(&path, lanes).unwrap();
        command.arg("--automation").arg(path);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let frames = (0..4)
        .map(|i| {
            image::open(out.join(format!("frame_{i:05}.png")))
                .unwrap()
                .to_rgba8()
        })
        .collect();
    std::fs::remove_dir_all(out).unwrap();
    frames
}

#[test]
fn automation_lanes_move_the_picture_over_time() {
    let plain = render_frames("plain", None);
    // Hue turns from 0 to 180 degrees over the first half second.
    let automated = render_frames(
        "automated",
        Some(r#"{ "version": 1, "lanes": { "hue": [[0.0, 0.0], [0.375, 180.0]] } }"#),
    );
    assert_eq!(plain[0], automated[0], "no hue shift at t = 0");
    assert_ne!(plain[3], automated[3], "half a turn of hue at t = 0.375 s");

    let out = scratch("bad-lanes");
    std::fs::create_dir_all(&out).unwrap();
    let lanes = out.join("lanes.json");
    std::fs::write(
        &lanes,
        r#"{ "version": 1, "lanes": { "hue": [[0.0, 999.0]] } }"#,
    )
    .unwrap();
    let output = synesthete()
        .args(["render", "--automation"])
        .arg(&lanes)
        .arg("--output")
        .arg(out.join("x"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("hue"), "{stderr}");
    std::fs::remove_dir_all(out).unwrap();
}
