//! The committed training checkpoints (`checkpoints/`) resume under the presets they were
//! trained with, as `checkpoints/README.md` promises: copied into `runs/`, the pipeline picks
//! each one up where it stopped instead of refusing it or starting over.

use std::path::{Path, PathBuf};

use synesthete_trainer::training::checkpoint::resumable_step;
use synesthete_trainer::training::config::Preset;
use synesthete_trainer::training::dit_loop::{DitRunConfig, Objective};
use synesthete_trainer::training::tasks::{image_vae_stages, sharp_decoder_stage};

fn checkpoint(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../checkpoints")
        .join(name)
}

fn step_resumed(run: &Path, section: &impl serde::Serialize) -> usize {
    let config = serde_json::to_value(section).unwrap();
    resumable_step(run, &config)
        .unwrap_or_else(|e| panic!("{}: {e:#}", run.display()))
        .unwrap_or_else(|| panic!("{} has no checkpoint", run.display()))
}

/// Resuming `run` under `section` is refused as another configuration.
fn assert_refused(run: &Path, section: &impl serde::Serialize) {
    let config = serde_json::to_value(section).unwrap();
    let err = resumable_step(run, &config).unwrap_err();
    assert!(
        err.to_string().contains("different configuration"),
        "{err:#}"
    );
}

/// The preset a run was trained under, kept beside its checkpoint.
fn preset_beside(run: &Path) -> Preset {
    Preset::load(run.join("preset.toml").to_str().unwrap()).unwrap()
}

#[test]
fn the_default_sets_checkpoints_resume_under_the_default_preset() {
    let preset = Preset::load("default").unwrap();
    // The image VAE is three runs, each fine-tuned from the one before.
    let stages = image_vae_stages(&preset, Path::new("runs/image_vae"));
    let names = ["image_vae_f4", "image_vae_f4_se", "image_vae_f4_se2"];
    assert_eq!(stages.len(), names.len());
    for ((stage, _), name) in stages.iter().zip(names) {
        assert_eq!(
            step_resumed(&checkpoint(name), &stage.image_vae),
            stage.image_vae.train.steps,
            "{name}"
        );
    }
    // The runs are not interchangeable: the last under the first's settings is refused.
    assert_refused(&checkpoint(names[2]), &stages[0].0.image_vae);
    assert_eq!(
        step_resumed(&checkpoint("audio_vae"), &preset.audio_vae),
        preset.audio_vae.train.steps
    );
    assert_dit_resumes_finished(&checkpoint("dit_f4_p4"), &preset);
    assert_eq!(
        step_resumed_under(
            &preset,
            &checkpoint("regression_f4_p4"),
            Objective::Regression
        ),
        preset.dit.train.regression_steps.unwrap()
    );
    // The pipeline fine-tunes the sharp decoder from the last image VAE run: `runs/image_vae`.
    let sharp = sharp_decoder_stage(&preset, Path::new("runs/image_vae")).unwrap();
    assert_eq!(
        step_resumed(&checkpoint("image_vae_sharp_f4_se2"), &sharp.image_vae),
        sharp.image_vae.train.steps
    );
}

#[test]
fn the_f8_sets_checkpoints_resume_under_the_f8_preset() {
    let preset = Preset::load("f8").unwrap();
    assert_eq!(
        step_resumed(&checkpoint("audio_vae"), &preset.audio_vae),
        preset.audio_vae.train.steps
    );
    assert_eq!(
        step_resumed(&checkpoint("image_vae"), &preset.image_vae),
        preset.image_vae.train.steps
    );
    // The f8 pipeline fine-tunes from the image VAE run beside it.
    let sharp = sharp_decoder_stage(&preset, Path::new("runs/image_vae")).unwrap();
    assert_eq!(
        step_resumed(&checkpoint("image_vae_sharp"), &sharp.image_vae),
        sharp.image_vae.train.steps
    );
}

/// The preset the next default set trains under, kept beside its image VAE's checkpoint.
fn next_preset() -> Preset {
    preset_beside(&checkpoint("image_vae_f4"))
}

