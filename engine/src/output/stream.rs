//! The network stream: raw RGBA8 video over TCP on `127.0.0.1:<port>`, the route that works on
//! every OS and the default on Linux.
//!
//! The byte stream is plain `rawvideo` with no header: frame after frame of `width * height * 4`
//! bytes. Receivers are told the size and pixel format out of band, e.g.
//! `ffplay -f rawvideo -pixel_format rgba -video_size 1280x720 -framerate 30 -i tcp://127.0.0.1:9870`.
//!
//! Real-time rules, all enforced inside [`StreamSink::send`] with non-blocking sockets:
//! - new receivers are accepted there and start at a frame boundary;
//! - each receiver has its own pending buffer; while its previous frame is not fully written, new
//!   frames are skipped for that receiver, so its stream never desyncs and the engine never waits;
//! - receivers that disconnect are dropped silently;
//! - when the frame size changes, every receiver is disconnected (its stream format changed, and
//!   it must reconnect with the new `video_size`).
//!
//! The listener is bound to the loopback address only: frames never leave this computer.
//! NOTE: a peer that closed its end must not kill a plugin host with SIGPIPE. Rust's standard
//! library sends with `MSG_NOSIGNAL` on Linux (seen with strace here) and sets `SO_NOSIGPIPE` on
//! the sockets it creates on macOS, which accepted sockets inherit from the listener (not checked
//! on a Mac); Windows has no SIGPIPE. So a broken pipe is an ordinary error here.

use std::io::{ErrorKind, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};

use super::{Frame, FrameSink, OutputError};

/// Serves frames to any number of local TCP receivers without ever blocking.
pub struct StreamSink {
    /// Non-blocking listener on `127.0.0.1:port`, polled for new receivers on every `send`.
    listener: TcpListener,
    /// The bound port: the requested one, or the system's pick when 0 was requested.
    port: u16,
    /// Connected receivers, in connection order.
    receivers: Vec<Receiver>,
    /// `(width, height)` of the frames sent so far; `None` before the first frame.
    size: Option<(u32, u32)>,
}

/// One connected receiver.
struct Receiver {
    /// Non-blocking socket.
    stream: TcpStream,
    /// The unwritten tail of the frame this receiver is in the middle of (reused between frames).
    pending: Vec<u8>,
    /// Bytes of `pending` already written; the frame is complete when it equals `pending.len()`.
    written: usize,
}

impl StreamSink {
    /// Listens on `127.0.0.1:port` (0: any free port, see [`StreamSink::port`]).
    pub fn bind(port: u16) -> Result<Self, OutputError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(|error| {
            if error.kind() == ErrorKind::AddrInUse {
                OutputError::PortInUse { port }
            } else {
                OutputError::Listen { port, error }
            }
        })?;
        let bound = listener
            .local_addr()
            .and_then(|address| listener.set_nonblocking(true).map(|()| address.port()))
            .map_err(|error| OutputError::Listen { port, error })?;
        Ok(Self {
            listener,
            port: bound,
            receivers: Vec::new(),
            size: None,
        })
    }

    /// The port receivers connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Receivers connected as of the last [`FrameSink::send`].
    pub fn receivers(&self) -> usize {
        self.receivers.len()
    }

    /// Takes every connection waiting in the listen queue. Never blocks; an accept error (say,
    /// out of file descriptors) just leaves the connection for a later frame.
    fn accept_new(&mut self) {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if stream.set_nonblocking(true).is_ok() {
                        self.receivers.push(Receiver {
                            stream,
                            pending: Vec::new(),
                            written: 0,
                        });
                    }
                }
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    }
}

impl FrameSink for StreamSink {
    fn describe(&self) -> String {
        let count = self.receivers.len();
        let plural = if count == 1 { "" } else { "s" };
        let format = match self.size {
            Some((width, height)) => format!(", raw RGBA {width}x{height}"),
            None => String::new(),
        };
        format!(
            "network stream on tcp://127.0.0.1:{} ({count} receiver{plural}{format})",
            self.port
        )
    }

