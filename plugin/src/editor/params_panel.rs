//! The parameter panel: every automatable parameter, grouped, as a labelled control with its
//! unit. Sliders are nice-plug-egui's `ParamSlider` (drag, double-click or Ctrl-click to reset,
//! click the value to type one); switches are toggle buttons. Values are read from the
//! parameters each repaint, so host automation shows live.

use egui::{Align2, Button, FontId, Rect, RichText, Ui, UiBuilder, Vec2};
use nice_plug::prelude::{BoolParam, Param, ParamSetter};
use nice_plug_egui::widgets::ParamSlider;

use super::layout::{self, PanelEntry, SLIDER_WIDTH};
use super::theme;
use crate::params::{AnyParam, SynestheteParams};

pub fn show(ui: &mut Ui, window: Vec2, params: &SynestheteParams, setter: &ParamSetter) {
    ui.painter()
        .rect_filled(layout::params_panel(window), 0.0, theme::PANEL_BACKGROUND);
    for entry in layout::panel_entries(window) {
        match entry {
            PanelEntry::Header(title, rect) => {
                ui.painter().text(
                    rect.left_center(),
                    Align2::LEFT_CENTER,
                    title.to_uppercase(),
                    FontId::proportional(13.0),
                    theme::ACCENT,
                );
            }
            PanelEntry::Row(spec, rect) => {
                let (label, control) = layout::split_row(rect);
                let Some(param) = params.by_id(spec.id) else {
                    continue;
                };
                ui.painter().text(
                    label.left_center(),
                    Align2::LEFT_CENTER,
                    spec.name,
                    FontId::proportional(14.0),
                    theme::TEXT,
                );
                in_rect(ui, control, |ui| match param {
                    AnyParam::Float(p) => slider(ui, p, setter),
                    AnyParam::Int(p) => slider(ui, p, setter),
                    AnyParam::Bool(p) => toggle(ui, p, setter),
                });
            }
        }
    }
}

fn in_rect(ui: &mut Ui, rect: Rect, add: impl FnOnce(&mut Ui)) {
    ui.scope_builder(UiBuilder::new().max_rect(rect), add);
}

fn slider<P: Param>(ui: &mut Ui, param: &P, setter: &ParamSetter) {
    ui.add(ParamSlider::for_param(param, setter).with_width(SLIDER_WIDTH))
        .on_hover_text("Drag to change; double-click to reset; click the value to type one");
}

/// An on/off button for a switch; the host sees one gesture per click.
fn toggle(ui: &mut Ui, param: &BoolParam, setter: &ParamSetter) {
    let on = param.value();
    let text = RichText::new(if on { "On" } else { "Off" }).strong();
    let response = ui.add_sized(
        [SLIDER_WIDTH, layout::ROW_HEIGHT - 6.0],
        Button::new(text).selected(on),
    );
    if response.clicked() {
        setter.begin_set_parameter(param);
        setter.set_parameter(param, !on);
        setter.end_set_parameter(param);
    }
    if response.double_clicked() {
        setter.begin_set_parameter(param);
        setter.set_parameter(param, param.default_plain_value());
        setter.end_set_parameter(param);
    }
}