/// Where a DiT-network run (`objective`) of the next set resumes under its preset, with the
/// audio encoder beside it. The latent scale is measured from the image VAE at the start of a
/// run, which the image VAE's own checkpoint test covers; everything else comes from the preset.
fn step_resumed_under_next_preset(run: &Path, objective: Objective) -> usize {
    step_resumed_under(&next_preset(), run, objective)
}

fn step_resumed_under(preset: &Preset, run: &Path, objective: Objective) -> usize {
    step_resumed(run, &run_config_under(preset, run, objective))
}

/// The configuration a DiT-network run in `run` would resume with under `preset`.
fn run_config_under(preset: &Preset, run: &Path, objective: Objective) -> DitRunConfig {
    let recorded: DitRunConfig =
        serde_json::from_slice(&std::fs::read(run.join("config.json")).unwrap()).unwrap();
    DitRunConfig::new(
        &preset.dit,
        objective,
        recorded.latent_scale,
        &preset.audio_vae,
    )
}

/// Loads the preset beside the DiT run `run` and checks the run resumes finished under it.
fn finished_dit_preset_beside(run: &Path) -> Preset {
    let preset = preset_beside(run);
    assert_dit_resumes_finished(run, &preset);
    preset
}

/// The DiT run `run` resumes at the last step of `preset`'s training.
fn assert_dit_resumes_finished(run: &Path, preset: &Preset) {
    assert_eq!(
        step_resumed_under(preset, run, Objective::Diffusion),
        preset.dit.train.steps
    );
}

#[test]
fn the_next_image_vae_resumes_under_the_preset_beside_it() {
    let run = checkpoint("image_vae_f4");
    let preset = next_preset();
    assert_eq!(
        step_resumed(&run, &preset.image_vae),
        preset.image_vae.train.steps
    );
}

#[test]
fn the_next_dit_resumes_under_the_preset_and_audio_encoder_beside_it() {
    let steps = next_preset().dit.train.steps;
    assert_eq!(
        step_resumed_under_next_preset(&checkpoint("dit_f4"), Objective::Diffusion),
        steps
    );
}

#[test]
fn the_next_sharp_decoder_resumes_from_the_image_vae_run_beside_it() {
    // `checkpoints/README.md` copies the image VAE to `runs-f4/image_vae` and fine-tunes from it.
    let sharp = sharp_decoder_stage(&next_preset(), Path::new("runs-f4/image_vae")).unwrap();
    assert_eq!(
        step_resumed(&checkpoint("image_vae_sharp_f4"), &sharp.image_vae),
        sharp.image_vae.train.steps
    );
}

#[test]
fn the_next_regression_baseline_resumes_finished_under_its_budget() {
    let budget = next_preset().dit.train.regression_steps.unwrap();
    assert_eq!(
        step_resumed_under_next_preset(&checkpoint("regression_f4"), Objective::Regression),
        budget
    );
}

#[test]
fn the_dit_fine_tuned_with_an_output_convolution_resumes_finished_under_the_preset_beside_it() {
    let run = checkpoint("dit_f4_conv");
    let preset = finished_dit_preset_beside(&run);
    // Without the convolution it is another model, and refused.
    let mut plain = preset.clone();
    plain.dit.model.output_conv = None;
    assert_refused(&run, &run_config_under(&plain, &run, Objective::Diffusion));
}

#[test]
fn the_dit_on_2x2_patches_resumes_finished_under_the_preset_beside_it() {
    let run = checkpoint("dit_f4_p2");
    let preset = finished_dit_preset_beside(&run);
    assert_eq!(preset.dit.model.patch, 2);
    // On 4x4 patches it is the other DiT (`dit_f4`), and refused.
    assert_refused(
        &run,
        &run_config_under(&next_preset(), &run, Objective::Diffusion),
    );
}

#[test]
fn the_dit_under_the_shifted_schedule_resumes_finished_under_the_preset_beside_it() {
    let run = checkpoint("dit_f4_shift");
    let preset = finished_dit_preset_beside(&run);
    assert!(preset.dit.train.schedule.log_snr_shift.is_some());
    // Under the unshifted schedule it was trained for other noise levels, and refused.
    let mut unshifted = preset.clone();
    unshifted.dit.train.schedule.log_snr_shift = None;
    assert_refused(
        &run,
        &run_config_under(&unshifted, &run, Objective::Diffusion),
    );
}

