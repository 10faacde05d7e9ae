//! The egui editor (nice-plug-egui): live preview, grouped parameters, status and error banner,
//! audio meters, model folder and output route. It remembers its size in the plugin state.

mod app;
pub mod latent_pad;
pub mod layout;
mod meters;
mod params_panel;
mod preview;
mod status;
pub mod theme;
mod video_panel;
mod window_thread;

use std::error::Error;
use std::sync::{Arc, Mutex};

use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::{LogicalSize, NativeSize};
use nice_plug::editor::{
    HostMethods, ParentWindowHandle, ResizeHint, SizeConstraints, SpawnedEditor,
};
use nice_plug::prelude::Editor;
use nice_plug_egui::{
    EguiEditor, EguiEditorState, EguiNiceSettings, RepaintNotifier, create_egui_editor,
};

use self::app::EditorApp;
use self::window_thread::{EditorWindow, EditorWindowHandle, WindowThreadExit};
use crate::engine_link::EngineLink;
use crate::params::SynestheteParams;
use crate::persisted::EditorSize;

/// nice-plug asks for the editor once, before any saved state is loaded, and
/// nice-plug-egui's size state cannot be changed from outside. So this wraps it: each time the
/// window opens, it is built at the size the (possibly just restored) plugin state holds.
pub struct SynestheteEditor {
    params: Arc<SynestheteParams>,
    link: Arc<EngineLink>,
    current: Mutex<EguiEditor<EditorApp>>,
}

impl SynestheteEditor {
    pub fn new(params: Arc<SynestheteParams>, link: Arc<EngineLink>) -> Self {
        let current = Mutex::new(build(&params, &link, WindowThreadExit::default()));
        Self {
            params,
            link,
            current,
        }
    }

    fn current(&self) -> std::sync::MutexGuard<'_, EguiEditor<EditorApp>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn build(
    params: &Arc<SynestheteParams>,
    link: &Arc<EngineLink>,
    window_exit: WindowThreadExit,
) -> EguiEditor<EditorApp> {
    let (width, height) = params.editor_size.get();
    let state = EguiEditorState::from_size(LogicalSize::new(width as f32, height as f32), 1.0);
    let settings = EguiNiceSettings::new()
        .with_tile("Synesthete")
        .with_resize_hint(ResizeHint {
            can_resize: true,
            can_resize_horizontally: true,
            can_resize_vertically: true,
            size_constraints: SizeConstraints::Logical {
                min_size: Some(LogicalSize::new(
                    EditorSize::MIN.0 as f32,
                    EditorSize::MIN.1 as f32,
                )),
                max_size: None,
            },
            ..ResizeHint::NON_RESIZABLE
        });
    create_egui_editor(
        state,
        RepaintNotifier::new(),
        settings,
        EditorApp::new(params.clone(), link.clone(), window_exit),
    )
    .expect("create_egui_editor always returns an editor")
}

impl Editor for SynestheteEditor {
    type Handle = EditorWindowHandle;

    fn spawn(
        &self,
        parent: Option<ParentWindowHandle>,
        wait_for_parent: bool,
        fallback_scale_factor: Option<f64>,
        gui_context: GuiContext,
        host: Option<HostMethods>,
    ) -> Result<SpawnedEditor<Self::Handle>, Box<dyn Error>> {
        let mut current = self.current();
        let window_exit = WindowThreadExit::default();
        *current = build(&self.params, &self.link, window_exit.clone());
        let spawned = current.spawn(
            parent,
            wait_for_parent,
            fallback_scale_factor,
            gui_context,
            host,
        )?;
        Ok(SpawnedEditor {
            handle: EditorWindowHandle(spawned.handle),
            window: EditorWindow::new(spawned.window, window_exit),
        })
    }

    fn size(&self) -> NativeSize<u32> {
        self.current().size()
    }

    fn resize_hint(&self) -> ResizeHint {
        self.current().resize_hint()
    }
}
