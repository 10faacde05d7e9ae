//! Syphon output (macOS), through the `syphon-rs` 0.2 crate.
//!
//! NOTE: compiled only on macOS. It was written against syphon-rs 0.2.0's source
//! (`src/server.rs`: `Server::new`, `resize`, `has_clients`, `send_frame`) but has NOT been built
//! or run on the Linux machine this project is developed on.
//!
//! `Server::send_frame` takes tightly packed RGBA8 with row 0 at the top, exactly a [`Frame`]; it
//! uploads into the server's shared Metal texture and publishes it, waiting for that GPU copy
//! (well under a millisecond at 1280x720). Nothing is uploaded while no client is connected.
//!
//! Syphon announces servers over `NSDistributedNotificationCenter`, which macOS delivers on the
//! main thread: inside a DAW (an AppKit app) that just works; a command-line tool must service
//! its main run loop (`syphon_rs::pump_run_loop`) or clients will not see the server.

use syphon_rs::{Server, SyphonError};

use super::{Frame, FrameSink, OutputError};

/// A Syphon server publishing every frame.
pub struct SyphonSink {
    /// The Syphon server; its staging texture follows the frame size.
    server: Server,
    /// The name clients see, next to the host application's name.
    name: String,
    /// `(width, height)` of the server's staging texture.
    size: (u32, u32),
}

impl SyphonSink {
    /// Starts a server named `name`. Syphon needs a size up front, so it starts at 1x1 and the
    /// first frame resizes it (`Server::resize` keeps the server and its clients).
    pub fn open(name: &str) -> Result<Self, OutputError> {
        let server = Server::new(name, 1, 1).map_err(syphon_error)?;
        Ok(Self {
            server,
            name: name.to_owned(),
            size: (1, 1),
        })
    }
}

impl FrameSink for SyphonSink {
    fn describe(&self) -> String {
        let clients = if self.server.has_clients() {
            "with clients"
        } else {
            "no clients yet"
        };
        format!("Syphon server \"{}\" ({clients})", self.name)
    }

    fn send(&mut self, frame: &Frame) -> Result<(), OutputError> {
        frame.check()?;
        let size = (frame.width, frame.height);
        if size != self.size {
            self.server
                .resize(frame.width, frame.height)
                .map_err(syphon_error)?;
            self.size = size;
        }
        if !self.server.has_clients() {
            return Ok(());
        }
        self.server.send_frame(frame.rgba).map_err(syphon_error)
    }
}

fn syphon_error(error: SyphonError) -> OutputError {
    let fix = match error {
        SyphonError::FrameworkUnavailable => {
            ". Syphon.framework or a Metal device was not found: this build should link Syphon \
             statically (syphon-rs feature `vendored`); otherwise install Syphon.framework in \
             /Library/Frameworks"
        }
        SyphonError::ServerCreationFailed => {
            ". Syphon or Metal refused the server; try another server name, and check that the GPU is available"
        }
        _ => "",
    };
    OutputError::Platform {
        route: "Syphon",
        reason: format!("{error}{fix}"),
    }
}
