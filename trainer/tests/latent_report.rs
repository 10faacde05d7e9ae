//! `trainer latent report` end to end on a tiny, randomly initialised audio encoder: the files
//! appear, the figures are finite and in range, and a bad run folder gets a clear error.

use std::path::{Path, PathBuf};
use std::process::Command;

use burn::module::Module;
use synesthete_trainer::analysis::frames::FrameSource;
use synesthete_trainer::analysis::report::{
    AnalysedEncoder, LatentReport, ReportConfig, read_encoders, write_report,
};
use synesthete_trainer::analysis::traversal::TraversalConfig;
use synesthete_trainer::data::dataset::DataConfig;
use synesthete_trainer::training::config::Preset;
use synesthete_trainer::training::seeding::seed_exclusively;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("synesthete-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A run folder holding the tiny preset's audio encoder with random weights.
fn random_run(dir: &Path) -> Preset {
    let preset = Preset::load("tiny").unwrap();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("config.json"),
        serde_json::to_vec_pretty(&preset.audio_vae).unwrap(),
    )
    .unwrap();
    let device = burn::prelude::Device::flex();
    let _generator = seed_exclusively(&device, 5);
    preset
        .audio_vae
        .model
        .init(&device)
        .save_file(dir.join("model.bpk"))
        .unwrap();
    preset
}

fn assert_in_range(report: &LatentReport, windows: usize, dims: usize) {
    assert_eq!(report.encoders.len(), 1);
    let level = &report.encoders[0].levels[0];
    assert_eq!(level.level, "flat");
    assert_eq!(level.dims, dims);
    assert_eq!(report.encoders[0].windows, windows);
    assert!(level.kl_total_nats.is_finite() && level.kl_total_nats >= 0.0);
    assert!(
        level
            .kl_per_dim_nats
            .iter()
            .all(|k| k.is_finite() && *k >= 0.0)
    );
    assert!(level.active_dims <= dims);
    assert!((0.0..=1.0).contains(&level.active_fraction));
    assert!((0.0..=1.0).contains(&level.mig_mean));
    assert_eq!(level.mig.len(), report.factors.len());
    for factor in &level.mig {
        if let Some(gap) = &factor.gap {
            assert!((0.0..=1.0).contains(&gap.mig), "{factor:?}");
            assert!(gap.best_mi >= gap.second_mi && gap.best_dim < dims);
        }
    }
    for t in &report.traversals {
        assert!(t.band_levels_db.iter().flatten().all(|v| v.is_finite()));
    }
}

#[test]
fn the_cli_writes_the_report_of_a_run_folder() {
    let run = temp_dir("latent-run");
    let out = temp_dir("latent-out");
    let preset = random_run(&run);
    let windows = 24;
    let output = Command::new(env!("CARGO_BIN_EXE_trainer"))
        .args(["latent", "report", "--preset", "tiny", "--mel-only"])
        .args([
            "--dims",
            "3",
            "--steps",
            "3",
            "--windows",
            &windows.to_string(),
        ])
        .arg("--run")
        .arg(&run)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("| figure | target | flat |"), "{stdout}");
    for file in [
        "metrics.json",
        "metrics.md",
        "traversal.png",
        "interpolation.png",
        "map-tempo.png",
        "map-key.png",
        "map-kind.png",
        "map-dominant.png",
    ] {
        let path = out.join(file);
        assert!(
            std::fs::metadata(&path).is_ok_and(|m| m.len() > 0),
            "{file} missing"
        );
    }
    let report: LatentReport =
        serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    assert_in_range(&report, windows, preset.audio_vae.model.latent_dims);
    assert_eq!(report.traversals.len(), 3);
    assert!(report.frames.is_none());
    let table = std::fs::read_to_string(out.join("metrics.md")).unwrap();
    assert!(table.contains("MIG tempo") && table.contains("| KL (nats) | 10–50 in total |"));
    // The report reads back as a comparison column.
    assert_eq!(read_encoders(&out.join("metrics.json")).unwrap().len(), 1);
    let _ = std::fs::remove_dir_all(&run);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_missing_or_foreign_run_folder_is_refused_clearly() {
    let trainer = env!("CARGO_BIN_EXE_trainer");
    let missing = temp_dir("latent-missing");
    let output = Command::new(trainer)
        .args(["latent", "report", "--mel-only", "--run"])
        .arg(&missing)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("does not exist"), "{stderr}");

    // A folder with weights but an image VAE's configuration.
    let foreign = temp_dir("latent-foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    let preset = Preset::load("tiny").unwrap();
    std::fs::write(
        foreign.join("config.json"),
        serde_json::to_vec(&preset.image_vae).unwrap(),
    )
    .unwrap();
    std::fs::write(foreign.join("model.bpk"), b"not weights").unwrap();
    let output = Command::new(trainer)
        .args(["latent", "report", "--mel-only", "--run"])
        .arg(&foreign)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("is not an audio encoder's configuration"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&foreign);
}

/// Flat-colour frames whose brightness follows the first conditioning value.
struct StubFrames;

impl FrameSource for StubFrames {
    fn frame_size(&self) -> usize {
        128
    }

    fn frames(&mut self, conditioning: &[f32], dims: usize) -> anyhow::Result<Vec<Vec<f32>>> {
        Ok(conditioning
            .chunks(dims)
            .map(|z| vec![(0.5 + 0.1 * z[0]).clamp(0.0, 1.0); 3 * 128 * 128])
            .collect())
    }

    fn describe(&self) -> String {
        "stub".into()
    }
}

#[test]
fn the_sheets_take_frames_from_a_frame_source() {
    let preset = Preset::load("tiny").unwrap();
    let device = burn::prelude::Device::flex();
    let _generator = seed_exclusively(&device, 6);
    let model = preset.audio_vae.model.init(&device);
    let out = temp_dir("latent-frames");
    let data = DataConfig {
        context_frames: preset.audio_vae.model.frames,
        ..preset.data.clone()
    };
    let mut frames = StubFrames;
    let report = write_report(
        &AnalysedEncoder {
            name: "flat",
            source: "random",
            model: &model,
            n_mels: preset.audio_vae.model.n_mels,
        },
        &data,
        &ReportConfig {
            windows: 16,
            traversal: TraversalConfig {
                dims: 2,
                steps: 3,
                sigmas: 3.0,
            },
            interpolation_steps: 3,
        },
        Some(&mut frames),
        &[],
        &out,
    )
    .unwrap();
    assert_in_range(&report, 16, preset.audio_vae.model.latent_dims);
    assert_eq!(report.frames.as_deref(), Some("stub"));
    // Frames make the sheet taller than the mel alone would.
    let sheet = image::open(out.join("traversal.png")).unwrap();
    assert!(sheet.height() > 2 * (96 + 60 + 26), "{}", sheet.height());
    let _ = std::fs::remove_dir_all(&out);
}
