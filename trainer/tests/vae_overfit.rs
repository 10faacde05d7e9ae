//! The image VAE can memorise a small batch of frames, colours included: a capacity and
//! plumbing check (a bug in channel layout or the loss would show up as grey, blurry output).

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use synesthete_trainer::data::dataset::{DataConfig, samples_for_clip};
use synesthete_trainer::model::BetaVae;
use synesthete_trainer::model::image_vae::ImageVaeConfig;
use synesthete_trainer::training::batch::{image_crops, to_vec};
use synesthete_trainer::training::diagnostics::psnr;
use synesthete_trainer::training::seeding::seed_exclusively;

#[test]
fn image_vae_memorises_a_batch_in_colour() {
    let base = Device::flex();
    let _generator = seed_exclusively(&base, 7);
    let device = base.clone().autodiff();
    let config = DataConfig {
        clip_seconds: 2.0,
        context_frames: 16,
        samples_per_clip: 2,
        ..Default::default()
    };
    let samples: Vec<_> = (0..2)
        .flat_map(|clip| samples_for_clip(&config, clip))
        .collect();
    let model_config = ImageVaeConfig::new();
    let mut model = model_config.init(&device);
    let mut optim = AdamConfig::new().init();
    let x = image_crops(&samples, 32, &device);
    for _ in 0..200 {
        let (recon, _, _) = model.forward_train(x.clone());
        let loss = (recon - x.clone()).square().mean();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(2e-3, model, grads);
    }
    let trained = model.valid();
    let x = image_crops(&samples, 32, &base);
    let (recon, _, _) = trained.forward_mean(x.clone());
    let (recon, original) = (to_vec(recon), to_vec(x));
    let quality = psnr(&recon, &original, 1.0);
    // Mean colour per sample and channel must match: grey output fails this.
    let plane = 32 * 32;
    let worst_colour_error = recon
        .chunks(plane)
        .zip(original.chunks(plane))
        .map(|(r, o)| (r.iter().sum::<f32>() - o.iter().sum::<f32>()).abs() / plane as f32)
        .fold(0.0f32, f32::max);
    println!("memorised batch: {quality:.1} dB, worst mean-colour error {worst_colour_error:.3}");
    assert!(quality > 24.0, "only {quality:.1} dB on a memorised batch");
    assert!(
        worst_colour_error < 0.05,
        "colour error {worst_colour_error}"
    );
}
