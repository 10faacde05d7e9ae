//! The tiny pipeline end to end: every stage trains, the exported set loads in ONNX Runtime, the
//! engine's sampler yields finite frames of the manifest's shape, and the evaluation table is
//! recorded; an evaluation styled as the data samples other frames; one-step denoising reports
//! per noise level; a second run resumes every stage instead of training again.

use std::path::PathBuf;

use synesthete_engine::generation::noise::gaussian;
use synesthete_engine::generation::{Models, SampleSettings, sample_latent};
use synesthete_engine::manifest::Manifest;
use synesthete_trainer::training::config::Preset;

#[test]
fn tiny_pipeline_trains_exports_and_evaluates() {
    let preset = Preset::load("tiny").unwrap();
    let root = std::env::temp_dir().join(format!("synesthete-pipeline-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (runs, models_dir) = (root.join("runs"), root.join("models"));
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target");
    let env = synesthete_engine::runtime::environment(&[target]).unwrap();

    let output = synesthete_trainer::pipeline::run(&preset, &runs, &models_dir, env).unwrap();
    let names: Vec<&str> = output
        .report
        .scores
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names[1].starts_with("regression") && names[2].starts_with("diffusion"));
    assert!(names[3].starts_with("autoencoder"), "{names:?}");
    for score in &output.report.scores {
        for value in [
            score.sharpness,
            score.colourfulness,
            score.domain_fid,
            score.sync_correlation,
            score.flicker,
            score.patch_seams,
        ] {
            assert!(value.is_finite(), "{score:?}");
        }
        assert!(score.frames > 0);
    }
    assert_eq!(output.report.scores[1].diversity, Some(0.0));
    let demo = std::fs::read(&output.demo).unwrap();
    assert!(demo.starts_with(b"GIF89a"), "the demo video is a GIF");
    for file in ["report.json", "report.md", "sheet.png"] {
        assert!(runs.join("eval").join(file).is_file(), "{file}");
    }

    let manifest = Manifest::load(&models_dir).unwrap();
    assert!(manifest.diffusion.is_some() && manifest.graphs.contains_key("dit"));
    assert!(manifest.evaluation["generation"]["scores"].is_array());
    // The exported decoder is the sharp-decoder stage's, and its sharpness is recorded.
    assert_eq!(
        manifest.training["image_vae"]["train"]["freeze_encoder"],
        true
    );
    assert!(manifest.evaluation["image_vae"]["sharpness_ratio"].is_number());
    // Beside it, the image VAE whose encoder ships, through its own decoder.
    let own = &manifest.evaluation["image_vae_own_decoder"];
    assert!(own["heldout_psnr_db"].is_number(), "{own}");
    assert_ne!(own, &manifest.evaluation["image_vae"]);
    // Styled as the data: each clip sampled with its own family draws other frames.
    let mut eval_models = Models::load_with_image_encoder(&models_dir, env, 2).unwrap();
    let styled = synesthete_trainer::eval::EvalConfig {
        styled: true,
        ..output.report.config.clone()
    };
    let styled_report = synesthete_trainer::eval::evaluate(
        &mut eval_models,
        None,
        &preset.data,
        &styled,
        &runs.join("eval-styled"),
    )
    .unwrap();
    let styled_row = &styled_report.scores[1];
    assert!(
        styled_row.name.ends_with("styled as the data)"),
        "{}",
        styled_row.name
    );
    let auto_row = &output.report.scores[2];
    assert_ne!(
        (styled_row.sharpness, styled_row.domain_fid),
        (auto_row.sharpness, auto_row.domain_fid)
    );
    // One-step denoising: near-clean latents come back almost exact, pure noise gives the
    // latents' variance or so, and the sheet holds the frames, reconstructions and one row a level.
    let sheet = runs.join("denoise.png");
    let denoised = synesthete_trainer::eval::denoise::one_step_denoising(
        &mut eval_models,
        &preset.data,
        4,
        &[5, 990],
        &sheet,
    )
    .unwrap();
    let [near_clean, noise] = [0, 1].map(|k| denoised.levels[k].latent_mse);
    assert!(near_clean < 0.1 * noise, "{denoised:?}");
    assert!(noise > 0.2 * denoised.latent_variance, "{denoised:?}");
    assert!(denoised.levels.iter().all(|l| l.patch_seams.is_finite()));
    let size = manifest.image_size as u32;
    assert_eq!(
        image::image_dimensions(&sheet).unwrap(),
        (4 * size, 4 * size)
    );
    let err = synesthete_trainer::eval::denoise::one_step_denoising(
        &mut eval_models,
        &preset.data,
        4,
        &[1000],
        &sheet,
    )
    .unwrap_err();
    assert!(err.to_string().contains("outside the schedule"), "{err}");

    let mut models = Models::load(&models_dir, env, 1).unwrap();
    let mel = vec![-0.5; manifest.features.n_mels * manifest.context_frames];
    let audio = models.encode_audio(&mel, 1).unwrap();
    let settings = SampleSettings {
        steps: manifest.diffusion.as_ref().unwrap().recommended_steps,
        guidance: 2.0,
        guidance_interval: None,
        style: None,
        strength: 1.0,
    };
    let noise = gaussian(3, models.latent_len());
    let latent = sample_latent(&mut models, &audio, &noise, &settings, None).unwrap();
    let frame = models.decode(&latent).unwrap();
    assert_eq!(frame.len(), 3 * manifest.image_size * manifest.image_size);
    assert!(
        frame
            .iter()
            .all(|v| v.is_finite() && (0.0..=1.0).contains(v))
    );

    // The image VAE's fine-tune started from the first run, beside it.
    let fine_tune: serde_json::Value =
        serde_json::from_slice(&std::fs::read(runs.join("image_vae/config.json")).unwrap())
            .unwrap();
    assert_eq!(
        fine_tune["train"]["init_from"],
        runs.join("image_vae_stage1").to_str().unwrap()
    );
    assert_eq!(fine_tune["train"]["scale_equivariance_weight"], 1.0);

    // Running again resumes: no stage trains a step more.
    let lines = |run: &str| {
        std::fs::read_to_string(runs.join(run).join("metrics.jsonl"))
            .unwrap()
            .lines()
            .count()
    };
    let stages = [
        "image_vae_stage1",
        "image_vae",
        "image_vae_sharp",
        "audio_vae",
        "dit",
        "regression",
    ];
    let before: Vec<usize> = stages.iter().map(|r| lines(r)).collect();
    synesthete_trainer::pipeline::run(&preset, &runs, &models_dir, env).unwrap();
    let after: Vec<usize> = stages.iter().map(|r| lines(r)).collect();
    assert_eq!(before, after);
    std::fs::remove_dir_all(root).unwrap();
}
