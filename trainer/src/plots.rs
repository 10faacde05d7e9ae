//! PNG plots (plotters' bitmap backend) for training curves and latent maps. Text is drawn with
//! DejaVu Sans from the system (Debian package `fonts-dejavu-core`, installed by
//! scripts/setup.sh).

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;

const FONT_PATHS: [&str; 2] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
];

/// Registers DejaVu Sans as plotters' `sans-serif` (once per process).
pub(crate) fn ensure_font() -> anyhow::Result<()> {
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

/// The x/y plane every scatter here draws on.
type Plane<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A captioned scatter plane on `area` spanning the points' x and y, with its mesh and axis
/// names drawn.
fn scatter_plane<'a, 'b>(
    area: &'a DrawingArea<BitMapBackend<'b>, Shift>,
    caption: &str,
    caption_size: u32,
    axes: (&str, &str),
    xs: impl Iterator<Item = f64>,
    ys: impl Iterator<Item = f64>,
) -> anyhow::Result<Plane<'a, 'b>> {
    let (x0, x1) = bounds(xs);
    let (y0, y1) = bounds(ys);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", caption_size))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc(axes.0)
        .y_desc(axes.1)
        .draw()?;
    Ok(chart)
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
    let (v0, v1) = bounds(points.iter().map(|p| p.2));
    let mut chart = scatter_plane(
        &root,
        &format!("{title} — colour: {value_label} ({v0:.2} blue .. {v1:.2} red)"),
        18,
        ("PC 1", "PC 2"),
        points.iter().map(|p| p.0),
        points.iter().map(|p| p.1),
    )?;
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

/// A perceptually ordered colour map (viridis, by linear interpolation between five of its
/// colours): `t` in [0, 1] from dark blue-purple to yellow.
pub fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let x = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Distinct colours for `n` categories, evenly around the hue circle (so a cyclic factor such
/// as the key reads as a circle of fifths' neighbours in colour).
pub fn category_colour(index: usize, n: usize) -> RGBColor {
    let hsl = HSLColor(index as f64 / n.max(1) as f64, 0.75, 0.45);
    let (r, g, b) = hsl.rgb();
    RGBColor(r, g, b)
}

/// Grey for points a factor does not apply to.
const NOT_APPLICABLE: RGBColor = RGBColor(200, 200, 200);

/// A 2-D scatter of `points` coloured by a continuous value through [`viridis`], with a colour
/// bar. Points whose value is `None` are drawn first, in light grey, and named `na_label` in
/// the caption.
pub fn scatter_colour_bar(
    path: &Path,
    title: &str,
    axes: (&str, &str),
    points: &[(f64, f64, Option<f64>)],
    value_label: &str,
    na_label: &str,
) -> anyhow::Result<()> {
    ensure_font()?;
    let root = BitMapBackend::new(path, (760, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let (plot, bar) = root.split_horizontally(640);
    let values: Vec<f64> = points.iter().filter_map(|p| p.2).collect();
    let (v0, v1) = values
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let (v0, v1) = if v0 > v1 {
        (0.0, 1.0)
    } else if v1 - v0 < 1e-12 {
        (v0 - 0.5, v1 + 0.5)
    } else {
        (v0, v1)
    };
    let missing = points.iter().filter(|p| p.2.is_none()).count();
    let caption = if missing > 0 {
        format!("{title} (grey: {na_label})")
    } else {
        title.to_string()
    };
    let mut chart = scatter_plane(
        &plot,
        &caption,
        17,
        axes,
        points.iter().map(|p| p.0),
        points.iter().map(|p| p.1),
    )?;
    chart.draw_series(
        points
            .iter()
            .filter(|p| p.2.is_none())
            .map(|&(x, y, _)| Circle::new((x, y), 2, NOT_APPLICABLE.filled())),
    )?;
    chart.draw_series(points.iter().filter_map(|&(x, y, v)| {
        let t = (v? - v0) / (v1 - v0);
        Some(Circle::new((x, y), 3, viridis(t).filled()))
    }))?;
    // The colour bar: top = high.
    let (top, bottom, left, width) = (60i32, 520i32, 20i32, 22i32);
    for py in top..bottom {
        let t = (bottom - py) as f64 / (bottom - top) as f64;
        bar.draw(&Rectangle::new(
            [(left, py), (left + width, py + 1)],
            viridis(t).filled(),
        ))?;
    }
    bar.draw(&Rectangle::new(
        [(left, top), (left + width, bottom)],
        BLACK.stroke_width(1),
    ))?;
    let font = ("sans-serif", 13).into_font();
    // Enough decimals to tell the ticks apart (a quarter of the range each).
    let decimals = (1.0 - ((v1 - v0) / 4.0).log10().floor()).clamp(0.0, 4.0) as usize;
    for k in 0..=4 {
        let t = k as f64 / 4.0;
        let py = bottom - ((bottom - top) as f64 * t) as i32;
        bar.draw(&PathElement::new(
            vec![(left + width, py), (left + width + 4, py)],
            BLACK,
        ))?;
        bar.draw(&Text::new(
            format!("{:.*}", decimals, v0 + t * (v1 - v0)),
            (left + width + 6, py - 6),
            font.clone(),
        ))?;
    }
    bar.draw(&Text::new(
        value_label.to_string(),
        (4, top - 40),
        ("sans-serif", 13).into_font(),
    ))?;
    root.present()?;
    Ok(())
}

/// A 2-D scatter of `points` coloured by category (an index into `labels`), with a legend.
/// Points whose category is `None` are drawn first, in light grey, as `na_label`.
pub fn scatter_categories(
    path: &Path,
    title: &str,
    axes: (&str, &str),
    points: &[(f64, f64, Option<usize>)],
    labels: &[String],
    na_label: &str,
) -> anyhow::Result<()> {
    ensure_font()?;
    let root = BitMapBackend::new(path, (760, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = scatter_plane(
        &root,
        title,
        17,
        axes,
        points.iter().map(|p| p.0),
        points.iter().map(|p| p.1),
    )?;
    let missing: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.2.is_none())
        .map(|p| (p.0, p.1))
        .collect();
    if !missing.is_empty() {
        chart
            .draw_series(
                missing
                    .iter()
                    .map(|&p| Circle::new(p, 2, NOT_APPLICABLE.filled())),
            )?
            .label(na_label)
            .legend(|(x, y)| Circle::new((x + 8, y), 4, NOT_APPLICABLE.filled()));
    }
    for (index, label) in labels.iter().enumerate() {
        let colour = category_colour(index, labels.len());
        let members: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p.2 == Some(index))
            .map(|p| (p.0, p.1))
            .collect();
        if members.is_empty() {
            continue;
        }
        chart
            .draw_series(members.iter().map(|&p| Circle::new(p, 3, colour.filled())))?
            .label(label.as_str())
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()?;
    root.present()?;
    Ok(())
}
