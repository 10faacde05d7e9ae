//! Two seeded runs side by side draw what each would draw alone. This lives in its own test
//! binary because the backend's generator is process-wide: any other test in the same process
//! that draws unseeded numbers (a model's random initialisation) would interleave with these
//! draws and make the comparison flaky.

use burn::prelude::*;
use synesthete_trainer::training::{batch::to_vec, seeding::seed_exclusively};

fn draws(device: &Device) -> Vec<f32> {
    to_vec(Tensor::<1>::random(
        [64],
        burn::tensor::Distribution::Default,
        device,
    ))
}

#[test]
fn runs_side_by_side_draw_what_they_would_alone() {
    let device = Device::flex();
    let alone = |seed| {
        let _generator = seed_exclusively(&device, seed);
        (0..20).map(|_| draws(&device)).collect::<Vec<_>>()
    };
    let (first, second) = (alone(1), alone(2));
    assert_ne!(first, second);
    for _ in 0..3 {
        let (a, b) = std::thread::scope(|scope| {
            let a = scope.spawn(|| alone(1));
            let b = scope.spawn(|| alone(2));
            (a.join().unwrap(), b.join().unwrap())
        });
        assert_eq!(a, first);
        assert_eq!(b, second);
    }
}
