//! One full frame with the shipped model set (`models/`): audio encoder, the DDIM steps over the
//! DiT, the VAE decoder, then the GPU post stage to 1280x720 — at 4 and 16 (the default) steps.
//! Needs ONNX Runtime (`cargo xtask fetch-ort`; SYNESTHETE_ORT_LIB overrides the location).

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use synesthete_engine::demo::demo_clip;
use synesthete_engine::features::analyzer::analyze_clip;
use synesthete_engine::features::window::mel_window;
use synesthete_engine::generation::{FrameGenerator, Models};
use synesthete_engine::params::VisualParams;
use synesthete_engine::post::{PostProcessor, PostSettings};
use synesthete_engine::runtime;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn full_frame(c: &mut Criterion) {
    if std::env::var_os(runtime::ORT_LIB_ENV).is_none() {
        // SAFETY: single-threaded set-up before any runtime use.
        unsafe {
            std::env::set_var(
                runtime::ORT_LIB_ENV,
                repo().join("target/onnxruntime/libonnxruntime.so.1.31.1"),
            )
        };
    }
    let environment = runtime::environment(&[]).expect("ONNX Runtime (cargo xtask fetch-ort)");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut models = Models::load(&repo().join("models"), environment, threads).unwrap();
    let clip = demo_clip();
    let frames = analyze_clip(
        &clip.samples,
        clip.sample_rate,
        models.manifest.features.clone(),
    )
    .unwrap();
    let context = models.manifest.context_frames;
    let mut window = vec![0.0; models.manifest.features.n_mels * context];
    mel_window(&frames, frames.len() / 2, context, &mut window);
    let size = models.manifest.image_size as u32;
    let mut post = PostProcessor::new(size, (1280, 720)).unwrap();

    let mut group = c.benchmark_group("frame");
    group.sample_size(20);
    for steps in [4u32, 16] {
        let params = VisualParams {
            steps,
            ..VisualParams::default()
        };
        let mut generator = FrameGenerator::new(&models, &params);
        group.bench_function(format!("generate_{steps}_steps_and_post_1280x720"), |b| {
            b.iter(|| {
                let image = generator
                    .next_frame(&mut models, &window, &params, 1.0 / 30.0, None)
                    .unwrap();
                let rgba = post.process(&image, &PostSettings::from(&params)).unwrap();
                std::hint::black_box(rgba[0]);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, full_frame);
criterion_main!(benches);
