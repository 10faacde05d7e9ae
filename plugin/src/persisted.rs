//! Settings saved in the plugin state that are not automation: the model folder and output
//! route (shared live with the engine thread) and the editor's size. Both come back from
//! untrusted saved states: serde checks their shape, the engine validates the choice (an
//! invalid one becomes a status error, never a crash), and the size is clamped.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use nice_plug::params::persist::PersistentField;
use synesthete_engine::live::{SharedVideoChoice, VideoChoice};

/// The model folder and output route, shared with the engine thread: a restored state or an
/// edit in the editor reaches the engine through the same revision counter.
#[derive(Default)]
pub struct PersistedVideoChoice(pub Arc<SharedVideoChoice>);

impl<'a> PersistentField<'a, VideoChoice> for PersistedVideoChoice {
    fn set(&self, new_value: VideoChoice) {
        self.0.set(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&VideoChoice) -> R,
    {
        f(&self.0.get())
    }
}

/// Editor size in logical pixels, remembered across sessions.
pub struct EditorSize {
    width: AtomicU32,
    height: AtomicU32,
}

impl EditorSize {
    pub const DEFAULT: (u32, u32) = (1060, 720);
    pub const MIN: (u32, u32) = (900, 660);
    /// Larger than any display; a saved size beyond it is corrupt.
    pub const MAX: (u32, u32) = (7680, 4320);

    pub fn get(&self) -> (u32, u32) {
        (
            self.width.load(Ordering::Relaxed),
            self.height.load(Ordering::Relaxed),
        )
    }

    /// Stores the size, clamped to what the editor can lay out.
    pub fn store(&self, (width, height): (u32, u32)) {
        let (width, height) = (
            width.clamp(Self::MIN.0, Self::MAX.0),
            height.clamp(Self::MIN.1, Self::MAX.1),
        );
        self.width.store(width, Ordering::Relaxed);
        self.height.store(height, Ordering::Relaxed);
    }
}

impl Default for EditorSize {
    fn default() -> Self {
        Self {
            width: AtomicU32::new(Self::DEFAULT.0),
            height: AtomicU32::new(Self::DEFAULT.1),
        }
    }
}

impl<'a> PersistentField<'a, (u32, u32)> for EditorSize {
    fn set(&self, new_value: (u32, u32)) {
        self.store(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&(u32, u32)) -> R,
    {
        f(&self.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_sizes_are_clamped_to_what_the_editor_can_lay_out() {
        let size = EditorSize::default();
        size.set((10, 1_000_000));
        assert_eq!(size.get(), (EditorSize::MIN.0, EditorSize::MAX.1));
        size.set((1200, 800));
        assert_eq!(size.map(|s| *s), (1200, 800));
    }
}
