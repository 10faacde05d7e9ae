//! The DiT and its regression baseline train for real on the tiny preset's autoencoders: the
//! held-out loss falls, each run records its audio encoder, a fine-tune that adds the output
//! convolution starts where the DiT stopped, a run resumed with a weight average keeps it beside
//! its checkpoint and makes it the run's model, and a DiT configuration that does not fit the
//! autoencoders is refused. A run's last checkpoint exports as the run would have finished there.

use std::path::PathBuf;

use synesthete_trainer::export::model_set::{Recommendation, TrainedRuns, export_runs};
use synesthete_trainer::model::dit::DitConfig;
use synesthete_trainer::training::config::Preset;
use synesthete_trainer::training::dit_loop::Objective;
use synesthete_trainer::training::metrics_log::read_metrics;
use synesthete_trainer::training::tasks::{self, Autoencoders};

fn run_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("synesthete-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn heldout_loss(dir: &std::path::Path) -> Vec<f64> {
    read_metrics(&dir.join("metrics.jsonl"))
        .unwrap()
        .iter()
        .filter_map(|r| r["eval"]["heldout_loss"].as_f64())
        .collect()
}

#[test]
fn dit_and_regression_learn_on_the_tiny_autoencoders() {
    let mut preset = Preset::load("tiny").unwrap();
    let root = run_dir("tiny-dit");
    let (image_run, audio_run) = (root.join("image_vae"), root.join("audio_vae"));
    tasks::train_image_vae(&preset, &image_run).unwrap();
    tasks::train_audio_vae(&preset, &audio_run).unwrap();
    let autoencoders = Autoencoders::load(&image_run, &audio_run).unwrap();

    for (objective, name) in [
        (Objective::Diffusion, "dit"),
        (Objective::Regression, "regression"),
    ] {
        let dir = root.join(name);
        let (_, evaluation) = tasks::train_dit(&preset, &autoencoders, objective, &dir).unwrap();
        let losses = heldout_loss(&dir);
        println!("{name}: held-out loss {losses:?}");
        assert_eq!(evaluation.step, preset.dit.train.steps);
        assert!(
            losses.last().unwrap() < &(losses[0] * 0.9),
            "{name}: held-out loss did not fall: {losses:?}"
        );
        let config: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
        assert!(config["latent_scale"].as_f64().unwrap() > 0.0);
        // The run records which audio encoder's codes it learned.
        assert_eq!(
            config["audio_encoder"],
            serde_json::to_value(&autoencoders.audio.section).unwrap()
        );
    }

    // Fine-tuning the DiT with an output convolution its run lacks starts from its weights with
    // the convolution as the identity: the first held-out loss is the DiT's last.
    // So does one that adds depthwise convolutions to its MLPs (zero residuals), and one that
    // adds blocks after the DiT's (adaLN-zero: the identity until trained).
    let base = heldout_loss(&root.join("dit"));
    let last = base.last().unwrap();
    for (name, add) in [
        (
            "dit_conv",
            (|m: &mut DitConfig| m.output_conv = Some(3)) as fn(&mut DitConfig),
        ),
        ("dit_mlp_conv", |m: &mut DitConfig| m.mlp_conv = Some(3)),
        ("dit_deeper", |m: &mut DitConfig| m.depth += 2),
    ] {
        let mut with_conv = preset.clone();
        add(&mut with_conv.dit.model);
        with_conv.dit.train.init_from = Some(root.join("dit"));
        with_conv.dit.train.steps = 2;
        let tuned = root.join(name);
        tasks::train_dit(&with_conv, &autoencoders, Objective::Diffusion, &tuned).unwrap();
        let first = heldout_loss(&tuned)[0];
        assert!(
            (first - last).abs() < 1e-5 * last.max(1.0),
            "{name}: {first} vs {last}"
        );
    }

    // The finished DiT, resumed for two more steps with a weight average: the average starts
    // from the checkpoint's weights, is checkpointed beside them and becomes the run's model.
    let dit = root.join("dit");
    let mut averaged = preset.clone();
    averaged.dit.train.ema_decay = Some(0.5);
    averaged.dit.train.steps += 2;
    let (_, evaluation) =
        tasks::train_dit(&averaged, &autoencoders, Objective::Diffusion, &dit).unwrap();
    assert_eq!(evaluation.step, averaged.dit.train.steps);
    let without = evaluation.heldout_loss_without_ema.unwrap();
    assert_ne!(evaluation.heldout_loss, without);
    let read = |path: &str| std::fs::read(dit.join(path)).unwrap();
    assert_eq!(read("checkpoint/ema.bpk"), read("model.bpk"));
    assert_ne!(read("checkpoint/model.bpk"), read("model.bpk"));
    // Resumed again, it continues the saved average.
    averaged.dit.train.steps += 1;
    tasks::train_dit(&averaged, &autoencoders, Objective::Diffusion, &dit).unwrap();
    let recorded: serde_json::Value = serde_json::from_slice(&read("evaluation.json")).unwrap();
    assert!(recorded["heldout_loss_without_ema"].is_number());

    // A run's checkpoint exports as the run would have finished there: the average when it
    // keeps one (the EMA run above), the trained weights when not (dit_deeper); and a run that
    // has not finished exports only that way.
    let export = |dit_run: &std::path::Path, dit_snapshot: bool, out: &str| {
        let out = root.join(out);
        let manifest = export_runs(
            &TrainedRuns {
                image: &image_run,
                audio: &audio_run,
                dit: Some(dit_run),
                dit_snapshot,
            },
            &preset.data,
            &Recommendation::of(&preset.eval),
            &out,
        );
        manifest.map(|manifest| (manifest, std::fs::read(out.join("dit.onnx")).unwrap()))
    };
    let deeper = root.join("dit_deeper");
    for run in [&dit, &deeper] {
        let (_, finished) = export(run, false, "finished").unwrap();
        let (manifest, snapshot) = export(run, true, "snapshot").unwrap();
        assert!(finished == snapshot, "{}", run.display());
        assert!(
            manifest.name.contains("(DiT snapshot at step "),
            "{}",
            manifest.name
        );
    }
    std::fs::remove_file(deeper.join("model.bpk")).unwrap();
    std::fs::remove_file(deeper.join("evaluation.json")).unwrap();
    let err = export(&deeper, false, "unfinished")
        .unwrap_err()
        .to_string();
    assert!(err.contains("train first"), "{err}");
    let (manifest, _) = export(&deeper, true, "unfinished").unwrap();
    assert_eq!(manifest.name, "synesthete default (DiT snapshot at step 2)");
    assert_eq!(manifest.evaluation["dit"]["snapshot_step"], 2);
    assert_eq!(manifest.evaluation["dit"]["step"], 2);
    assert!(manifest.evaluation["dit"]["heldout_loss"].is_number());

    preset.dit.model.audio_dims += 1;
    let err = tasks::train_dit(
        &preset,
        &autoencoders,
        Objective::Diffusion,
        &root.join("bad"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("the DiT expects"), "{err}");
    std::fs::remove_dir_all(root).unwrap();
}
