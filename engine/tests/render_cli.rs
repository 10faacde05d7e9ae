//! `synesthete render` with the shipped model set (`models/`): fps x duration frames of the
//! manifest's size with the audio beside them, and one-line errors for bad input.

use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn synesthete() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_synesthete"));
    // The copy `cargo xtask fetch-ort` makes, unless the caller points elsewhere.
    if std::env::var_os("SYNESTHETE_ORT_LIB").is_none() {
        command.env(
            "SYNESTHETE_ORT_LIB",
            repo().join("target/onnxruntime/libonnxruntime.so.1.31.1"),
        );
    }
    command
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("synesthete-render-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn renders_the_demo_clip_with_the_shipped_models() {
    let out = scratch("demo");
    let status = synesthete()
        .args(["render", "--seconds", "1.0", "--fps", "12", "--models"])
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
    assert_eq!(first.dimensions(), (128, 128));
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
