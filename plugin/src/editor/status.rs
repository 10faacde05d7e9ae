//! What the engine reports, in words: the error banner (each problem with its fix, as the
//! engine words it) and the status lines (model set, provider, rate, latency, drops, output).

use egui::{Color32, Frame, Label, RichText, Ui};
use synesthete_engine::live::{EngineStatus, VideoState};

use super::theme;

/// A problem the banner shows: what is wrong, and the engine's message with its fix.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub title: &'static str,
    pub detail: String,
}

/// Everything wrong right now, most fundamental first. `None` status: the engine never
/// started (`start_error`) or the host has not activated the plugin yet (not a problem).
pub fn problems(status: Option<&EngineStatus>, start_error: Option<&str>) -> Vec<Problem> {
    let mut found = Vec::new();
    if let Some(error) = start_error {
        found.push(Problem {
            title: "The visual engine did not start",
            detail: format!("{error}. Audio still passes through; reload the plugin to retry."),
        });
    }
    let Some(status) = status else {
        return found;
    };
    if !status.runtime_ok {
        found.push(Problem {
            title: "ONNX Runtime is missing",
            detail: status.runtime.clone(),
        });
    }
    if status.video.state == VideoState::Error && !status.video.message.is_empty() {
        // With no runtime the model message repeats the runtime's; show the root cause only.
        if status.runtime_ok {
            found.push(Problem {
                title: "No video",
                detail: status.video.message.clone(),
            });
        }
    }
    if !status.video.output_ok && !status.video.output.is_empty() {
        found.push(Problem {
            title: "Output failed",
            detail: status.video.output.clone(),
        });
    }
    found
}

pub fn banner(ui: &mut Ui, problems: &[Problem]) {
    if problems.is_empty() {
        return;
    }
    Frame::new()
        .fill(theme::BANNER)
        .inner_margin(10.0)
        .corner_radius(4.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            for problem in problems {
                ui.label(
                    RichText::new(problem.title)
                        .strong()
                        .size(15.0)
                        .color(Color32::WHITE),
                );
                ui.label(RichText::new(&problem.detail).color(Color32::WHITE));
            }
        });
}

/// The status lines for a running engine.
pub fn lines(ui: &mut Ui, status: &EngineStatus) {
    let video = &status.video;
    {
        row(ui, "Model set", model_line(status));
        row(ui, "Provider", non_empty(&video.provider));
        let state = match video.state {
            VideoState::Loading => "loading",
            VideoState::Running => "running",
            VideoState::Error => "stopped",
        };
        row(
            ui,
            "Generation",
            format!(
                "{:.1} fps of {:.0} ({state}), {} frames, {} dropped",
                video.fps, video.target_fps, video.frames_generated, video.frames_dropped
            ),
        );
        row(
            ui,
            "Latency",
            format!(
                "audio to frame {:.0} ms (p50), {:.0} ms (p95)",
                video.latency_ms.p50, video.latency_ms.p95
            ),
        );
        let (w, h) = video.output_size;
        row(
            ui,
            "Output",
            format!("{w}x{h}, {}", non_empty(&video.output)),
        );
        row(ui, "Post", non_empty(&video.post));
    }
}

fn model_line(status: &EngineStatus) -> String {
    match &status.video.model_set {
        Some(set) => {
            let styles = match set.styles {
                0 => String::new(),
                n => format!(", {n} styles"),
            };
            format!(
                "{} ({} px; recommends {} steps, guidance {}{styles})",
                set.name, set.image_size, set.recommended_steps, set.recommended_guidance
            )
        }
        None => "none loaded".into(),
    }
}

fn non_empty(text: &str) -> String {
    if text.is_empty() {
        "…".into()
    } else {
        text.into()
    }
}

/// A name column of fixed width, then the value wrapped to the column's width.
fn row(ui: &mut Ui, name: &str, value: String) {
    ui.horizontal_top(|ui| {
        ui.add_sized(
            [NAME_WIDTH, 16.0],
            Label::new(RichText::new(name).color(theme::DIM_TEXT)),
        );
        ui.add(Label::new(value).wrap());
    });
}

const NAME_WIDTH: f32 = 84.0;

#[cfg(test)]
mod tests {
    use super::*;
    use synesthete_engine::live::VideoStatus;
    use synesthete_engine::params::VisualParams;

    fn status() -> EngineStatus {
        EngineStatus {
            runtime: "ONNX Runtime loaded".into(),
            runtime_ok: true,
            ..EngineStatus::starting(
                48_000,
                VisualParams::default(),
                synesthete_engine::transport::SharedTransport::new().load(),
                VideoStatus::new(30.0, (1280, 720)),
            )
        }
    }

    #[test]
    fn a_healthy_engine_has_no_problems() {
        let mut s = status();
        s.video.state = VideoState::Running;
        s.video.output_ok = true;
        s.video.output = "network stream".into();
        assert!(problems(Some(&s), None).is_empty());
        assert!(problems(None, None).is_empty(), "inactive is not an error");
    }

    #[test]
    fn each_failure_is_shown_once_with_the_engines_fix() {
        let mut s = status();
        s.video.state = VideoState::Error;
        s.video.message = "no model set found; choose a model folder".into();
        s.video.output = "port 9870 is taken; choose another port".into();
        let found = problems(Some(&s), None);
        assert_eq!(found.len(), 2);
        assert!(found[0].detail.contains("choose a model folder"));
        assert!(found[1].detail.contains("choose another port"));

        // A missing runtime explains the model failure: only the root cause is shown.
        s.runtime_ok = false;
        s.runtime = "libonnxruntime not found; reinstall".into();
        let found = problems(Some(&s), None);
        assert_eq!(found[0].title, "ONNX Runtime is missing");
        assert!(found.iter().all(|p| p.title != "No video"));

        let found = problems(None, Some("cannot start the engine thread"));
        assert_eq!(found.len(), 1);
        assert!(found[0].detail.contains("Audio still passes"));
    }
}
