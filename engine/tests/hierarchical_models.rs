//! The second shipped model set, `models/hierarchical` (hierarchical audio encoder and the DiT
//! fine-tuned on it): it loads through the same contract as the default set, records its
//! levels, generates finite frames that follow the music, and carries its own latent map.

mod common;

use synesthete_engine::demo::{MonoClip, demo_clip};
use synesthete_engine::params::VisualParams;

use common::{load_models, mean_abs_diff, render_frames};

const FPS: f32 = 5.0;

#[test]
fn the_hierarchical_set_loads_generates_and_follows_the_music() {
    let mut models = load_models("models/hierarchical");

    // Same conditioning contract as the flat set; the manifest records the three levels.
    let hierarchy = &models.manifest.training["audio_vae"]["model"]["hierarchy"];
    let level_dims: usize = ["global_dims", "frame_dims"]
        .iter()
        .map(|k| hierarchy[k].as_u64().expect("hierarchy recorded") as usize)
        .sum();
    assert!(level_dims < models.manifest.conditioning_dims);
    let map = models.latent_map.as_ref().expect("the set ships its map");
    assert_eq!(map.center.len(), models.manifest.conditioning_dims);

    let seconds = 6.0;
    let mut music = demo_clip();
    music
        .samples
        .truncate((seconds * music.sample_rate as f64) as usize);
    let silence = MonoClip {
        samples: vec![0.0; music.samples.len()],
        sample_rate: music.sample_rate,
    };
    let params = |_| VisualParams {
        steps: 8,
        ..VisualParams::default()
    };
    let with_music = render_frames(&mut models, &music, FPS, params);
    let without = render_frames(&mut models, &silence, FPS, params);
    assert_eq!(with_music.len(), (seconds * FPS as f64).round() as usize);
    let pixels = 3 * models.manifest.image_size * models.manifest.image_size;
    for frame in with_music.iter().chain(&without) {
        assert_eq!(frame.len(), pixels);
        assert!(
            frame
                .iter()
                .all(|v| v.is_finite() && (0.0..=1.0).contains(v))
        );
    }
    // Once the encoder's window is full, music and silence must give different pictures.
    let settled = (2.0 * FPS) as usize;
    let difference: f32 = with_music[settled..]
        .iter()
        .zip(&without[settled..])
        .map(|(a, b)| mean_abs_diff(a, b))
        .sum::<f32>()
        / (with_music.len() - settled) as f32;
    println!("music vs silence: mean |Δ| {difference:.3} per value");
    assert!(
        difference > 0.02,
        "the frames ignore the music: {difference}"
    );
}
