//! GPU post-processing cost per frame: upload a 128x128 model frame, one full-screen pass
//! (bicubic cover-fit upscale, colour, trails) to 1280x720, read the RGBA8 result back.
//! On a machine without a GPU this measures Mesa's lavapipe on the CPU.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use synesthete_engine::post::{PostProcessor, PostSettings};

const INPUT: u32 = 128;
const OUTPUT: (u32, u32) = (1280, 720);

fn post(c: &mut Criterion) {
    let mut post = match PostProcessor::new(INPUT, OUTPUT) {
        Ok(post) => post,
        Err(e) => {
            eprintln!("skipping the post benchmark: {e}");
            return;
        }
    };
    eprintln!("post benchmark on {}", post.adapter_description());
    let texels = (INPUT * INPUT) as usize;
    // A smooth colourful frame, like a decoded latent.
    let frame: Vec<f32> = (0..texels * 3)
        .map(|i| {
            let (c, t) = (i / texels, i % texels);
            let (x, y) = ((t % INPUT as usize) as f32, (t / INPUT as usize) as f32);
            0.5 + 0.5 * (x * 0.05 + y * 0.03 + c as f32 * 2.0).sin()
        })
        .collect();

    let mut group = c.benchmark_group("post");
    group.throughput(Throughput::Elements(1));
    group.bench_function("process_128_to_1280x720_identity", |b| {
        let settings = PostSettings::default();
        b.iter(|| std::hint::black_box(post.process(&frame, &settings).unwrap()[0]));
    });
    group.bench_function("process_128_to_1280x720_all_effects", |b| {
        let settings = PostSettings {
            hue_deg: 45.0,
            saturation: 1.3,
            brightness: 0.05,
            contrast: 1.2,
            trails: 0.8,
            zoom: 1.5,
        };
        b.iter(|| std::hint::black_box(post.process(&frame, &settings).unwrap()[0]));
    });
    group.finish();
}

criterion_group!(benches, post);
criterion_main!(benches);
