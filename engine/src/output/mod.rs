//! Frame outputs: where finished frames go so that VJ software can pick them up.
//!
//! One trait, [`FrameSink`], several sinks, chosen by an [`OutputRoute`] setting and built by
//! [`open`]:
//!
//! | route | platform | receivers |
//! | --- | --- | --- |
//! | [`OutputRoute::Syphon`] | macOS only | Resolume, VDMX, TouchDesigner, MadMapper, OBS (Syphon client) |
//! | [`OutputRoute::Spout`] | Windows only | Resolume, TouchDesigner, OBS (Spout2 plugin), Notch, vvvv |
//! | [`OutputRoute::Stream`] | every OS (the Linux default) | ffmpeg, ffplay, GStreamer, OBS Media Source, anything that reads raw video over TCP |
//! | [`OutputRoute::Files`] | every OS, feature `cli` | a PNG sequence for offline rendering |
//!
//! The engine thread calls [`FrameSink::send`] once per frame; a sink never makes it wait for a
//! receiver. `docs/outputs.md` is the user-facing guide to receiving frames in each program.

#[cfg(feature = "cli")]
mod files;
#[cfg(all(target_os = "windows", feature = "share"))]
mod spout;
pub mod stream;
#[cfg(all(target_os = "macos", feature = "share"))]
mod syphon;

use std::path::PathBuf;

pub use stream::StreamSink;

/// TCP port of the raw-video stream unless the user picks another. 9870 is above the privileged
/// range, below every OS's ephemeral range (so the system never hands it to an outgoing
/// connection), and clear of the ports VJ tools commonly use (OSC 7000-7001, NDI 5960+).
/// A second instance needs another port: the stream is one listener per port.
pub const DEFAULT_STREAM_PORT: u16 = 9870;

/// The sender name Syphon and Spout routes use unless the user picks another.
pub const DEFAULT_SENDER_NAME: &str = "Synesthete";

/// One finished frame: tightly packed RGBA8, rows top to bottom.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Width in pixels, > 0.
    pub width: u32,
    /// Height in pixels, > 0.
    pub height: u32,
    /// `width * height * 4` bytes: R, G, B, A per pixel, row 0 at the top, no row padding.
    pub rgba: &'a [u8],
}

impl Frame<'_> {
    /// Bytes an RGBA8 frame of `width` x `height` takes.
    pub fn byte_len(width: u32, height: u32) -> usize {
        width as usize * height as usize * 4
    }

    /// Checks that the frame is non-empty and `rgba` holds exactly `width * height * 4` bytes.
    pub fn check(&self) -> Result<(), OutputError> {
        let expected = Self::byte_len(self.width, self.height);
        if expected == 0 || self.rgba.len() != expected {
            return Err(OutputError::BadFrame {
                width: self.width,
                height: self.height,
                expected,
                actual: self.rgba.len(),
            });
        }
        Ok(())
    }
}

/// A place finished frames go.
pub trait FrameSink: Send {
    /// e.g. "network stream on tcp://127.0.0.1:9870 (2 receivers)" — shown to the user.
    fn describe(&self) -> String;
    /// Must never block for long: the engine thread calls it once per frame. Slow receivers lose
    /// frames, never stall the engine.
    fn send(&mut self, frame: &Frame) -> Result<(), OutputError>;
}

/// Why an output could not be opened or could not take a frame. Every message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(
        "{route} output is only available on {needs}, and this is {here}. Choose the network stream output, which works on every system (see docs/outputs.md)"
    )]
    NotAvailable {
        route: &'static str,
        needs: &'static str,
        here: &'static str,
    },
    #[error(
        "{route} output is not part of this build: it needs the engine's `{feature}` cargo feature. Rebuild with `--features {feature}`, or choose another output"
    )]
    NotBuilt {
        route: &'static str,
        feature: &'static str,
    },
    #[error(
        "port {port} on 127.0.0.1 is already in use (another Synesthete instance, or another program, is listening there). Choose another stream port in the output settings, or stop the other program"
    )]
    PortInUse { port: u16 },
    #[error(
        "cannot listen for stream receivers on 127.0.0.1:{port}: {error}. Choose another stream port in the output settings"
    )]
    Listen { port: u16, error: std::io::Error },
    #[error(
        "cannot write frames to {path}: {error}. Check that the folder can be created and written to, and that the disk is not full"
    )]
    Files {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot encode {path} as PNG: {reason}")]
    Png { path: PathBuf, reason: String },
    #[error(
        "invalid frame: {width}x{height} RGBA8 needs {expected} bytes (and non-zero sides), got {actual}. This is a bug in Synesthete; please report it"
    )]
    BadFrame {
        width: u32,
        height: u32,
        expected: usize,
        actual: usize,
    },
    /// A Syphon or Spout failure, with the library's reason and the fix where one is known.
    #[error("{route} output failed: {reason}")]
    Platform { route: &'static str, reason: String },
}

