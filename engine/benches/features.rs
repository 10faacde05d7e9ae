//! Feature extraction cost: the full analysis chain (resample 48 kHz -> 22.05 kHz, STFT,
//! log-mel, levels, onsets, tempo) over one second of the demo clip.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use synesthete_engine::demo::demo_clip;
use synesthete_engine::features::FeatureConfig;
use synesthete_engine::features::analyzer::Analyzer;

fn analysis(c: &mut Criterion) {
    let clip = demo_clip();
    let one_second = &clip.samples[..clip.sample_rate as usize];
    let mut group = c.benchmark_group("features");
    group.throughput(Throughput::Elements(one_second.len() as u64));
    group.bench_function("analyze_1s_at_model_rate", |b| {
        let mut analyzer = Analyzer::new(FeatureConfig::default(), clip.sample_rate).unwrap();
        b.iter(|| {
            analyzer.process(one_second, |frame| {
                std::hint::black_box(frame.rms);
            })
        });
    });
    let at_48k: Vec<f32> = (0..48_000)
        .map(|i| one_second[i * 22_050 / 48_000])
        .collect();
    group.bench_function("analyze_1s_from_48k", |b| {
        let mut analyzer = Analyzer::new(FeatureConfig::default(), 48_000).unwrap();
        b.iter(|| {
            analyzer.process(&at_48k, |frame| {
                std::hint::black_box(frame.rms);
            })
        });
    });
    group.finish();
}

criterion_group!(benches, analysis);
criterion_main!(benches);
