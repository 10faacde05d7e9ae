//! An exported model set is what the engine expects: its manifest loads and validates (hashes
//! included), every graph runs in ONNX Runtime at the manifest's shapes, and the engine's
//! generation code samples finite frames from it.

use std::path::PathBuf;

use ort::session::Session;
use ort::value::Tensor;
use synesthete_engine::diffusion::GuidanceInterval;
use synesthete_engine::generation::noise::gaussian;
use synesthete_engine::generation::{Models, SampleSettings, sample_latent};
use synesthete_engine::manifest::Manifest;
use synesthete_trainer::export::model_set::{ExportedDit, ModelSet, Recommendation, export};
use synesthete_trainer::training::conditioning::latent_scale;
use synesthete_trainer::training::config::Preset;
use synesthete_trainer::training::dit_loop::{DitRunConfig, Objective};
use synesthete_trainer::training::seeding::seed_exclusively;

/// Adds noise to every weight so the untrained DiT's zero-initialised output layers do not make
/// every sample identical.
struct Perturb;

impl burn::module::ModuleMapper for Perturb {
    fn map_float<const D: usize>(
        &mut self,
        param: burn::module::Param<burn::prelude::Tensor<D>>,
    ) -> burn::module::Param<burn::prelude::Tensor<D>> {
        param.map(|t| {
            let noise = t.random_like(burn::tensor::Distribution::Normal(0.0, 0.05));
            t + noise
        })
    }
}

#[test]
fn exported_set_loads_in_the_engine_and_runs() {
    let preset = Preset::load("tiny").unwrap();
    let device = burn::prelude::Device::flex();
    let _generator = seed_exclusively(&device, 9);
    let image = preset.image_vae.model.init(&device);
    let audio = preset.audio_vae.model.init(&device);
    let dit = burn::module::Module::map(preset.dit.model.init(&device), &mut Perturb);
    let dit_run = DitRunConfig::new(
        &preset.dit,
        Objective::Diffusion,
        latent_scale(&image, &preset.data, &device),
        &preset.audio_vae,
    );
    let dir = std::env::temp_dir().join(format!("synesthete-model-set-{}", std::process::id()));
    let set = |run| ModelSet {
        name: "test".into(),
        image_vae: &image,
        image_section: &preset.image_vae,
        audio_vae: &audio,
        audio_section: &preset.audio_vae,
        data: &preset.data,
        evaluation: serde_json::json!({"note": "untrained"}),
        dit: Some(ExportedDit {
            model: &dit,
            run,
            recommended: Recommendation {
                steps: 4,
                guidance: 2.0,
                guidance_interval: None,
            },
        }),
    };
    let written = export(&set(&dit_run), &dir).unwrap();
    let manifest = Manifest::load(&dir).expect("the engine accepts the exported set");
    assert_eq!(manifest, written);
    assert!(manifest.latent.scale.is_finite() && manifest.latent.scale > 0.0);

    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target");
    let env = synesthete_engine::runtime::environment(&[target]).unwrap();
    // The DiT takes several inputs; the engine's sampler exercises it below.
    for (role, graph) in manifest.graphs.iter().filter(|(role, _)| *role != "dit") {
        let mut session = Session::builder(env)
            .unwrap()
            .commit_from_file(dir.join(&graph.file))
            .unwrap();
        let input = &graph.inputs[0];
        let shape: Vec<usize> = input
            .shape
            .iter()
            .map(|&d| if d < 0 { 2 } else { d as usize })
            .collect();
        let values = vec![0.25f32; shape.iter().product()];
        let outputs = session
            .run(ort::inputs![input.name.as_str() => Tensor::from_array((shape, values)).unwrap()])
            .unwrap();
        for output in &graph.outputs {
            let (shape, values) = outputs[output.name.as_str()]
                .try_extract_tensor::<f32>()
                .unwrap();
            let expected: Vec<i64> = output
                .shape
                .iter()
                .map(|&d| if d < 0 { 2 } else { d })
                .collect();
            assert_eq!(&**shape, &expected[..], "{role}.{}", output.name);
            assert!(
                values.iter().all(|v| v.is_finite()),
                "{role}.{} has non-finite values",
                output.name
            );
        }
    }

    let mut models = Models::load(&dir, env, 1).expect("the engine loads the set");
    assert!(models.has_dit());
    let window = preset.data.context_frames * 80;
    let mel: Vec<f32> = (0..window)
        .map(|i| ((i % 37) as f32 / 18.0) - 1.0)
        .collect();
    let audio = models.encode_audio(&mel, 1).unwrap();
    assert_eq!(audio.len(), preset.audio_vae.model.latent_dims);
    let frame_guided = |models: &mut Models,
                        seed: u64,
                        steps: usize,
                        guidance: f32,
                        guidance_interval: Option<GuidanceInterval>| {
        let noise = gaussian(seed, models.latent_len());
        let settings = SampleSettings {
            steps,
            guidance,
            guidance_interval,
            style: Some(2),
            strength: 1.0,
        };
        let latent = sample_latent(models, &audio, &noise, &settings, None).unwrap();
        models.decode(&latent).unwrap()
    };
    let frame = |models: &mut Models, seed: u64, steps: usize, guidance: f32| {
        frame_guided(models, seed, steps, guidance, None)
    };
    let image = frame(&mut models, 1, 4, 2.0);
    assert_eq!(image.len(), models.image_len());
    assert!(
        image.iter().all(|v| (0.0..=1.0).contains(v)),
        "frames are finite, in [0, 1]"
    );
    assert_eq!(
        image,
        frame(&mut models, 1, 4, 2.0),
        "sampling is deterministic"
    );
    assert_ne!(
        image,
        frame(&mut models, 2, 4, 2.0),
        "the noise seed matters"
    );
    assert_ne!(
        image,
        frame(&mut models, 1, 1, 1.0),
        "steps and guidance matter"
    );
    // Guidance over the whole schedule is guidance at every step; over none of the plan's steps
    // (t / T of 4 trailing steps: 1, 0.75, 0.5, 0.25) it is the conditional model alone; over
    // part of them, neither.
    let interval = |low, high| Some(GuidanceInterval { low, high });
    assert_eq!(
        frame_guided(&mut models, 1, 4, 2.0, interval(0.0, 1.0)),
        image
    );
    let conditional = frame(&mut models, 1, 4, 1.0);
    assert_eq!(
        frame_guided(&mut models, 1, 4, 2.0, interval(0.0, 0.1)),
        conditional
    );
    let partly = frame_guided(&mut models, 1, 4, 2.0, interval(0.0, 0.6));
    assert_ne!(partly, image);
    assert_ne!(partly, conditional);
    // A wrong-sized input is an error, not a crash.
    assert!(models.encode_audio(&mel[1..], 1).is_err());

    // Tampering with a graph is caught by the hash check.
    std::fs::write(dir.join("image_decoder.onnx"), b"tampered").unwrap();
    assert!(
        Manifest::load(&dir)
            .unwrap_err()
            .to_string()
            .contains("SHA-256")
    );

    // A DiT that learned another audio encoder's codes is refused, not shipped beside this one.
    let mut other_encoder = dit_run.clone();
    if let Some(audio_encoder) = &mut other_encoder.audio_encoder {
        audio_encoder.train.steps += 1;
    }
    let err = export(&set(&other_encoder), &dir).unwrap_err().to_string();
    assert!(err.contains("another audio encoder"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