    fn send(&mut self, frame: &Frame) -> Result<(), OutputError> {
        frame.check()?;
        let size = (frame.width, frame.height);
        if self.size != Some(size) {
            // A receiver was told the old size; carrying on would feed it garbage.
            self.receivers.clear();
            self.size = Some(size);
        }
        self.accept_new();
        self.receivers
            .retain_mut(|receiver| receiver.offer(frame.rgba));
        Ok(())
    }
}

impl Receiver {
    /// Finishes the previous frame as far as the socket allows, then starts `rgba` if that frame
    /// is done (otherwise `rgba` is skipped for this receiver). Returns false once the receiver
    /// has gone away.
    fn offer(&mut self, rgba: &[u8]) -> bool {
        if self.written < self.pending.len() {
            match write_available(&mut self.stream, &self.pending[self.written..]) {
                Some(n) => self.written += n,
                None => return false,
            }
            if self.written < self.pending.len() {
                return true;
            }
        }
        // Write straight from the frame; only what the socket does not take now is copied.
        let Some(n) = write_available(&mut self.stream, rgba) else {
            return false;
        };
        self.pending.clear();
        self.pending.extend_from_slice(&rgba[n..]);
        self.written = 0;
        true
    }
}

/// Writes as much of `bytes` as the socket takes without blocking. `None`: the peer is gone.
fn write_available(stream: &mut TcpStream, bytes: &[u8]) -> Option<usize> {
    let mut written = 0;
    while written < bytes.len() {
        match stream.write(&bytes[written..]) {
            Ok(0) => return None,
            Ok(n) => written += n,
            Err(error) if error.kind() == ErrorKind::WouldBlock => break,
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::time::{Duration, Instant};

    /// A `width` x `height` frame whose first and last 4 bytes hold `index` and whose other
    /// bytes follow a pattern of `index`, so a reader can tell frames apart and spot a desync.
    fn frame_bytes(index: u32, width: u32, height: u32) -> Vec<u8> {
        let mut bytes: Vec<u8> = (0..Frame::byte_len(width, height))
            .map(|i| (i as u32).wrapping_mul(31).wrapping_add(index) as u8)
            .collect();
        stamp(&mut bytes, index);
        bytes
    }

    fn stamp(bytes: &mut [u8], index: u32) {
        let n = bytes.len();
        bytes[..4].copy_from_slice(&index.to_le_bytes());
        bytes[n - 4..].copy_from_slice(&index.to_le_bytes());
    }

    fn send(sink: &mut StreamSink, width: u32, height: u32, rgba: &[u8]) {
        sink.send(&Frame {
            width,
            height,
            rgba,
        })
        .unwrap();
    }

    /// Sends `rgba` until the sink has `count` receivers (accepting happens in `send`).
    fn send_until_receivers(sink: &mut StreamSink, count: usize, width: u32, height: u32) {
        let rgba = frame_bytes(0, width, height);
        let deadline = Instant::now() + Duration::from_secs(10);
        while sink.receivers() != count {
            assert!(Instant::now() < deadline, "{}", sink.describe());
            send(sink, width, height, &rgba);
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn connect(sink: &StreamSink) -> TcpStream {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, sink.port())).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
    }

    #[test]
    fn a_taken_port_is_a_clear_error() {
        let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let error = StreamSink::bind(port).err().expect("the port is taken");
        assert!(
            matches!(error, OutputError::PortInUse { port: p } if p == port),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains(&format!("port {port}")), "{message}");
        assert!(message.contains("already in use"), "{message}");
        assert!(message.contains("Choose another stream port"), "{message}");
    }

    #[test]
    fn describes_its_address_receivers_and_format() {
        let mut sink = StreamSink::bind(0).unwrap();
        let port = sink.port();
        assert_ne!(port, 0);
        assert_eq!(
            sink.describe(),
            format!("network stream on tcp://127.0.0.1:{port} (0 receivers)")
        );
        let _a = connect(&sink);
        let _b = connect(&sink);
        send_until_receivers(&mut sink, 2, 4, 2);
        assert_eq!(
            sink.describe(),
            format!("network stream on tcp://127.0.0.1:{port} (2 receivers, raw RGBA 4x2)")
        );
    }

    #[test]
    fn a_receiver_that_never_reads_stalls_nothing_and_others_stay_frame_aligned() {
        const WIDTH: u32 = 1280;
        const HEIGHT: u32 = 720;
        const FRAMES: u32 = 300;
        let frame_len = Frame::byte_len(WIDTH, HEIGHT);
        let mut sink = StreamSink::bind(0).unwrap();
        let stalled = connect(&sink);
        send_until_receivers(&mut sink, 1, WIDTH, HEIGHT);

        // The second receiver joins mid-stream and checks every whole frame as it arrives:
        // each must be one we sent, intact, later than the one before. Closing the sink may cut
        // the frame in flight, so a partial frame is allowed only at the very end.
        let mut reader = connect(&sink);
        let base = frame_bytes(0, WIDTH, HEIGHT);
        let reading = std::thread::spawn(move || {
            let mut chunk = vec![0; frame_len];
            let mut indices = Vec::new();
            loop {
                let mut filled = 0;
                while filled < frame_len {
                    match reader.read(&mut chunk[filled..]).unwrap() {
                        0 => return indices,
                        n => filled += n,
                    }
                }
                let index = u32::from_le_bytes(chunk[..4].try_into().unwrap());
                let last = indices.last().copied().unwrap_or(0);
                assert!(
                    index > last && index <= FRAMES,
                    "frame {index} after {last}"
                );
                assert_eq!(
                    &chunk[frame_len - 4..],
                    &index.to_le_bytes(),
                    "frame {index}"
                );
                assert!(
                    chunk[4..frame_len - 4] == base[4..frame_len - 4],
                    "frame {index}"
                );
                indices.push(index);
            }
        });

        let mut rgba = frame_bytes(0, WIDTH, HEIGHT);
        let start = Instant::now();
        for index in 1..=FRAMES {
            stamp(&mut rgba, index);
            send(&mut sink, WIDTH, HEIGHT, &rgba);
        }
        let elapsed = start.elapsed();
        assert_eq!(sink.receivers(), 2, "the stalled receiver is still served");
        assert!(
            elapsed < Duration::from_secs(2),
            "{FRAMES} sends of a {WIDTH}x{HEIGHT} frame took {elapsed:?}"
        );
        drop(sink);
        drop(stalled);
        let indices = reading.join().unwrap();
        assert!(!indices.is_empty(), "the reading receiver got whole frames");
    }

    #[test]
    fn a_size_change_disconnects_receivers_and_new_ones_get_the_new_size() {
        let mut sink = StreamSink::bind(0).unwrap();
        let mut old = connect(&sink);
        send_until_receivers(&mut sink, 1, 4, 4);
        let small = frame_bytes(7, 4, 4);
        send(&mut sink, 4, 4, &small);

        let large = frame_bytes(8, 8, 8);
        send(&mut sink, 8, 8, &large);
        assert_eq!(sink.receivers(), 0);
        let mut received = Vec::new();
        old.read_to_end(&mut received).unwrap();
        assert_eq!(received.len() % Frame::byte_len(4, 4), 0);
        assert_eq!(&received[received.len() - small.len()..], small.as_slice());

        let mut new = connect(&sink);
        send_until_receivers(&mut sink, 1, 8, 8);
        let mut first = vec![0; Frame::byte_len(8, 8)];
        new.read_exact(&mut first).unwrap();
        assert_eq!(first, frame_bytes(0, 8, 8));
    }

    #[test]
    fn receivers_that_leave_are_dropped_silently() {
        let mut sink = StreamSink::bind(0).unwrap();
        let leaving = connect(&sink);
        send_until_receivers(&mut sink, 1, 16, 16);
        drop(leaving);
        let rgba = frame_bytes(1, 16, 16);
        let deadline = Instant::now() + Duration::from_secs(10);
        while sink.receivers() != 0 {
            assert!(Instant::now() < deadline, "the closed receiver is dropped");
            send(&mut sink, 16, 16, &rgba);
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn a_wrong_sized_buffer_is_rejected() {
        let mut sink = StreamSink::bind(0).unwrap();
        let error = sink
            .send(&Frame {
                width: 4,
                height: 4,
                rgba: &[0; 10],
            })
            .expect_err("10 bytes is not 4x4 RGBA");
        assert!(matches!(error, OutputError::BadFrame { .. }), "{error:?}");
    }
}