/// Where frames go. A setting (saved with the plugin state / given to the CLI), not automation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum OutputRoute {
    /// Frames go nowhere (the editor preview still shows them).
    Off,
    /// Raw RGBA8 video, no header, on `tcp://127.0.0.1:<port>`. Port 0 lets the system pick one
    /// (the sink's description shows which).
    Stream { port: u16 },
    /// A Syphon server with this name (macOS).
    Syphon { name: String },
    /// A Spout sender with this name (Windows). Spout appends `_1`, `_2`... if it is taken.
    Spout { name: String },
    /// `frame_00000.png`, `frame_00001.png`... in this folder (created if missing; existing
    /// frames of the same names are overwritten).
    Files { dir: PathBuf },
}

impl OutputRoute {
    /// Syphon "Synesthete" on macOS, Spout "Synesthete" on Windows, the network stream on
    /// [`DEFAULT_STREAM_PORT`] elsewhere (Linux).
    pub fn platform_default() -> Self {
        if cfg!(target_os = "macos") {
            Self::Syphon {
                name: DEFAULT_SENDER_NAME.to_owned(),
            }
        } else if cfg!(target_os = "windows") {
            Self::Spout {
                name: DEFAULT_SENDER_NAME.to_owned(),
            }
        } else {
            Self::Stream {
                port: DEFAULT_STREAM_PORT,
            }
        }
    }
}

impl Default for OutputRoute {
    fn default() -> Self {
        Self::platform_default()
    }
}

/// Opens the sink for `route`. Fails with a message that says what to do when the route cannot
/// work here: Syphon off macOS, Spout off Windows, a stream port that is taken, a folder that
/// cannot be written, or a platform framework that is missing.
pub fn open(route: &OutputRoute) -> Result<Box<dyn FrameSink>, OutputError> {
    match route {
        OutputRoute::Off => Ok(Box::new(OffSink)),
        OutputRoute::Stream { port } => Ok(Box::new(StreamSink::bind(*port)?)),
        OutputRoute::Files { dir } => open_files(dir),
        OutputRoute::Syphon { name } => open_syphon(name),
        OutputRoute::Spout { name } => open_spout(name),
    }
}

#[cfg(feature = "cli")]
fn open_files(dir: &std::path::Path) -> Result<Box<dyn FrameSink>, OutputError> {
    Ok(Box::new(files::FilesSink::create(dir)?))
}

/// PNG files need the `image` crate, which only the `cli` feature pulls in (the plugin builds
/// without it); the route stays in the enum so saved settings still load.
#[cfg(not(feature = "cli"))]
fn open_files(_dir: &std::path::Path) -> Result<Box<dyn FrameSink>, OutputError> {
    Err(OutputError::NotBuilt {
        route: "PNG file",
        feature: "cli",
    })
}

#[cfg(all(target_os = "macos", feature = "share"))]
fn open_syphon(name: &str) -> Result<Box<dyn FrameSink>, OutputError> {
    Ok(Box::new(syphon::SyphonSink::open(name)?))
}

#[cfg(not(all(target_os = "macos", feature = "share")))]
fn open_syphon(_name: &str) -> Result<Box<dyn FrameSink>, OutputError> {
    if cfg!(target_os = "macos") {
        return Err(OutputError::NotBuilt {
            route: "Syphon",
            feature: "share",
        });
    }
    Err(OutputError::NotAvailable {
        route: "Syphon",
        needs: "macOS",
        here: std::env::consts::OS,
    })
}

