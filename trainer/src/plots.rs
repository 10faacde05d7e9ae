//! PNG plots (plotters' bitmap backend) for training curves and latent maps. Text is drawn with
//! DejaVu Sans from the system (Debian package `fonts-dejavu-core`, installed by
//! scripts/setup.sh).

use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::FontStyle;

const FONT_PATHS: [&str; 2] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
];

fn ensure_font() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let bytes = FONT_PATHS
                .iter()
                .find_map(|p| std::fs::read(p).ok())
                .ok_or_else(|| {
                    format!(
                        "no DejaVu Sans font (looked at {FONT_PATHS:?}); install fonts-dejavu-core"
                    )
                })?;
            // plotters keeps fonts for the life of the process.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
                .map_err(|_| "DejaVu Sans is not a valid font".to_string())
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        (0.0, 1.0)
    } else if (hi - lo).abs() < 1e-12 {
        (lo - 0.5, hi + 0.5)
    } else {
        let pad = (hi - lo) * 0.05;
        (lo - pad, hi + pad)
    }
}

/// One named series of (x, y) points.
pub struct Series<'a> {
    pub name: &'a str,
    pub points: Vec<(f64, f64)>,
}

/// Line chart of several series sharing axes.
pub fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> anyhow::Result<()> {
    ensure_font()?;
    let root = BitMapBackend::new(path, (900, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let (x0, x1) = bounds(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let (y0, y1) = bounds(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(
                s.points.iter().copied(),
                color.stroke_width(2),
            ))?
            .label(s.name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Scatter plot of 2-D points coloured by a value (blue = low, red = high).
pub fn scatter_by_value(
    path: &Path,
    title: &str,
    points: &[(f64, f64, f64)],
    value_label: &str,
) -> anyhow::Result<()> {
    ensure_font()?;
    let root = BitMapBackend::new(path, (700, 620)).into_drawing_area();
    root.fill(&WHITE)?;
    let (x0, x1) = bounds(points.iter().map(|p| p.0));
    let (y0, y1) = bounds(points.iter().map(|p| p.1));
    let (v0, v1) = bounds(points.iter().map(|p| p.2));
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{title} — colour: {value_label} ({v0:.2} blue .. {v1:.2} red)"),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc("PC 1")
        .y_desc("PC 2")
        .draw()?;
    chart.draw_series(points.iter().map(|&(x, y, v)| {
        let t = ((v - v0) / (v1 - v0)).clamp(0.0, 1.0);
        let color = RGBColor((255.0 * t) as u8, 60, (255.0 * (1.0 - t)) as u8);
        Circle::new((x, y), 3, color.filled())
    }))?;
    root.present()?;
    Ok(())
}

/// Plots a run's `metrics.jsonl`: for a VAE `training.png` (training and held-out PSNR),
/// `kl.png` and `active.png`; for a DiT or regression run `training.png` (training and
/// held-out loss).
pub fn plot_run(run_dir: &Path) -> anyhow::Result<()> {
    let records = crate::training::metrics_log::read_metrics(&run_dir.join("metrics.jsonl"))?;
    let pick = |f: &dyn Fn(&serde_json::Value) -> Option<(f64, f64)>| {
        records.iter().filter_map(f).collect::<Vec<_>>()
    };
    if records.iter().any(|r| r["loss"].is_number()) {
        let train = pick(&|r| Some((r["step"].as_f64()?, r["loss"].as_f64()?)));
        let heldout = pick(&|r| {
            Some((
                r["eval"]["step"].as_f64()?,
                r["eval"]["heldout_loss"].as_f64()?,
            ))
        });
        return line_chart(
            &run_dir.join("training.png"),
            "Objective (MSE)",
            "step",
            "loss",
            &[
                Series {
                    name: "training batch",
                    points: train,
                },
                Series {
                    name: "held-out (fixed noise and timesteps)",
                    points: heldout,
                },
            ],
        );
    }
    let train_psnr = pick(&|r| Some((r["step"].as_f64()?, r["psnr_db"].as_f64()?)));
    let eval_psnr = pick(&|r| {
        Some((
            r["eval"]["step"].as_f64()?,
            r["eval"]["heldout_psnr_db"].as_f64()?,
        ))
    });
    line_chart(
        &run_dir.join("training.png"),
        "Reconstruction",
        "step",
        "PSNR (dB)",
        &[
            Series {
                name: "training batch",
                points: train_psnr,
            },
            Series {
                name: "held-out (mean latent)",
                points: eval_psnr,
            },
        ],
    )?;
    let kl = pick(&|r| Some((r["step"].as_f64()?, r["kl_raw"].as_f64()?)));
    let active = pick(&|r| {
        Some((
            r["eval"]["step"].as_f64()?,
            100.0 * r["eval"]["latent"]["active_fraction"].as_f64()?,
        ))
    });
    line_chart(
        &run_dir.join("kl.png"),
        "KL per sample",
        "step",
        "nats",
        &[Series {
            name: "raw KL",
            points: kl,
        }],
    )?;
    line_chart(
        &run_dir.join("active.png"),
        "Active latent dimensions (held-out)",
        "step",
        "% of dimensions",
        &[Series {
            name: "active",
            points: active,
        }],
    )?;
    Ok(())
}
