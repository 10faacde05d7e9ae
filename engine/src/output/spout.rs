//! Spout output (Windows), through the `spout-rs` 0.2 crate.
//!
//! NOTE: compiled only on Windows. It was written against spout-rs 0.2.0's source (`src/sender.rs`:
//! `SpoutSender::new`, `send_image_rgba`, `name`) and the Spout2 sources it vendors, but has NOT
//! been built or run on the Linux machine this project is developed on.
//!
//! `SpoutSender::send_image_rgba` publishes tightly packed RGBA8, row 0 at the top (it passes
//! `invert = false`), exactly a [`Frame`]. Spout2's sender behind it (`Spout::SendImage` ->
//! `spoutGL::OpenSpout`) refuses to start unless an OpenGL context is current on the calling
//! thread ("Cannot get GL device context"), and the engine thread has none (wgpu uses DirectX
//! there). spout-rs does not expose Spout2's own `CreateOpenGL`, so [`HiddenGl`] does the same
//! thing: an invisible 32x32 window with a legacy OpenGL context, made current on the sending
//! thread. If the thread already has a GL context, Spout uses that one and none is created.

use std::ptr::{null, null_mut};

use spout_rs::SpoutSender;
use windows_sys::Win32::Foundation::HWND;
use windows_sys::Win32::Graphics::Gdi::{GetDC, HDC, ReleaseDC};
use windows_sys::Win32::Graphics::OpenGL::{
    ChoosePixelFormat, HGLRC, PFD_DOUBLEBUFFER, PFD_DRAW_TO_WINDOW, PFD_MAIN_PLANE,
    PFD_SUPPORT_OPENGL, PFD_TYPE_RGBA, PIXELFORMATDESCRIPTOR, SetPixelFormat, wglCreateContext,
    wglDeleteContext, wglGetCurrentContext, wglMakeCurrent,
};
use windows_sys::Win32::UI::WindowsAndMessaging::{
    CreateWindowExA, DestroyWindow, WS_OVERLAPPEDWINDOW,
};

use super::{Frame, FrameSink, OutputError};

/// A Spout sender publishing every frame.
pub struct SpoutSink {
    /// The sender; it registers its name with Spout on the first frame. Declared before `gl` so
    /// it is released while the context still exists.
    sender: SpoutSender,
    /// The hidden OpenGL context Spout2 needs, created on the first frame on the sending thread;
    /// `None` before that, or when that thread had a GL context of its own.
    gl: Option<HiddenGl>,
    /// The name asked for.
    requested: String,
    /// The name Spout registered (`requested`, or `requested_1`... if taken), after the first
    /// frame.
    registered: Option<String>,
}

impl SpoutSink {
    /// A sender that will register as `name` on its first frame.
    pub fn open(name: &str) -> Self {
        Self {
            sender: SpoutSender::new(name),
            gl: None,
            requested: name.to_owned(),
            registered: None,
        }
    }
}

impl FrameSink for SpoutSink {
    fn describe(&self) -> String {
        match &self.registered {
            Some(name) => format!("Spout sender \"{name}\""),
            None => format!(
                "Spout sender \"{}\" (registers on the first frame)",
                self.requested
            ),
        }
    }

    fn send(&mut self, frame: &Frame) -> Result<(), OutputError> {
        frame.check()?;
        match &self.gl {
            Some(gl) => gl.make_current()?,
            // SAFETY: a plain query of the calling thread's current OpenGL context.
            None if unsafe { wglGetCurrentContext() }.is_null() => {
                self.gl = Some(HiddenGl::create()?);
            }
            None => {}
        }
        if !self
            .sender
            .send_image_rgba(frame.rgba, frame.width, frame.height)
        {
            return Err(spout_error(
                "Spout2 did not take the frame. It needs DirectX 11 and OpenGL; update the \
                 graphics driver, and see Spout's log (SpoutSettings) for details",
            ));
        }
        if self.registered.is_none() {
            self.registered = Some(self.sender.name());
        }
        Ok(())
    }
}

impl Drop for SpoutSink {
    fn drop(&mut self) {
        // Runs before the fields drop: the sender releases its GL objects with our context current.
        if let Some(gl) = &self.gl {
            let _ = gl.make_current();
        }
    }
}

