//! X11 test fixtures for editor (GUI) tests: a private headless X server ([`Xvfb`]), a host-side
//! parent window for an embedded plugin GUI ([`ParentWindow`]) with synthetic mouse input (XTEST)
//! and screenshots.
//!
//! # Typical use
//!
//! ```ignore
//! let xvfb = Xvfb::start();
//! // Before anything loads the plugin / opens an X connection (the plugin's baseview reads it):
//! unsafe { std::env::set_var("DISPLAY", xvfb.display()) };
//! let mut host = ClapHost::load(&path)?;
//! let parent = ParentWindow::new(&xvfb.display(), 800, 600);
//! let (w, h) = host.gui_open(parent.id(), 1.0)?;
//! parent.resize(w as u16, h as u16);
//! // ... pump `host.pump_main_thread()` / process audio for a while so the GUI draws ...
//! parent.drag((60, 60), (200, 60));
//! let png = parent.screenshot();
//! host.gui_close();
//! ```
//!
//! Coordinates given to the input helpers are **relative to the parent window** (its top-left
//! corner is `(0, 0)`); they are translated to root coordinates for XTEST. Every request is
//! followed by a round trip to the server (`sync`), so when a helper returns, the X server has
//! delivered the event. Helpers sleep [`INPUT_STEP`] after each event so the plugin's own event
//! thread (baseview) sees intermediate states (a press, motion, a release) in separate frames.
//!
//! Mesa's software GLX (llvmpipe) works under Xvfb without extra configuration; screenshots of
//! the GL content come back through `GetImage` on the parent (inferior windows are included).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use image::RgbaImage;
use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::xproto::{
    ConnectionExt as _, CreateWindowAux, ImageFormat, Window, WindowClass,
};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

/// Pause after each synthetic input event, so the GUI's event loop sees each step.
pub const INPUT_STEP: Duration = Duration::from_millis(10);

/// How long [`Xvfb::start`] waits for the server to accept connections.
const XVFB_READY_TIMEOUT: Duration = Duration::from_secs(10);

// X11 core event codes used by XTEST `FakeInput`.
const BUTTON_PRESS: u8 = 4;
const BUTTON_RELEASE: u8 = 5;
const MOTION_NOTIFY: u8 = 6;
const LEFT_BUTTON: u8 = 1;

/// A private `Xvfb` server (`-screen 0 1600x1200x24 -nolisten tcp`), terminated on drop.
///
/// The display number is chosen by Xvfb itself (`-displayfd`), so several test binaries can run
/// in parallel without racing for a number.
pub struct Xvfb {
    child: Child,
    display: u32,
}

impl Xvfb {
    /// Starts Xvfb and waits (up to 10 s) until it accepts X11 connections. Panics if `Xvfb` is
    /// not installed or does not come up.
    pub fn start() -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1600x1200x24",
                "-nolisten",
                "tcp",
                "-noreset",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot run `Xvfb` (install the `xvfb` package)");

