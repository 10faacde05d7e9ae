//! Where everything sits in the editor, in logical pixels, as plain functions of the window
//! size. The parameter panel is placed from these rects (not by egui's flowing layout) so that
//! rows never move when the status or banner changes, and so the window tests can find a
//! control without guessing.

use egui::{Pos2, Rect, Vec2, pos2, vec2};
use synesthete_engine::params::{ALL_PARAMS, ParamGroup, ParamSpec};

pub const MARGIN: f32 = 12.0;
/// Width of the parameter panel on the right.
pub const PANEL_WIDTH: f32 = 400.0;
pub const GROUP_HEADER_HEIGHT: f32 = 28.0;
pub const ROW_HEIGHT: f32 = 26.0;
pub const LABEL_WIDTH: f32 = 120.0;
/// The slider part of a row; the value text sits to its right.
pub const SLIDER_WIDTH: f32 = 170.0;
/// Below this many pixels from a row's top the slider's bar is drawn (egui's default body
/// text makes it ~14 px tall, starting ~1 px down).
const SLIDER_CENTER_Y: f32 = 8.0;

pub const GROUPS: [(ParamGroup, &str); 5] = [
    (ParamGroup::Generation, "Generation"),
    (ParamGroup::Motion, "Motion"),
    (ParamGroup::Colour, "Colour"),
    (ParamGroup::Pad, "Latent pad"),
    (ParamGroup::Output, "Output"),
];

/// The right-hand parameter panel.
pub fn params_panel(window: Vec2) -> Rect {
    Rect::from_min_max(pos2(window.x - PANEL_WIDTH, 0.0), pos2(window.x, window.y))
}

/// Everything left of the parameter panel: banner, preview, status, meters, video settings.
pub fn main_column(window: Vec2) -> Rect {
    Rect::from_min_max(
        pos2(MARGIN, MARGIN),
        pos2(window.x - PANEL_WIDTH - MARGIN, window.y - MARGIN),
    )
}

/// One entry of the parameter panel, top to bottom.
pub enum PanelEntry {
    Header(&'static str, Rect),
    Row(&'static ParamSpec, Rect),
}

/// The panel's group headers and parameter rows, in the engine table's order within each group.
pub fn panel_entries(window: Vec2) -> Vec<PanelEntry> {
    let panel = params_panel(window);
    let (left, right) = (panel.min.x + MARGIN, panel.max.x - MARGIN);
    let mut y = MARGIN;
    let mut entries = Vec::with_capacity(ALL_PARAMS.len() + GROUPS.len());
    for (group, title) in GROUPS {
        entries.push(PanelEntry::Header(
            title,
            Rect::from_min_max(pos2(left, y), pos2(right, y + GROUP_HEADER_HEIGHT)),
        ));
        y += GROUP_HEADER_HEIGHT;
        for spec in ALL_PARAMS.iter().filter(|s| s.group == group) {
            entries.push(PanelEntry::Row(
                spec,
                Rect::from_min_max(pos2(left, y), pos2(right, y + ROW_HEIGHT)),
            ));
            y += ROW_HEIGHT;
        }
    }
    entries
}

/// The row of parameter `id`.
pub fn param_row(window: Vec2, id: &str) -> Option<Rect> {
    panel_entries(window)
        .into_iter()
        .find_map(|entry| match entry {
            PanelEntry::Row(spec, rect) if spec.id == id => Some(rect),
            _ => None,
        })
}

/// The label and control parts of a row.
pub fn split_row(row: Rect) -> (Rect, Rect) {
    let split = row.min.x + LABEL_WIDTH;
    (
        Rect::from_min_max(row.min, pos2(split, row.max.y)),
        Rect::from_min_max(pos2(split, row.min.y), row.max),
    )
}

/// A point on parameter `id`'s slider at `fraction` (0 = left end, 1 = right end) of its
/// width; clicking there sets the parameter to that normalised value.
pub fn slider_point(window: Vec2, id: &str, fraction: f32) -> Option<Pos2> {
    let (_, control) = split_row(param_row(window, id)?);
    Some(pos2(
        control.min.x + fraction.clamp(0.0, 1.0) * SLIDER_WIDTH,
        control.min.y + SLIDER_CENTER_Y,
    ))
}

/// Height the panel needs: the minimum window height must be at least this.
pub fn panel_height() -> f32 {
    2.0 * MARGIN + GROUPS.len() as f32 * GROUP_HEADER_HEIGHT + ALL_PARAMS.len() as f32 * ROW_HEIGHT
}

/// The largest `aspect` rectangle that fits `width` x `max_height`.
pub fn fit_aspect(width: f32, max_height: f32, aspect: f32) -> Vec2 {
    let height = (width / aspect).min(max_height);
    vec2(height * aspect, height)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persisted::EditorSize;

    #[test]
    fn every_parameter_has_one_row_inside_the_panel_and_rows_never_overlap() {
        let (w, h) = EditorSize::MIN;
        let window = vec2(w as f32, h as f32);
        assert!(panel_height() <= window.y, "{}", panel_height());
        let panel = params_panel(window);
        let rows: Vec<Rect> = ALL_PARAMS
            .iter()
            .map(|spec| param_row(window, spec.id).expect(spec.id))
            .collect();
        for (i, a) in rows.iter().enumerate() {
            assert!(panel.contains_rect(*a));
            for b in &rows[i + 1..] {
                assert!(!a.intersects(b.shrink(0.5)), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn slider_points_sit_inside_their_row_and_scale_with_the_fraction() {
        let window = vec2(1200.0, 800.0);
        let row = param_row(window, "hue").unwrap();
        let left = slider_point(window, "hue", 0.0).unwrap();
        let right = slider_point(window, "hue", 1.0).unwrap();
        assert!(row.contains(left) && row.contains(right));
        assert!((right.x - left.x - SLIDER_WIDTH).abs() < 1e-3);
        assert!(slider_point(window, "missing", 0.5).is_none());
    }

    #[test]
    fn the_preview_keeps_its_aspect_within_both_limits() {
        let size = fit_aspect(640.0, 200.0, 16.0 / 9.0);
        assert!((size.y - 200.0).abs() < 1e-3 && (size.x / size.y - 16.0 / 9.0).abs() < 1e-3);
        let size = fit_aspect(320.0, 900.0, 16.0 / 9.0);
        assert!((size.x - 320.0).abs() < 1e-3);
    }
}
