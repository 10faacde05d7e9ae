//! Closing the editor waits until its window thread has ended. baseview 0.4.2 (the newest)
//! joins the thread when the window drops, except when its closing handshake races the stopping
//! event loop: then the drop returns while the thread is still tearing down its X11 connection
//! and GL context. A host that unloads the plugin right after destroying the GUI would then pull
//! the code from under that thread. This wraps nice-plug-egui's handle and window so that
//! dropping the window also waits (up to [`EXIT_TIMEOUT`]) for the thread to end; the thread says
//! so from a thread-local destructor, which runs after everything else on it. Only Linux has
//! such a thread; checked on Linux only.

use std::cell::RefCell;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use nice_plug::editor::dpi::NativeSize;
use nice_plug::editor::{EditorHandle, Modifiers, ParentWindowHandle, VirtualKeyCode};
use nice_plug_egui::EguiEditorHandle;
use nice_plug_egui::baseview;

/// How long closing the editor waits for its window thread (it usually ends within a frame).
const EXIT_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Default)]
struct ExitState {
    /// A window thread has registered itself (window creation can fail before it does).
    registered: bool,
    exited: bool,
}

/// Shared by one editor window and the thread that runs it.
#[derive(Clone, Default)]
pub struct WindowThreadExit(Arc<(Mutex<ExitState>, Condvar)>);

/// Held in the window thread's thread-local storage; dropped when that thread ends.
struct ExitNotifier(WindowThreadExit);

impl Drop for ExitNotifier {
    fn drop(&mut self) {
        let (state, ended) = &*(self.0).0;
        state.lock().unwrap_or_else(PoisonError::into_inner).exited = true;
        ended.notify_all();
    }
}

thread_local! {
    static NOTIFIERS: RefCell<Vec<ExitNotifier>> = const { RefCell::new(Vec::new()) };
}

impl WindowThreadExit {
    /// Called on the window thread: its end will be reported to [`Self::wait`]. Only baseview's
    /// X11 windows (Linux) run on a thread of their own; on Windows and macOS the window lives on
    /// the host's GUI thread, which does not end, so there is nothing to wait for.
    pub fn register_current_thread(&self) {
        if cfg!(target_os = "linux") {
            self.register_this_thread();
        }
    }

    fn register_this_thread(&self) {
        let (state, _) = &*self.0;
        state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .registered = true;
        NOTIFIERS.with(|notifiers| notifiers.borrow_mut().push(ExitNotifier(self.clone())));
    }

    /// Waits up to `timeout` for a registered window thread to end; true if it has (or none
    /// registered).
    fn wait(&self, timeout: Duration) -> bool {
        let (state, ended) = &*self.0;
        let guard = state.lock().unwrap_or_else(PoisonError::into_inner);
        if !guard.registered {
            return true;
        }
        let (guard, _) = ended
            .wait_timeout_while(guard, timeout, |state| !state.exited)
            .unwrap_or_else(PoisonError::into_inner);
        guard.exited
    }
}

/// The editor window: baseview's, and the signal of the thread behind it.
pub struct EditorWindow {
    window: Option<baseview::Window>,
    exit: WindowThreadExit,
}

impl EditorWindow {
    pub fn new(window: baseview::Window, exit: WindowThreadExit) -> Self {
        Self {
            window: Some(window),
            exit,
        }
    }

    fn inner(&self) -> &baseview::Window {
        self.window.as_ref().expect("present until dropped")
    }
}

impl Drop for EditorWindow {
    fn drop(&mut self) {
        drop(self.window.take());
        if !self.exit.wait(EXIT_TIMEOUT) {
            nice_plug::nice_warn!("the editor's window thread did not end within {EXIT_TIMEOUT:?}");
        }
    }
}

/// nice-plug-egui's handle, over [`EditorWindow`].
pub struct EditorWindowHandle(pub EguiEditorHandle);

impl EditorHandle for EditorWindowHandle {
    type Window = EditorWindow;
    type Error = baseview::Error;

    fn run_until_closed(mut window: Self::Window) -> Result<(), Self::Error> {
        let inner = window.window.take().expect("present until dropped");
        EguiEditorHandle::run_until_closed(inner)
    }

    fn set_parent(
        &self,
        parent: ParentWindowHandle,
        window: &EditorWindow,
    ) -> Result<(), Self::Error> {
        self.0.set_parent(parent, window.inner())
    }

    fn show(&self, window: &EditorWindow) -> Result<(), Self::Error> {
        self.0.show(window.inner())
    }

    fn hide(&self, window: &EditorWindow) -> Result<(), Self::Error> {
        self.0.hide(window.inner())
    }

    fn set_size(
        &self,
        new_size: NativeSize<u32>,
        window: &EditorWindow,
    ) -> Result<(), Self::Error> {
        self.0.set_size(new_size, window.inner())
    }

    fn host_main_thread_callback(&self, window: &EditorWindow) {
        self.0.host_main_thread_callback(window.inner())
    }

    fn adjust_size(
        &self,
        new_size: NativeSize<u32>,
        window: &EditorWindow,
    ) -> Option<NativeSize<u32>> {
        self.0.adjust_size(new_size, window.inner())
    }

    fn set_fallback_scale_factor(
        &self,
        scale_factor: f64,
        window: &EditorWindow,
    ) -> Result<(), Self::Error> {
        self.0
            .set_fallback_scale_factor(scale_factor, window.inner())
    }

    fn on_virtual_key_from_host(
        &self,
        key_code: VirtualKeyCode,
        is_down: bool,
        modifiers: Modifiers,
    ) -> bool {
        self.0
            .on_virtual_key_from_host(key_code, is_down, modifiers)
    }

    fn state_changed(&self) {
        self.0.state_changed()
    }

    fn param_value_changed(&self, id: &str, normalized_value: f32) {
        self.0.param_value_changed(id, normalized_value)
    }

    fn param_modulation_changed(&self, id: &str, modulation_offset: f32) {
        self.0.param_modulation_changed(id, modulation_offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn waiting_ends_when_the_registered_thread_has_ended() {
        let exit = WindowThreadExit::default();
        let (registered_tx, registered_rx) = std::sync::mpsc::channel();
        let thread_exit = exit.clone();
        let thread = std::thread::spawn(move || {
            thread_exit.register_this_thread();
            registered_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(300));
        });
        registered_rx.recv().unwrap();
        assert!(
            !exit.wait(Duration::from_millis(10)),
            "the thread is still sleeping"
        );
        let start = Instant::now();
        assert!(exit.wait(Duration::from_secs(10)));
        assert!(start.elapsed() < Duration::from_secs(5));
        thread.join().unwrap();
    }

    #[test]
    fn nothing_to_wait_for_when_no_thread_registered() {
        assert!(WindowThreadExit::default().wait(Duration::from_secs(10)));
    }
}
