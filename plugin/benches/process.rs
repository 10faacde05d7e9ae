//! Cost of the real plugin's `process()` for a 512-sample stereo block at 48 kHz, measured
//! through a real CLAP host (clack-host) on the bundled binary, host overhead included (so this
//! is an upper bound). Bundle the release build first: `cargo xtask bundle synesthete --release`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::clap_host::ClapHost;
use criterion::{Criterion, criterion_group, criterion_main};

const BLOCK: usize = 512;
const RATE: f64 = 48_000.0;

fn process_block(c: &mut Criterion) {
    let path = common::bundled_clap();
    let mut host = ClapHost::load(&path).expect("bundled plugin loads");
    host.set_separate_audio_thread(false);
    host.activate(RATE, BLOCK as u32).unwrap();
    let left = common::test_signal(BLOCK, 1);
    let right = common::test_signal(BLOCK, 2);
    let (mut out_left, mut out_right) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
    let mut group = c.benchmark_group("plugin");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("process_512_stereo_48k", |b| {
        b.iter(|| {
            host.process_stereo([&left, &right], [&mut out_left, &mut out_right], &[])
                .unwrap()
        })
    });
    group.finish();

    // The budget line: mean cost as a share of the block's real-time duration.
    let iterations = 20_000;
    let start = std::time::Instant::now();
    for _ in 0..iterations {
        host.process_stereo([&left, &right], [&mut out_left, &mut out_right], &[])
            .unwrap();
    }
    let per_block = start.elapsed().as_secs_f64() / iterations as f64;
    let budget = BLOCK as f64 / RATE;
    println!(
        "process(): {:.2} us per 512-sample stereo block = {:.3}% of its {:.2} ms real-time budget ({})",
        per_block * 1e6,
        100.0 * per_block / budget,
        budget * 1e3,
        path.display()
    );
    host.deactivate();
}

criterion_group!(benches, process_block);
criterion_main!(benches);