        // Xvfb writes the display number to the `-displayfd` descriptor once it is ready.
        let stdout = child.stdout.take().expect("Xvfb stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let display = match rx.recv_timeout(XVFB_READY_TIMEOUT) {
            Ok(line) => line.trim().parse::<u32>().ok(),
            Err(_) => None,
        };
        let Some(display) = display else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("Xvfb did not report a display number within {XVFB_READY_TIMEOUT:?}");
        };
        let xvfb = Xvfb { child, display };

        // Belt and braces: the server must answer a round trip.
        let deadline = std::time::Instant::now() + XVFB_READY_TIMEOUT;
        loop {
            match RustConnection::connect(Some(&xvfb.display())) {
                Ok((conn, _)) if conn.sync().is_ok() => break,
                _ if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Ok(_) | Err(_) => panic!("Xvfb {} does not accept connections", xvfb.display()),
            }
        }
        xvfb
    }

    /// The display name, e.g. `":99"` (for `DISPLAY` and [`ParentWindow::new`]).
    pub fn display(&self) -> String {
        format!(":{}", self.display)
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM first so Xvfb removes its socket and lock file (`/tmp/.X11-unix/X<n>`,
        // `/tmp/.X<n>-lock`); SIGKILL if it has not exited after 2 s.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A mapped top-level window on its own X connection: the host-side parent for an embedded
/// plugin GUI (pass [`ParentWindow::id`] to `ClapHost::gui_open`). Placed at the root's origin,
/// no window manager involved. Background: opaque dark grey `#202020`.
pub struct ParentWindow {
    conn: RustConnection,
    root: Window,
    window: Window,
}

impl ParentWindow {
    /// Opens a connection to `display` (e.g. `":99"`), creates and maps a `width`x`height`
    /// window at (0, 0) and waits until the server has processed it.
    pub fn new(display: &str, width: u16, height: u16) -> ParentWindow {
        let (conn, screen_num) = RustConnection::connect(Some(display))
            .unwrap_or_else(|e| panic!("cannot connect to X display {display}: {e}"));
        let screen = &conn.setup().roots[screen_num];
        let root = screen.root;
        let visual = screen.root_visual;
        let depth = screen.root_depth;
        let window = conn.generate_id().expect("no X11 ids left");
        conn.create_window(
            depth,
            window,
            root,
            0,
            0,
            width,
            height,
            0,
            WindowClass::INPUT_OUTPUT,
            visual,
            // No event mask: nothing reads this connection's event queue.
            &CreateWindowAux::new().background_pixel(0x0020_2020),
        )
        .expect("CreateWindow failed");
        conn.change_property8(
            x11rb::protocol::xproto::PropMode::REPLACE,
            window,
            x11rb::protocol::xproto::AtomEnum::WM_NAME,
            x11rb::protocol::xproto::AtomEnum::STRING,
            b"synesthete-test-host",
        )
        .expect("ChangeProperty failed");
        conn.map_window(window).expect("MapWindow failed");
        let parent = ParentWindow { conn, root, window };
        parent.sync();
        parent
    }

    /// The X11 window id (for the CLAP `set_parent` call).
    pub fn id(&self) -> u32 {
        self.window
    }

    /// Round trip: flushes and waits until the server has processed every request so far.
    pub fn sync(&self) {
        self.conn.sync().expect("X11 round trip failed");
    }

    /// Resizes the parent window (e.g. after the plugin's `request_resize`).
    pub fn resize(&self, width: u16, height: u16) {
        self.conn
            .configure_window(
                self.window,
                &x11rb::protocol::xproto::ConfigureWindowAux::new()
                    .width(u32::from(width))
                    .height(u32::from(height)),
            )
            .expect("ConfigureWindow failed");
        self.sync();
    }

    /// The parent window's current `(width, height)`.
    pub fn size(&self) -> (u16, u16) {
        let geometry = self
            .conn
            .get_geometry(self.window)
            .expect("GetGeometry failed")
            .reply()
            .expect("GetGeometry reply");
        (geometry.width, geometry.height)
    }

    /// Number of direct child windows (the embedded plugin GUI is one; 0 after it closed).
    pub fn child_count(&self) -> usize {
        self.children().len()
    }

    /// Polls [`ParentWindow::child_count`] every 2 ms until it equals `expected` or `timeout`
    /// passes; returns the last count. Needed after closing a GUI: nice-plug/baseview's
    /// `gui.destroy` stops the GUI's X11 thread but does not wait for it, so the plugin's window
    /// disappears from the server a moment *after* `ClapHost::gui_close` returns.
    pub fn wait_for_child_count(&self, expected: usize, timeout: Duration) -> usize {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let count = self.child_count();
            if count == expected || std::time::Instant::now() >= deadline {
                return count;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// `(width, height)` of each direct child window (e.g. the plugin GUI's actual size).
    pub fn child_sizes(&self) -> Vec<(u16, u16)> {
        self.children()
            .into_iter()
            .filter_map(|child| self.conn.get_geometry(child).ok()?.reply().ok())
            .map(|g| (g.width, g.height))
            .collect()
    }

    /// Ids of the direct child windows.
    pub fn children(&self) -> Vec<u32> {
        self.conn
            .query_tree(self.window)
            .expect("QueryTree failed")
            .reply()
            .expect("QueryTree reply")
            .children
    }

    /// The window's current pixels, child windows (the plugin GUI) included, as opaque RGBA.
    /// Uses `GetImage` (ZPixmap); on a 24-bit Xvfb screen that is 32 bits per pixel `BGRX`.
    pub fn screenshot(&self) -> RgbaImage {
        let (width, height) = self.size();
        let reply = self
            .conn
            .get_image(ImageFormat::Z_PIXMAP, self.window, 0, 0, width, height, !0)
            .expect("GetImage failed")
            .reply()
            .expect("GetImage reply");
        let setup = self.conn.setup();
        let bits_per_pixel = setup
            .pixmap_formats
            .iter()
            .find(|f| f.depth == reply.depth)
            .map(|f| f.bits_per_pixel);
        assert_eq!(
            (reply.depth, bits_per_pixel),
            (24, Some(32)),
            "screenshot expects a 24-bit TrueColor screen stored as 32 bits per pixel"
        );
        assert_eq!(
            setup.image_byte_order,
            x11rb::protocol::xproto::ImageOrder::LSB_FIRST,
            "screenshot expects little-endian (BGRX) pixels"
        );
        let (w, h) = (usize::from(width), usize::from(height));
        assert!(
            reply.data.len() >= w * h * 4,
            "GetImage returned too little data"
        );
        let mut rgba = Vec::with_capacity(w * h * 4);
        for pixel in reply.data[..w * h * 4].chunks_exact(4) {
            rgba.extend_from_slice(&[pixel[2], pixel[1], pixel[0], 0xff]);
        }
        RgbaImage::from_raw(u32::from(width), u32::from(height), rgba)
            .expect("buffer matches the image size")
    }

    /// Window-relative `(x, y)` to root coordinates.
    fn to_root(&self, x: i16, y: i16) -> (i16, i16) {
        let reply = self
            .conn
            .translate_coordinates(self.window, self.root, x, y)
            .expect("TranslateCoordinates failed")
            .reply()
            .expect("TranslateCoordinates reply");
        (reply.dst_x, reply.dst_y)
    }

    fn fake(&self, kind: u8, detail: u8, x: i16, y: i16) {
        self.conn
            .xtest_fake_input(kind, detail, x11rb::CURRENT_TIME, self.root, x, y, 0)
            .expect("XTEST FakeInput failed (is the XTEST extension missing?)");
        self.sync();
        std::thread::sleep(INPUT_STEP);
    }

    /// Moves the pointer to window-relative `(x, y)`.
    pub fn move_to(&self, x: i16, y: i16) {
        let (rx, ry) = self.to_root(x, y);
        self.fake(MOTION_NOTIFY, 0, rx, ry);
    }

    /// Presses the left mouse button at the current pointer position.
    pub fn press(&self) {
        self.fake(BUTTON_PRESS, LEFT_BUTTON, 0, 0);
    }

    /// Releases the left mouse button at the current pointer position.
    pub fn release(&self) {
        self.fake(BUTTON_RELEASE, LEFT_BUTTON, 0, 0);
    }

    /// Left click at window-relative `(x, y)`: move, press, release.
    pub fn click(&self, x: i16, y: i16) {
        self.move_to(x, y);
        self.press();
        self.release();
    }

    /// Left double click at window-relative `(x, y)` (two clicks ~30 ms apart, no motion in
    /// between; well inside egui's 0.3 s double-click window).
    pub fn double_click(&self, x: i16, y: i16) {
        self.click(x, y);
        self.press();
        self.release();
    }

    /// Left-button drag from `from` to `to` (window-relative): move, press, then 20 motion steps
    /// of [`INPUT_STEP`] each, release at `to`.
    pub fn drag(&self, from: (i16, i16), to: (i16, i16)) {
        const STEPS: i32 = 20;
        self.move_to(from.0, from.1);
        self.press();
        for step in 1..=STEPS {
            let lerp = |a: i16, b: i16| {
                (i32::from(a) + (i32::from(b) - i32::from(a)) * step / STEPS) as i16
            };
            self.move_to(lerp(from.0, to.0), lerp(from.1, to.1));
        }
        self.release();
    }

    /// Whether the X server offers XTEST (Xvfb does by default).
    pub fn has_xtest(&self) -> bool {
        self.conn
            .extension_information(x11rb::protocol::xtest::X11_EXTENSION_NAME)
            .ok()
            .flatten()
            .is_some()
    }
}

impl Drop for ParentWindow {
    fn drop(&mut self) {
        let _ = self.conn.destroy_window(self.window);
        let _ = self.conn.flush();
    }
}

/// Resident set size of this process in KiB (`VmRSS` from `/proc/self/status`).
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Number of threads of this process (entries in `/proc/self/task`).
pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

/// Polls [`thread_count`] every 5 ms until it is at most `max` or `timeout` passes; returns the
/// last count. `ClapHost::gui_close` returns once the editor's window thread has run its last
/// code (the plugin waits for it), but the thread leaves the process's task list a moment
/// later, so check for leaked threads with this, not directly.
pub fn wait_for_thread_count_at_most(max: usize, timeout: Duration) -> usize {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let count = thread_count();
        if count <= max || std::time::Instant::now() >= deadline {
            return count;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
