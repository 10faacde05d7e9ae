//! The plugin's engine thread as the editor sees it. The plugin sets it on activate and clears
//! it on deactivate; the editor (GUI thread) reads it each repaint. The audio thread never
//! touches it.

use std::sync::Mutex;

use synesthete_engine::live::EngineView;

#[derive(Default)]
pub enum EngineState {
    /// The host has not activated the plugin (no audio processing yet).
    #[default]
    Inactive,
    Running(EngineView),
    /// The engine thread could not start; audio still passes.
    Failed(String),
}

#[derive(Default)]
pub struct EngineLink {
    state: Mutex<EngineState>,
}

impl EngineLink {
    pub fn set(&self, state: EngineState) {
        *self.lock() = state;
    }

    /// Runs `f` on the current state (keeps the lock short: the view's own reads are cheap).
    pub fn with<R>(&self, f: impl FnOnce(&EngineState) -> R) -> R {
        f(&self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, EngineState> {
        // A poisoned lock only means a panic mid-assignment of plain data; keep using it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}
