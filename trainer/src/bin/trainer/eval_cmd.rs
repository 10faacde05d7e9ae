//! `trainer eval`: diffusion vs the regression baseline vs the data, through ONNX Runtime.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use synesthete_engine::diffusion::GuidanceInterval;
use synesthete_engine::generation::Models;
use synesthete_trainer::eval::regression_fit::{self, RegressionFit};
use synesthete_trainer::eval::{EvalConfig, Regression, evaluate, report};
use synesthete_trainer::training::config::Preset;
use synesthete_trainer::training::dit_loop::{DitRunConfig, Objective};
use synesthete_trainer::training::tasks::load_run;

#[derive(Args)]
pub struct EvalArgs {
    /// The exported model set (with a DiT).
    #[arg(long, default_value = "models")]
    models: PathBuf,
    /// Run directory of the regression baseline (`trainer train regression`); omitted from the
    /// table if absent.
    #[arg(long, default_value = "runs/regression")]
    regression_run: PathBuf,
    #[arg(long, default_value = "runs/eval")]
    out: PathBuf,
    /// Data settings: a preset name (`default`, `f8`, `tiny`, `hierarchical`) or a TOML file.
    #[arg(long, default_value = "default")]
    preset: String,
    /// DDIM steps (default: the manifest's recommendation).
    #[arg(long)]
    steps: Option<usize>,
    /// Guidance scale (default: the manifest's recommendation).
    #[arg(long)]
    guidance: Option<f32>,
    /// The steps to guide, as fractions of the schedule: LOW,HIGH (0,0.7 leaves the noisiest
    /// 30% unguided), or "all" (default: the manifest's recommendation).
    #[arg(long, value_parser = parse_guidance_interval)]
    guidance_interval: Option<GuidedSteps>,
    /// Held-out clips (default: the preset's `eval.clips`).
    #[arg(long)]
    clips: Option<usize>,
    /// Sample each clip with its own family as the style (the plugin's Style set to it)
    /// instead of letting the model pick (default: the preset's `eval.styled`).
    #[arg(long)]
    styled: bool,
    /// Record the figures in the model set's manifest (`evaluation.generation`).
    #[arg(long)]
    record: bool,
}

pub fn run(args: EvalArgs) -> Result<()> {
    let preset = Preset::load(&args.preset).map_err(anyhow::Error::msg)?;
    let mut models = Models::load_with_image_encoder(&args.models, crate::ort_environment()?, 2)?;
    let diffusion = models
        .manifest
        .diffusion
        .clone()
        .ok_or_else(|| anyhow::anyhow!("{} has no DiT to evaluate", args.models.display()))?;
    let config = EvalConfig {
        clips: args.clips.unwrap_or(preset.eval.clips),
        steps: args.steps.unwrap_or(diffusion.recommended_steps),
        guidance: args.guidance.unwrap_or(diffusion.guidance),
        guidance_interval: args
            .guidance_interval
            .map_or(diffusion.guidance_interval, |steps| steps.0),
        styled: args.styled || preset.eval.styled,
        ..preset.eval.clone()
    };
    anyhow::ensure!(
        !(config.styled && args.record),
        "--record keeps the figures of the plugin's default (Style on Auto): evaluate without --styled to record"
    );
    let regression_run = if args.regression_run.join("model.bpk").is_file() {
        let run = load_run::<DitRunConfig>(&args.regression_run)?;
        anyhow::ensure!(
            run.section.objective == Objective::Regression,
            "{} is not a regression baseline run",
            args.regression_run.display()
        );
        let fit = regression_fit::check(&models.manifest, &run.section).map_err(|e| {
            anyhow::anyhow!(
                "{}: {e}. Pass the baseline trained on this set's autoencoders, or --regression-run none",
                args.regression_run.display()
            )
        })?;
        if fit == RegressionFit::AudioEncoderUnrecorded {
            eprintln!(
                "{} does not record its audio encoder (or {} predates the record): make sure it learned this set's audio codes",
                args.regression_run.display(),
                args.models.display()
            );
        }
        Some(run)
    } else {
        eprintln!(
            "no regression baseline at {}; the table will lack it",
            args.regression_run.display()
        );
        None
    };
    let regression = regression_run.as_ref().map(|run| Regression {
        model: &run.model,
        run: &run.section,
    });
    let result = evaluate(&mut models, regression, &preset.data, &config, &args.out)?;
    println!("{}", report::markdown(&result));
    println!(
        "report.json, report.md and sheet.png in {}",
        args.out.display()
    );
    if args.record {
        synesthete_trainer::eval::record(&models, &result, &config, &args.models)?;
        println!(
            "figures recorded in {}",
            args.models.join("manifest.json").display()
        );
    }
    Ok(())
}

/// `--guidance-interval`: an interval, or `None` for every step.
#[derive(Debug, Clone, Copy)]
pub struct GuidedSteps(Option<GuidanceInterval>);

fn parse_guidance_interval(text: &str) -> Result<GuidedSteps, String> {
    if text == "all" {
        return Ok(GuidedSteps(None));
    }
    let bounds: Vec<f32> = text
        .split(',')
        .map(|part| part.trim().parse::<f32>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{text:?}: expected LOW,HIGH or \"all\" ({e})"))?;
    let [low, high] = bounds[..] else {
        return Err(format!("{text:?}: expected two fractions, LOW,HIGH"));
    };
    let interval = GuidanceInterval { low, high };
    interval.validate()?;
    Ok(GuidedSteps(Some(interval)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guidance_intervals_parse_or_say_what_is_wrong() {
        let parsed = parse_guidance_interval("0, 0.7").unwrap().0.unwrap();
        assert_eq!((parsed.low, parsed.high), (0.0, 0.7));
        assert!(parse_guidance_interval("all").unwrap().0.is_none());
        for bad in ["0.7", "0,0.5,1", "a,b", "0.8,0.2", "0,2"] {
            let err = parse_guidance_interval(bad).unwrap_err();
            assert!(
                err.contains(bad) || err.contains("guidance interval"),
                "{bad}: {err}"
            );
        }
    }
}