fn spout_error(reason: &str) -> OutputError {
    OutputError::Platform {
        route: "Spout",
        reason: reason.to_owned(),
    }
}

/// An invisible window with a legacy OpenGL context, as Spout2's `spoutGL::CreateOpenGL` makes.
struct HiddenGl {
    /// Invisible "BUTTON" window; destroyed on drop (only works on the creating thread).
    window: HWND,
    /// The window's device context, with an OpenGL pixel format set.
    dc: HDC,
    /// The OpenGL context; null until created.
    context: HGLRC,
}

// SAFETY: the handles are plain Win32 handles owned by this value; `SpoutSink` uses them only
// through `&mut self`, and `make_current` binds the context to whichever thread sends.
unsafe impl Send for HiddenGl {}

impl HiddenGl {
    fn create() -> Result<Self, OutputError> {
        let failed = |what: &str| {
            spout_error(&format!(
                "could not create the hidden OpenGL context Spout needs ({what}); update the graphics driver"
            ))
        };
        // SAFETY: CreateWindowExA gets NUL-terminated strings and null optional handles; the
        // result is checked before use and destroyed in Drop.
        let window = unsafe {
            CreateWindowExA(
                0,
                c"BUTTON".as_ptr().cast(),
                c"Synesthete Spout".as_ptr().cast(),
                WS_OVERLAPPEDWINDOW,
                0,
                0,
                32,
                32,
                null_mut(),
                null_mut(),
                null_mut(),
                null(),
            )
        };
        if window.is_null() {
            return Err(failed("no window"));
        }
        // From here on, Drop releases whatever was created.
        let mut gl = Self {
            window,
            dc: null_mut(),
            context: null_mut(),
        };
        // SAFETY: `window` is a live window created above.
        gl.dc = unsafe { GetDC(window) };
        if gl.dc.is_null() {
            return Err(failed("no device context"));
        }
        let format = PIXELFORMATDESCRIPTOR {
            nSize: size_of::<PIXELFORMATDESCRIPTOR>() as u16,
            nVersion: 1,
            dwFlags: PFD_DRAW_TO_WINDOW | PFD_SUPPORT_OPENGL | PFD_DOUBLEBUFFER,
            iPixelType: PFD_TYPE_RGBA,
            cColorBits: 32,
            cDepthBits: 16,
            iLayerType: PFD_MAIN_PLANE as u8,
            ..Default::default()
        };
        // SAFETY: `gl.dc` is the live DC of our window and `format` outlives both calls.
        let chosen = unsafe { ChoosePixelFormat(gl.dc, &format) };
        // SAFETY: as above; `chosen` is checked non-zero first.
        if chosen == 0 || unsafe { SetPixelFormat(gl.dc, chosen, &format) } == 0 {
            return Err(failed("no pixel format"));
        }
        // SAFETY: `gl.dc` has an OpenGL pixel format now.
        gl.context = unsafe { wglCreateContext(gl.dc) };
        if gl.context.is_null() {
            return Err(failed("no OpenGL context"));
        }
        gl.make_current()?;
        Ok(gl)
    }

    /// Makes the context current on the calling thread (a no-op when it already is).
    fn make_current(&self) -> Result<(), OutputError> {
        // SAFETY: `dc` and `context` are live and belong together; wglMakeCurrent fails (and we
        // report it) if the context is current on another thread.
        let current = unsafe {
            wglGetCurrentContext() == self.context || wglMakeCurrent(self.dc, self.context) != 0
        };
        if current {
            Ok(())
        } else {
            Err(spout_error(
                "could not make Spout's OpenGL context current on this thread",
            ))
        }
    }
}

impl Drop for HiddenGl {
    fn drop(&mut self) {
        // SAFETY: each handle is released once, and only if it was created.
        unsafe {
            if !self.context.is_null() {
                if wglGetCurrentContext() == self.context {
                    wglMakeCurrent(null_mut(), null_mut());
                }
                wglDeleteContext(self.context);
            }
            if !self.dc.is_null() {
                ReleaseDC(self.window, self.dc);
            }
            DestroyWindow(self.window);
        }
    }
}
