//! Every exported graph, run by ONNX Runtime (through the engine's runtime loader), matches
//! burn's forward pass on random inputs within 1e-4, and a corrupt model is an error.

use std::path::PathBuf;

use burn::prelude::*;
use ort::session::Session;
use ort::value::Tensor as OrtTensor;
use synesthete_trainer::export::{audio_encoder, dit, image_vae};
use synesthete_trainer::model::audio_hierarchy::HierarchyConfig;
use synesthete_trainer::model::audio_vae::AudioVaeConfig;
use synesthete_trainer::model::dit::DitConfig;
use synesthete_trainer::model::image_vae::ImageVaeConfig;
use synesthete_trainer::training::batch::to_vec;
use synesthete_trainer::training::config::Preset;
use synesthete_trainer::training::seeding::seed_exclusively;

const TOLERANCE: f32 = 1e-4;

/// `$SYNESTHETE_ORT_LIB`, else the copy `cargo xtask fetch-ort` put in `target/onnxruntime/`.
fn environment() -> &'static ort::environment::Environment {
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target");
    synesthete_engine::runtime::environment(&[target])
        .expect("ONNX Runtime loads; run `cargo xtask fetch-ort` first")
}

/// Runs `model` on named inputs and returns each output's values.
fn run_onnx(
    model: &[u8],
    inputs: Vec<(&str, Vec<usize>, Vec<f32>)>,
    outputs: &[&str],
) -> Vec<Vec<f32>> {
    let mut session = Session::builder(environment())
        .unwrap()
        .with_intra_threads(1)
        .unwrap()
        .commit_from_memory(model)
        .expect("exported graph loads in ONNX Runtime");
    let values: Vec<(String, ort::session::SessionInputValue)> = inputs
        .into_iter()
        .map(|(name, shape, data)| {
            (
                name.to_string(),
                OrtTensor::from_array((shape, data)).unwrap().into(),
            )
        })
        .collect();
    let result = session.run(values).unwrap();
    outputs
        .iter()
        .map(|name| {
            result[*name]
                .try_extract_tensor::<f32>()
                .unwrap()
                .1
                .to_vec()
        })
        .collect()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn random(shape: [usize; 4], device: &Device, scale: f32) -> Tensor<4> {
    Tensor::random(
        shape,
        burn::tensor::Distribution::Normal(0.0, scale as f64),
        device,
    )
}

fn image_vae_parity(config: ImageVaeConfig, label: &str) {
    let device = Device::flex();
    let _generator = seed_exclusively(&device, 3);
    let model = config.init(&device);
    let (channels, side) = (config.latent_channels, config.latent_size(128));
    let image = random([2, 3, 128, 128], &device, 1.0).clamp(0.0, 1.0);
    let (mu, logvar) = model.encode(image.clone());
    assert_eq!(mu.dims(), [2, channels, side, side]);
    let onnx = run_onnx(
        &image_vae::encoder(&model, 128),
        vec![(image_vae::IMAGE_INPUT, vec![2, 3, 128, 128], to_vec(image))],
        &["mu", "logvar"],
    );
    let mu_error = max_abs_diff(&onnx[0], &to_vec(mu));
    let logvar_error = max_abs_diff(&onnx[1], &to_vec(logvar));
    println!("{label} image encoder: max |burn - ort| mu {mu_error:e}, logvar {logvar_error:e}");
    assert!(mu_error < TOLERANCE && logvar_error < TOLERANCE);

    let latent = random([2, channels, side, side], &device, 1.0);
    let decoded = model.decode(latent.clone());
    let onnx = run_onnx(
        &image_vae::decoder(&model, 128),
        vec![(
            image_vae::LATENT_INPUT,
            vec![2, channels, side, side],
            to_vec(latent),
        )],
        &["image"],
    );
    let error = max_abs_diff(&onnx[0], &to_vec(decoded));
    println!("{label} image decoder: max |burn - ort| {error:e}");
    assert!(error < TOLERANCE);
}

#[test]
fn image_vae_encoder_and_decoder_match_burn() {
    image_vae_parity(ImageVaeConfig::new(), "the f8 set's (4x16x16)");
}

#[test]
fn the_default_presets_image_vae_matches_burn() {
    // Its decoder is also the sharp decoder's shape (the default preset fine-tunes it).
    let preset = Preset::load("default").unwrap();
    image_vae_parity(preset.image_vae.model, "the default preset's (4x32x32)");
}

#[test]
fn two_stage_image_vae_matches_burn() {
    let config = ImageVaeConfig::new()
        .with_encoder_channels(vec![16, 32])
        .with_decoder_channels(vec![32, 16]);
    image_vae_parity(config, "two-stage (4x32x32)");
}

fn audio_encoder_parity(config: AudioVaeConfig, label: &str) {
    let device = Device::flex();
    let _generator = seed_exclusively(&device, 4);
    let model = config.init(&device);
    let mel = random([3, 1, 80, 128], &device, 0.5).clamp(-1.0, 1.0);
    let (mu, logvar) = model.encode(mel.clone());
    assert_eq!(mu.dims(), [3, config.latent_dims]);
    let onnx = run_onnx(
        &audio_encoder::encoder(&model, 80, 128),
        vec![(audio_encoder::MEL_INPUT, vec![3, 1, 80, 128], to_vec(mel))],
        &["mu", "logvar"],
    );
    let mu_error = max_abs_diff(&onnx[0], &mu.into_data().try_into_vec_as::<f32>().unwrap());
    let logvar_error = max_abs_diff(
        &onnx[1],
        &logvar.into_data().try_into_vec_as::<f32>().unwrap(),
    );
    println!("{label} audio encoder: max |burn - ort| mu {mu_error:e}, logvar {logvar_error:e}");
    assert!(mu_error < TOLERANCE && logvar_error < TOLERANCE);
}

#[test]
fn audio_encoder_matches_burn() {
    audio_encoder_parity(AudioVaeConfig::new(), "flat");
}

#[test]
fn hierarchical_audio_encoder_matches_burn() {
    audio_encoder_parity(
        AudioVaeConfig::new().with_hierarchy(Some(HierarchyConfig::new())),
        "hierarchical",
    );
}

/// Adds noise to every weight: a fresh DiT's zero-initialised adaLN and output layers would
/// make the comparison trivially 0 = 0.
struct Perturb;

impl burn::module::ModuleMapper for Perturb {
    fn map_float<const D: usize>(
        &mut self,
        param: burn::module::Param<Tensor<D>>,
    ) -> burn::module::Param<Tensor<D>> {
        param.map(|t| {
            let noise = t.random_like(burn::tensor::Distribution::Normal(0.0, 0.05));
            t + noise
        })
    }
}

/// Exports a perturbed DiT of `config` and compares ONNX Runtime with burn on random inputs.
fn dit_parity(config: DitConfig, name: &str) {
    let device = Device::flex();
    let _generator = seed_exclusively(&device, 6);
    let (c, s) = (config.latent_channels, config.latent_size);
    let model = burn::module::Module::map(config.init(&device), &mut Perturb);
    let batch = 2;
    let latent = random([batch, c, s, s], &device, 1.0);
    let t = Tensor::<1>::from_floats([999.0, 17.0], &device);
    let audio = Tensor::<2>::random([batch, 64], burn::tensor::Distribution::Default, &device);
    // One styled row, one unconditional row.
    let mut one_hot = vec![0.0f32; batch * 8];
    one_hot[3] = 1.0;
    let style = Tensor::<2>::from_data(TensorData::new(one_hot.clone(), [batch, 8]), &device);
    let v = model.forward(latent.clone(), t.clone(), audio.clone(), style);
    let onnx = run_onnx(
        &dit::graph(&model),
        vec![
            (dit::LATENT_INPUT, vec![batch, c, s, s], to_vec(latent)),
            (dit::TIMESTEP_INPUT, vec![batch], to_vec(t)),
            (dit::AUDIO_INPUT, vec![batch, 64], to_vec(audio)),
            (dit::STYLE_INPUT, vec![batch, 8], one_hot),
        ],
        &[dit::OUTPUT],
    );
    let v = to_vec(v);
    let scale = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let error = max_abs_diff(&onnx[0], &v);
    println!("dit {name}: max |burn - ort| {error:e} (outputs up to {scale})");
    assert!(
        scale > 0.1,
        "the perturbed DiT produces a non-trivial output"
    );
    assert!(error < TOLERANCE);
}

#[test]
fn dit_matches_burn() {
    dit_parity(DitConfig::new(), "the f8 set's (4x16x16, 2x2 patches)");
}

#[test]
fn the_default_presets_dit_matches_burn() {
    let preset = Preset::load("default").unwrap();
    dit_parity(
        preset.dit.model,
        "the default preset's (4x32x32, 4x4 patches, MLP convolutions)",
    );
}

#[test]
fn dit_on_2x2_patches_of_the_two_stage_latent_matches_burn() {
    // checkpoints/dit_f4_shift's shape: 256 tokens.
    dit_parity(
        DitConfig::new().with_latent_size(32).with_patch(2),
        "two-stage (4x32x32, 2x2 patches)",
    );
}

#[test]
fn dit_with_an_output_convolution_matches_burn() {
    dit_parity(
        DitConfig::new()
            .with_latent_size(32)
            .with_patch(4)
            .with_output_conv(Some(3)),
        "two-stage (4x32x32, 4x4 patches, 3x3 output convolution)",
    );
}

#[test]
fn dit_with_convolutions_in_its_mlps_matches_burn() {
    dit_parity(
        DitConfig::new()
            .with_latent_size(32)
            .with_patch(2)
            .with_mlp_conv(Some(3)),
        "two-stage (4x32x32, 2x2 patches, 3x3 depthwise convolutions in the MLPs)",
    );
}

#[test]
fn dit_on_overlapping_patches_matches_burn() {
    dit_parity(
        DitConfig::new()
            .with_latent_size(32)
            .with_patch(4)
            .with_patch_overlap(Some(2)),
        "two-stage (4x32x32, 4x4 patches in 8x8 windows)",
    );
}

#[test]
fn parity_check_fails_when_weights_differ() {
    // The comparison above must be able to fail: a model with other weights does not match.
    let device = Device::flex();
    let _generator = seed_exclusively(&device, 5);
    let exported = ImageVaeConfig::new().init(&device);
    let other = ImageVaeConfig::new().init(&device);
    let latent = random([1, 4, 16, 16], &device, 1.0);
    let onnx = run_onnx(
        &image_vae::decoder(&exported, 128),
        vec![(
            image_vae::LATENT_INPUT,
            vec![1, 4, 16, 16],
            to_vec(latent.clone()),
        )],
        &["image"],
    );
    assert!(max_abs_diff(&onnx[0], &to_vec(other.decode(latent))) > TOLERANCE);
}

#[test]
fn corrupt_models_are_errors_not_crashes() {
    let device = Device::flex();
    let mut bytes = image_vae::decoder(&ImageVaeConfig::new().init(&device), 128);
    bytes.truncate(bytes.len() / 2);
    assert!(
        Session::builder(environment())
            .unwrap()
            .commit_from_memory(&bytes)
            .is_err()
    );
    assert!(
        Session::builder(environment())
            .unwrap()
            .commit_from_memory(b"not onnx")
            .is_err()
    );
}
