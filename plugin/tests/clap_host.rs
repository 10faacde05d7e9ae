//! The bundled Synesthete.clap in a real CLAP host (clack-host): descriptor, pass-through,
//! automation, state, and activation cycles.

mod common;

use common::clap_host::{ClapHost, nice_param_hash};
use common::{bits, bundled_clap, expected_passthrough, test_signal};

fn load() -> ClapHost {
    ClapHost::load(&bundled_clap()).expect("the bundled plugin loads in clack-host")
}

#[test]
fn descriptor_declares_an_analyzing_audio_effect() {
    let mut host = load();
    assert_eq!(host.plugin_id(), "com.synesthete.synesthete");
    assert_eq!(host.plugin_name(), "Synesthete");
    let features = host.plugin_features();
    for wanted in ["audio-effect", "analyzer"] {
        assert!(
            features.iter().any(|f| f == wanted),
            "{features:?} lacks {wanted}"
        );
    }
    assert!(host.has_params() && host.has_state() && host.has_audio_ports());
    assert_eq!(host.audio_port_channels(), (vec![2], vec![2]));
}

#[test]
fn every_parameter_is_exposed_under_its_stable_id() {
    let mut host = load();
    let params = host.params();
    for spec in synesthete_engine::params::ALL_PARAMS {
        let info = params
            .iter()
            .find(|p| p.id == nice_param_hash(spec.id))
            .unwrap_or_else(|| panic!("parameter {} missing from {params:?}", spec.id));
        assert_eq!(info.name, spec.name);
        assert!(!info.module.is_empty(), "{} has no group", spec.id);
    }
    assert_eq!(params.len(), synesthete_engine::params::ALL_PARAMS.len());
}

#[test]
fn audio_passes_bit_exact_at_every_block_size_and_rate() {
    let mut host = load();
    host.set_separate_audio_thread(false);
    let longest = 8192;
    let left = test_signal(longest, 1);
    let right = test_signal(longest, 2);
    let (expect_left, expect_right) = (expected_passthrough(&left), expected_passthrough(&right));
    let (mut out_left, mut out_right) = (vec![0.0f32; longest], vec![0.0f32; longest]);
    for rate in [44_100.0, 48_000.0, 96_000.0] {
        host.activate(rate, longest as u32).unwrap();
        for block in 1..=longest {
            host.process_stereo(
                [&left[..block], &right[..block]],
                [&mut out_left[..block], &mut out_right[..block]],
                &[],
            )
            .unwrap();
            assert!(
                bits(&out_left[..block]) == expect_left[..block]
                    && bits(&out_right[..block]) == expect_right[..block],
                "{rate} Hz, block {block}: output differs from input"
            );
        }
        host.deactivate();
    }
}

#[test]
fn automation_events_set_parameters() {
    let mut host = load();
    host.activate(48_000.0, 512).unwrap();
    let hue = nice_param_hash("hue");
    let steps = nice_param_hash("steps");
    let input = test_signal(512, 3);
    let (mut l, mut r) = (vec![0.0; 512], vec![0.0; 512]);
    // Hue -180..180 deg crosses CLAP normalised: 0.75 is +90 deg. Steps 1..8 crosses as 0..7.
    host.process_stereo(
        [&input, &input],
        [&mut l, &mut r],
        &[(hue, 0.75, 0), (steps, 6.0, 100)],
    )
    .unwrap();
    assert_eq!(host.param_value(hue), Some(0.75));
    // Stepped values cross as f64 computed from a normalised f32: compare rounded.
    assert_eq!(host.param_value(steps).map(f64::round), Some(6.0));
    assert_eq!(bits(&l), expected_passthrough(&input));
}

#[test]
fn state_round_trips_and_bad_state_is_refused() {
    let mut host = load();
    let (hue, seed) = (nice_param_hash("hue"), nice_param_hash("seed"));
    host.flush_params(&[(hue, 0.25), (seed, 1234.0)]).unwrap();
    let saved = host.save_state().unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&saved[8..]).expect("nice-plug state is length + JSON");
    assert_eq!(json["fields"]["state_version"], "1");
    assert_eq!(json["params"]["hue"]["f32"], -90.0);

    let mut fresh = load();
    assert_ne!(fresh.param_value(hue), Some(0.25));
    fresh.load_state(&saved).unwrap();
    assert_eq!(fresh.param_value(hue), Some(0.25));
    assert_eq!(fresh.param_value(seed).map(f64::round), Some(1234.0));

    // Malformed bytes: refused with an error, the plugin keeps its settings and keeps working.
    for garbage in [&b""[..], &b"\x05\0\0\0\0\0\0\0{oops"[..], &[0xff; 64][..]] {
        assert!(fresh.load_state(garbage).is_err(), "accepted {garbage:?}");
    }
    assert_eq!(fresh.param_value(hue), Some(0.25));

    // A state from a newer schema loads nothing rather than half-applying.
    let mut newer = json.clone();
    newer["fields"]["state_version"] = "99".into();
    newer["params"]["hue"]["f32"] = 90.0.into();
    let body = serde_json::to_vec(&newer).unwrap();
    let mut framed = (body.len() as u64).to_le_bytes().to_vec();
    framed.extend(body);
    let _ = fresh.load_state(&framed);
    assert_eq!(
        fresh.param_value(hue),
        Some(0.25),
        "a newer-version state must not apply"
    );

    fresh.activate(44_100.0, 256).unwrap();
    let input = test_signal(256, 9);
    let (mut l, mut r) = (vec![0.0; 256], vec![0.0; 256]);
    fresh
        .process_stereo([&input, &input], [&mut l, &mut r], &[])
        .unwrap();
    assert_eq!(bits(&r), expected_passthrough(&input));
}

#[test]
fn survives_activation_cycles_with_changing_rates_and_block_sizes() {
    let mut host = load();
    for (cycle, (rate, block)) in [
        (44_100.0, 64),
        (96_000.0, 4096),
        (48_000.0, 1),
        (22_050.0, 8192),
        (192_000.0, 333),
    ]
    .into_iter()
    .cycle()
    .take(20)
    .enumerate()
    {
        host.activate(rate, block).unwrap();
        let input = test_signal(block as usize, cycle as u32 + 1);
        let (mut l, mut r) = (vec![0.0; block as usize], vec![0.0; block as usize]);
        for _ in 0..3 {
            host.process_stereo([&input, &input], [&mut l, &mut r], &[])
                .unwrap();
            assert_eq!(
                bits(&l),
                expected_passthrough(&input),
                "cycle {cycle}: {rate} Hz / {block}"
            );
        }
        host.deactivate();
    }
}
