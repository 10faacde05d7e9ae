//! The live preview: the engine's latest output frame, shrunk on the GUI thread to the size it
//! is shown at (a 1280x720 frame is 3.7 MB; the preview needs a tenth of that) and uploaded
//! only when a new frame has arrived.

use egui::{Color32, ColorImage, Rect, TextureHandle, TextureOptions, Ui, Vec2};
use synesthete_engine::live::VideoFrame;

use super::theme;

#[derive(Default)]
pub struct Preview {
    texture: Option<TextureHandle>,
    /// Index of the frame on the texture.
    shown: Option<u64>,
}

impl Preview {
    /// Shows `frame` (or a placeholder) in `rect`.
    pub fn show(&mut self, ui: &mut Ui, rect: Rect, frame: Option<VideoFrame>) {
        ui.painter().rect_filled(rect, 4.0, Color32::BLACK);
        let Some(frame) = frame else {
            self.shown = None;
            ui.painter().text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "no frames yet",
                egui::FontId::proportional(16.0),
                theme::DIM_TEXT,
            );
            return;
        };
        if self.shown != Some(frame.index) || self.texture.is_none() {
            let size = shown_size(rect.size(), &frame);
            let image = self.shrink(&frame, size);
            match &mut self.texture {
                Some(texture) => texture.set(image, TextureOptions::LINEAR),
                None => {
                    self.texture = Some(ui.ctx().load_texture(
                        "preview",
                        image,
                        TextureOptions::LINEAR,
                    ))
                }
            }
            self.shown = Some(frame.index);
        }
        if let Some(texture) = &self.texture {
            let aspect = frame.width as f32 / frame.height.max(1) as f32;
            let size = super::layout::fit_aspect(rect.width(), rect.height(), aspect);
            let image_rect = Rect::from_center_size(rect.center(), size);
            ui.painter().image(
                texture.id(),
                image_rect,
                Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
                Color32::WHITE,
            );
        }
    }

    /// Nearest-neighbour shrink of the RGBA frame to `size` pixels. A filtered shrink would
    /// cost more GUI-thread time for a thumbnail the texture sampler smooths anyway.
    fn shrink(&self, frame: &VideoFrame, [width, height]: [usize; 2]) -> ColorImage {
        // The image is handed to egui, so each shrink fills a new buffer.
        let mut pixels = Vec::with_capacity(width * height);
        let (src_w, src_h) = (frame.width as usize, frame.height as usize);
        for y in 0..height {
            let sy = (y * src_h / height).min(src_h - 1);
            for x in 0..width {
                let sx = (x * src_w / width).min(src_w - 1);
                let i = 4 * (sy * src_w + sx);
                let p = &frame.rgba[i..i + 4];
                pixels.push(Color32::from_rgb(p[0], p[1], p[2]));
            }
        }
        ColorImage::new([width, height], pixels)
    }
}

/// The texture size for showing `frame` in `area`: no bigger than the frame, at least 1x1.
fn shown_size(area: Vec2, frame: &VideoFrame) -> [usize; 2] {
    let aspect = frame.width as f32 / frame.height.max(1) as f32;
    let fit = super::layout::fit_aspect(area.x, area.y, aspect);
    [
        (fit.x.round() as usize).clamp(1, frame.width.max(1) as usize),
        (fit.y.round() as usize).clamp(1, frame.height.max(1) as usize),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn shrinking_keeps_the_picture() {
        // Left half red, right half blue.
        let (w, h) = (64u32, 36u32);
        let rgba: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                if i % w < w / 2 {
                    [255, 0, 0, 255]
                } else {
                    [0, 0, 255, 255]
                }
            })
            .collect();
        let frame = VideoFrame {
            width: w,
            height: h,
            rgba: Arc::new(rgba),
            index: 0,
        };
        let image = Preview::default().shrink(&frame, shown_size(Vec2::new(16.0, 100.0), &frame));
        assert_eq!(image.size, [16, 9]);
        assert_eq!(image.pixels[0], Color32::from_rgb(255, 0, 0));
        assert_eq!(image.pixels[15], Color32::from_rgb(0, 0, 255));
    }
}
