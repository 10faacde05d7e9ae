//! `synesthete bench --json` runs the live pipeline on the shipped models and reports the
//! figures the issue asks for: fps, latency percentiles, per-stage times, the provider.

mod common;

use common::{repo, synesthete};

#[test]
fn bench_prints_one_json_object_with_the_figures() {
    let repo = repo();
    let mut command = synesthete();
    let output = command
        .args([
            "bench",
            "--seconds",
            "2",
            "--json",
            "--steps",
            "2",
            "--size",
            "320x180",
        ])
        .arg("--models")
        .arg(repo.join("models"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report["fps"].as_f64().unwrap() > 1.0, "{report:#}");
    let latency = &report["latency_ms"];
    let (p50, p95, p99) = (
        latency["p50"].as_f64().unwrap(),
        latency["p95"].as_f64().unwrap(),
        latency["p99"].as_f64().unwrap(),
    );
    assert!(0.0 < p50 && p50 <= p95 && p95 <= p99, "{latency}");
    for stage in [
        "features", "encoder", "dit_step", "dit", "decoder", "post", "output",
    ] {
        assert!(
            report["stages_ms"][stage]
                .as_f64()
                .is_some_and(|ms| ms >= 0.0),
            "{stage}: {report:#}"
        );
    }
    assert!(report["stages_ms"]["dit_step"].as_f64().unwrap() > 0.0);
    assert_eq!(report["provider"], "CPU");
    assert_eq!(report["output_size"], serde_json::json!([320, 180]));

    let missing = synesthete()
        .args(["bench", "--seconds", "1", "--models", "/nonexistent/models"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("/nonexistent/models"), "{stderr}");
}