#[cfg(all(target_os = "windows", feature = "share"))]
fn open_spout(name: &str) -> Result<Box<dyn FrameSink>, OutputError> {
    Ok(Box::new(spout::SpoutSink::open(name)))
}

#[cfg(not(all(target_os = "windows", feature = "share")))]
fn open_spout(_name: &str) -> Result<Box<dyn FrameSink>, OutputError> {
    if cfg!(target_os = "windows") {
        return Err(OutputError::NotBuilt {
            route: "Spout",
            feature: "share",
        });
    }
    Err(OutputError::NotAvailable {
        route: "Spout",
        needs: "Windows",
        here: std::env::consts::OS,
    })
}

/// [`OutputRoute::Off`]: takes frames and drops them.
struct OffSink;

impl FrameSink for OffSink {
    fn describe(&self) -> String {
        "output off".to_owned()
    }

    fn send(&mut self, frame: &Frame) -> Result<(), OutputError> {
        frame.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_must_hold_exactly_width_x_height_rgba_bytes() {
        let bytes = [0u8; 2 * 3 * 4];
        let ok = Frame {
            width: 2,
            height: 3,
            rgba: &bytes,
        };
        assert!(ok.check().is_ok());
        let short = Frame {
            width: 3,
            height: 3,
            rgba: &bytes,
        };
        assert!(matches!(
            short.check(),
            Err(OutputError::BadFrame {
                expected: 36,
                actual: 24,
                ..
            })
        ));
        let empty = Frame {
            width: 0,
            height: 3,
            rgba: &[],
        };
        assert!(empty.check().is_err());
    }

    #[test]
    fn routes_survive_a_settings_round_trip() {
        for route in [
            OutputRoute::Off,
            OutputRoute::Stream { port: 1234 },
            OutputRoute::Syphon { name: "A".into() },
            OutputRoute::Spout { name: "B".into() },
            OutputRoute::Files {
                dir: PathBuf::from("/tmp/frames"),
            },
        ] {
            let json = serde_json::to_string(&route).unwrap();
            assert_eq!(serde_json::from_str::<OutputRoute>(&json).unwrap(), route);
        }
    }

    #[test]
    fn off_takes_frames_and_says_so() {
        let mut sink = open(&OutputRoute::Off).unwrap();
        assert_eq!(sink.describe(), "output off");
        let bytes = [0u8; 4];
        let frame = Frame {
            width: 1,
            height: 1,
            rgba: &bytes,
        };
        sink.send(&frame).unwrap();
    }

    #[cfg(not(feature = "cli"))]
    #[test]
    fn without_the_cli_feature_files_say_how_to_get_them() {
        let route = OutputRoute::Files {
            dir: std::env::temp_dir().join("synesthete-never-written"),
        };
        let error = open(&route).err().expect("PNG output needs `cli`");
        assert!(
            matches!(error, OutputError::NotBuilt { feature: "cli", .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("--features cli"), "{error}");
    }

    #[cfg(target_os = "linux")]
    mod linux {
        use super::*;

        #[test]
        fn the_default_is_the_stream_on_the_default_port() {
            assert_eq!(
                OutputRoute::platform_default(),
                OutputRoute::Stream {
                    port: DEFAULT_STREAM_PORT
                }
            );
        }

        #[test]
        fn syphon_and_spout_say_they_are_not_available_here() {
            for (route, needs) in [
                (
                    OutputRoute::Syphon {
                        name: DEFAULT_SENDER_NAME.into(),
                    },
                    "macOS",
                ),
                (
                    OutputRoute::Spout {
                        name: DEFAULT_SENDER_NAME.into(),
                    },
                    "Windows",
                ),
            ] {
                let error = open(&route).err().expect("not available on Linux");
                assert!(
                    matches!(error, OutputError::NotAvailable { needs: n, here: "linux", .. } if n == needs),
                    "{error:?}"
                );
                let message = error.to_string();
                assert!(message.contains("only available on"), "{message}");
                assert!(message.contains("network stream"), "{message}");
            }
        }
    }
}
