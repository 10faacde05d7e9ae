//! `synesthete analyze`: runs the engine's analysis over a clip and prints what it found.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use synesthete_engine::demo::{self, MonoClip};
use synesthete_engine::features::FeatureConfig;
use synesthete_engine::features::analyzer::{FeatureFrame, analyze_clip};
use synesthete_engine::features::mel::MelFilterbank;
use synesthete_engine::{resources, runtime};

#[derive(Args)]
pub struct AnalyzeArgs {
    /// WAV file to analyse; the embedded 120 BPM demo clip when omitted.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Report {
    source: String,
    duration_s: f64,
    input_sample_rate: u32,
    feature_frames: usize,
    frame_rate_hz: f64,
    tempo_bpm: Option<f64>,
    tempo_confidence: Option<f32>,
    onsets: usize,
    median_onset_interval_s: Option<f64>,
    rms_mean: f32,
    rms_peak: f32,
    band_means: [f32; 3],
    loudest_mel_band_hz: f32,
    onnx_runtime: String,
}

pub fn run(args: AnalyzeArgs) -> Result<()> {
    let (source, clip) = match &args.input {
        Some(path) => (
            path.display().to_string(),
            demo::read_wav(path).map_err(anyhow::Error::msg)?,
        ),
        None => (
            "embedded demo clip (120 BPM)".to_string(),
            demo::demo_clip(),
        ),
    };
    let report = analyze(source, &clip)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    Ok(())
}

fn analyze(source: String, clip: &MonoClip) -> Result<Report> {
    let config = FeatureConfig::default();
    let frames = analyze_clip(&clip.samples, clip.sample_rate, config.clone())
        .map_err(anyhow::Error::msg)
        .context("analysis failed")?;
    anyhow::ensure!(
        !frames.is_empty(),
        "{source} is too short to analyse (under one hop)"
    );
    let onset_times: Vec<f64> = frames
        .iter()
        .filter(|f| f.onset)
        .map(|f| f.time_s)
        .collect();
    let mut intervals: Vec<f64> = onset_times.windows(2).map(|w| w[1] - w[0]).collect();
    intervals.sort_by(f64::total_cmp);
    let mean = |value: fn(&FeatureFrame) -> f32| {
        frames.iter().map(value).sum::<f32>() / frames.len() as f32
    };
    let mut mel_sums = vec![0.0f32; config.n_mels];
    for frame in &frames {
        mel_sums
            .iter_mut()
            .zip(&frame.log_mel)
            .for_each(|(sum, v)| *sum += v);
    }
    let loudest = (0..mel_sums.len())
        .max_by(|&a, &b| mel_sums[a].total_cmp(&mel_sums[b]))
        .unwrap_or(0);
    let tempo = frames.last().and_then(|f| f.tempo);
    let runtime = runtime::environment(&resources::resource_dirs());
    Ok(Report {
        source,
        duration_s: clip.duration_s(),
        input_sample_rate: clip.sample_rate,
        feature_frames: frames.len(),
        frame_rate_hz: config.frame_rate(),
        tempo_bpm: tempo.map(|t| t.bpm),
        tempo_confidence: tempo.map(|t| t.confidence),
        onsets: onset_times.len(),
        median_onset_interval_s: intervals.get(intervals.len() / 2).copied(),
        rms_mean: mean(|f| f.rms),
        rms_peak: frames.iter().map(|f| f.rms).fold(0.0, f32::max),
        band_means: [
            mean(|f| f.bands[0]),
            mean(|f| f.bands[1]),
            mean(|f| f.bands[2]),
        ],
        loudest_mel_band_hz: MelFilterbank::new(&config).centers_hz()[loudest],
        onnx_runtime: match runtime {
            Ok(_) => format!("ONNX Runtime {} loaded", runtime::ORT_VERSION),
            Err(e) => format!("not available: {e}"),
        },
    })
}

fn print_table(r: &Report) {
    let or_none = |v: Option<String>| v.unwrap_or_else(|| "none detected".into());
    println!("Synesthete analysis of {}", r.source);
    println!(
        "  duration            {:.2} s at {} Hz",
        r.duration_s, r.input_sample_rate
    );
    println!(
        "  feature frames      {} ({:.1} per second, 80-band log-mel)",
        r.feature_frames, r.frame_rate_hz
    );
    println!(
        "  tempo               {}",
        or_none(
            r.tempo_bpm
                .zip(r.tempo_confidence)
                .map(|(b, c)| format!("{b:.1} BPM (confidence {c:.2})"))
        )
    );
    println!("  onsets              {}", r.onsets);
    println!(
        "  median onset gap    {}",
        or_none(r.median_onset_interval_s.map(|s| format!("{s:.3} s")))
    );
    println!(
        "  loudness (RMS)      mean {:.3}, peak {:.3}",
        r.rms_mean, r.rms_peak
    );
    println!(
        "  bands low/mid/high  {:.2} / {:.2} / {:.2}",
        r.band_means[0], r.band_means[1], r.band_means[2]
    );
    println!("  loudest mel band    {:.0} Hz", r.loudest_mel_band_hz);
    println!("  inference runtime   {}", r.onnx_runtime);
}
