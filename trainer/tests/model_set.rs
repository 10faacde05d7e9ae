//! An exported model set is what the engine expects: its manifest loads and validates (hashes
//! included), and every graph runs in ONNX Runtime at the manifest's shapes.

use std::path::PathBuf;

use ort::session::Session;
use ort::value::Tensor;
use synesthete_engine::manifest::Manifest;
use synesthete_trainer::export::model_set::{ModelSet, export};
use synesthete_trainer::training::config::Preset;

#[test]
fn exported_set_loads_in_the_engine_and_runs() {
    let preset = Preset::load("tiny").unwrap();
    let device = burn::prelude::Device::flex();
    device.seed(9);
    let image = preset.image_vae.model.init(&device);
    let audio = preset.audio_vae.model.init(&device);
    let dir = std::env::temp_dir().join(format!("synesthete-model-set-{}", std::process::id()));
    let written = export(
        &ModelSet {
            name: "test".into(),
            image_vae: &image,
            image_section: &preset.image_vae,
            audio_vae: &audio,
            audio_section: &preset.audio_vae,
            data: &preset.data,
            evaluation: serde_json::json!({"note": "untrained"}),
        },
        &dir,
    )
    .unwrap();
    let manifest = Manifest::load(&dir).expect("the engine accepts the exported set");
    assert_eq!(manifest, written);
    assert!(manifest.latent.scale.is_finite() && manifest.latent.scale > 0.0);

    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target");
    let env = synesthete_engine::runtime::environment(&[target]).unwrap();
    for (role, graph) in &manifest.graphs {
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

    // Tampering with a graph is caught by the hash check.
    std::fs::write(dir.join("image_decoder.onnx"), b"tampered").unwrap();
    assert!(
        Manifest::load(&dir)
            .unwrap_err()
            .to_string()
            .contains("SHA-256")
    );
    std::fs::remove_dir_all(dir).unwrap();
}