#[test]
fn the_image_vae_fine_tuned_for_scale_equivariance_resumes_finished_under_the_preset_beside_it() {
    assert_scale_equivariant_vae_resumes_finished("image_vae_f4_se");
}

#[test]
fn the_scale_equivariant_image_vae_trained_further_resumes_finished_under_the_preset_beside_it() {
    assert_scale_equivariant_vae_resumes_finished("image_vae_f4_se2");
    // It is not the first fine-tune under another name: that one's preset is refused.
    let first = preset_beside(&checkpoint("image_vae_f4_se"));
    assert_refused(&checkpoint("image_vae_f4_se2"), &first.image_vae);
}

fn assert_scale_equivariant_vae_resumes_finished(name: &str) {
    let run = checkpoint(name);
    let preset = preset_beside(&run);
    assert!(preset.image_vae.train.scale_equivariance_weight > 0.0);
    assert_eq!(
        step_resumed(&run, &preset.image_vae),
        preset.image_vae.train.steps
    );
    // Without the term it is another training, and refused.
    let mut plain = preset.clone();
    plain.image_vae.train.scale_equivariance_weight = 0.0;
    assert_refused(&run, &plain.image_vae);
}

#[test]
fn the_dit_on_the_scale_equivariant_latent_resumes_finished_under_its_image_vaes_preset() {
    let preset = preset_beside(&checkpoint("image_vae_f4_se"));
    assert_dit_resumes_finished(&checkpoint("dit_f4_se"), &preset);
}

#[test]
fn the_dit_fine_tuned_on_the_further_trained_latent_resumes_finished_under_its_image_vaes_preset() {
    let run = checkpoint("dit_f4_se2");
    let preset = preset_beside(&checkpoint("image_vae_f4_se2"));
    assert!(preset.dit.train.init_from.is_some());
    assert_dit_resumes_finished(&run, &preset);
    // Under the first DiT's training (3,000 steps from scratch at 3e-4) it is refused.
    let first = preset_beside(&checkpoint("image_vae_f4_se"));
    assert_refused(&run, &run_config_under(&first, &run, Objective::Diffusion));
}

#[test]
fn the_dit_with_mlp_convolutions_resumes_finished_under_the_preset_beside_it() {
    let run = checkpoint("dit_f4_mlpconv");
    let preset = finished_dit_preset_beside(&run);
    assert_eq!(preset.dit.model.mlp_conv, Some(3));
    // Under the preset of the DiT it was fine-tuned from (no convolutions) it is refused.
    let plain = preset_beside(&checkpoint("image_vae_f4_se2"));
    assert_refused(&run, &run_config_under(&plain, &run, Objective::Diffusion));
}

#[test]
fn the_dit_grown_to_eight_blocks_resumes_part_way_under_the_preset_beside_it() {
    let run = checkpoint("dit_f4_deep");
    let preset = preset_beside(&run);
    assert_eq!(preset.dit.model.depth, 8);
    assert_eq!(
        step_resumed(&run, &run_config_under(&preset, &run, Objective::Diffusion)),
        1500
    );
    // Under the preset of the DiT it was grown from (4 blocks) it is refused.
    let shallow = preset_beside(&checkpoint("dit_f4_mlpconv"));
    assert_refused(
        &run,
        &run_config_under(&shallow, &run, Objective::Diffusion),
    );
}

#[test]
fn a_checkpoint_under_another_configuration_is_refused() {
    let mut preset = Preset::load("default").unwrap();
    preset.audio_vae.model.latent_dims /= 2;
    assert_refused(&checkpoint("audio_vae"), &preset.audio_vae);
}

#[test]
fn the_dit_on_4x4_patches_with_mlp_convolutions_resumes_finished_under_the_preset_beside_it() {
    let run = checkpoint("dit_f4_p4");
    let preset = finished_dit_preset_beside(&run);
    assert_eq!(
        (preset.dit.model.patch, preset.dit.model.mlp_conv),
        (4, Some(3))
    );
    // Under the 2x2-patch preset of dit_f4_mlpconv (256 tokens) it is refused.
    let two_by_two = preset_beside(&checkpoint("dit_f4_mlpconv"));
    assert_refused(
        &run,
        &run_config_under(&two_by_two, &run, Objective::Diffusion),
    );
}
