// Each integration-test binary uses a different part of the shared host harness.
#![allow(dead_code)]

pub mod clap_host;
pub mod editor;
pub mod x11;

use std::path::PathBuf;

/// The bundled plugin under test: `$SYNESTHETE_CLAP`, or `target/bundled/Synesthete.clap` as
/// written by `cargo xtask test` (or `cargo xtask bundle`).
pub fn bundled_clap() -> PathBuf {
    let path = std::env::var_os("SYNESTHETE_CLAP")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bundled/Synesthete.clap")
        });
    assert!(
        path.is_file(),
        "{} is missing: run the tests with `cargo xtask test`, which bundles the plugin first",
        path.display()
    );
    path
}

/// Deterministic test signal with a sprinkling of subnormals, infinities excluded.
pub fn test_signal(len: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.max(1);
    (0..len)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            if i % 97 == 3 {
                f32::from_bits(state & 0x007f_ffff | 1) // subnormal
            } else {
                (state as f32 / u32::MAX as f32) * 2.0 - 1.0
            }
        })
        .collect()
}

/// What a pass-through must output for `input`: the same bits, subnormals flushed to zero.
pub fn expected_passthrough(input: &[f32]) -> Vec<u32> {
    input
        .iter()
        .map(|x| if x.is_subnormal() { 0 } else { x.to_bits() })
        .collect()
}

pub fn bits(samples: &[f32]) -> Vec<u32> {
    samples.iter().map(|x| x.to_bits()).collect()
}
