//! The tiny preset trains for real: a few steps reduce the loss, diagnostics are logged, and a
//! finished run resumes from its checkpoint without retraining.

use std::path::PathBuf;

use synesthete_trainer::training::config::Preset;
use synesthete_trainer::training::metrics_log::read_metrics;
use synesthete_trainer::training::tasks;

fn run_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("synesthete-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Held-out PSNR of every evaluation, the untrained model first.
fn heldout_psnr(dir: &std::path::Path) -> Vec<f64> {
    read_metrics(&dir.join("metrics.jsonl"))
        .unwrap()
        .iter()
        .filter_map(|r| r["eval"]["heldout_psnr_db"].as_f64())
        .collect()
}

fn logged_mse(dir: &std::path::Path) -> Vec<f64> {
    read_metrics(&dir.join("metrics.jsonl"))
        .unwrap()
        .iter()
        .filter_map(|r| r["mse"].as_f64())
        .collect()
}

#[test]
fn image_vae_loss_falls_and_the_run_resumes() {
    let preset = Preset::load("tiny").unwrap();
    let dir = run_dir("tiny-image-vae");
    let (_, evaluation) = tasks::train_image_vae(&preset, &dir).unwrap();
    let mse = logged_mse(&dir);
    assert_eq!(
        mse.len(),
        preset.image_vae.train.steps / preset.image_vae.train.log_every
    );
    // Batches differ in how hard their art is, so progress is judged on held-out frames.
    let psnr = heldout_psnr(&dir);
    println!("image VAE held-out PSNR by evaluation: {psnr:?}");
    assert!(
        psnr[psnr.len() - 1] > psnr[0] + 1.0,
        "held-out PSNR did not improve: {psnr:?}"
    );
    assert_eq!(evaluation.step, preset.image_vae.train.steps);
    assert_eq!(evaluation.latent.dims, 4 * 16 * 16);
    assert!(evaluation.heldout_psnr_db.is_finite());
    for file in [
        "model.bpk",
        "config.json",
        "evaluation.json",
        "checkpoint/progress.json",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }

    // Resuming a finished run trains nothing more and reports the same evaluation.
    let (_, again) = tasks::train_image_vae(&preset, &dir).unwrap();
    assert_eq!(logged_mse(&dir).len(), mse.len());
    assert_eq!(again.heldout_psnr_db, evaluation.heldout_psnr_db);

    // A run can be extended (only the new steps are trained)...
    let mut longer = preset.clone();
    longer.image_vae.train.steps += 2 * longer.image_vae.train.log_every;
    let (_, extended) = tasks::train_image_vae(&longer, &dir).unwrap();
    assert_eq!(extended.step, longer.image_vae.train.steps);
    assert_eq!(logged_mse(&dir).len(), mse.len() + 2);
    // ...but not cut below what it has already trained.
    let err = tasks::train_image_vae(&preset, &dir)
        .unwrap_err()
        .to_string();
    assert!(err.contains("more than the"), "{err}");

    // A different configuration in the same directory is refused, not silently mixed.
    let mut changed = preset.clone();
    changed.image_vae.train.learning_rate = 0.01;
    let err = tasks::train_image_vae(&changed, &dir)
        .unwrap_err()
        .to_string();
    assert!(err.contains("different configuration"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn audio_encoder_loss_falls() {
    let preset = Preset::load("tiny").unwrap();
    let dir = run_dir("tiny-audio-vae");
    let (_, evaluation) = tasks::train_audio_vae(&preset, &dir).unwrap();
    let psnr = heldout_psnr(&dir);
    assert!(
        psnr[psnr.len() - 1] > psnr[0] + 1.0,
        "held-out PSNR did not improve: {psnr:?}"
    );
    assert_eq!(evaluation.latent.dims, preset.audio_vae.model.latent_dims);
    assert!(evaluation.latent.kl_raw.is_finite());
    std::fs::remove_dir_all(dir).unwrap();
}
