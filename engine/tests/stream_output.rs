//! The network stream output read by an unrelated program: ffmpeg connects to the stream as a
//! TCP client, decodes it as raw RGBA video and writes N frames; every one of them must be,
//! byte for byte, a frame this test sent, and they must be consecutive.

use std::io::Read;
use std::net::{Ipv4Addr, TcpListener};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use synesthete_engine::output::{self, Frame, OutputRoute};

const WIDTH: u32 = 64;
const HEIGHT: u32 = 48;
/// Frames ffmpeg writes before it exits.
const FRAMES: usize = 12;

/// Frame `index`: its index in the first 4 bytes, then a gradient that moves with the index.
fn frame_bytes(index: u32) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(Frame::byte_len(WIDTH, HEIGHT));
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            bytes.extend_from_slice(&[
                (x * 4 + index) as u8,
                (y * 5 + index * 3) as u8,
                ((x + y) * 2 + index * 7) as u8,
                255 - (index % 200) as u8,
            ]);
        }
    }
    bytes[..4].copy_from_slice(&index.to_le_bytes());
    bytes
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn ffmpeg_receives_whole_consecutive_frames_from_the_stream() {
    let ffmpeg_found = Command::new("ffmpeg")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        ffmpeg_found,
        "ffmpeg is not installed: run scripts/setup.sh (it installs ffmpeg, the unrelated program \
         this test proves the stream output with)"
    );

    let port = free_port();
    let mut sink = output::open(&OutputRoute::Stream { port }).unwrap();
    let input = format!("tcp://127.0.0.1:{port}");
    let video_size = format!("{WIDTH}x{HEIGHT}");
    #[rustfmt::skip]
    let mut ffmpeg = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin"])
        .args(["-f", "rawvideo", "-pixel_format", "rgba", "-video_size", &video_size])
        .args(["-framerate", "30", "-i", &input])
        .args(["-frames:v", &FRAMES.to_string(), "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ffmpeg starts");
    // Drain both pipes on threads so ffmpeg never blocks on a full pipe.
    let mut stdout = ffmpeg.stdout.take().unwrap();
    let received = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        stdout.read_to_end(&mut bytes).map(|_| bytes)
    });
    let mut stderr = ffmpeg.stderr.take().unwrap();
    let messages = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    // Send a new frame every 20 ms until ffmpeg has its frames and exits.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut sent = 0u32;
    let status = loop {
        if let Some(status) = ffmpeg.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = ffmpeg.kill();
            let _ = ffmpeg.wait();
            panic!(
                "ffmpeg did not finish within 60 s ({sent} frames sent, sink: {}): {}",
                sink.describe(),
                messages.join().unwrap()
            );
        }
        let rgba = frame_bytes(sent);
        sink.send(&Frame {
            width: WIDTH,
            height: HEIGHT,
            rgba: &rgba,
        })
        .unwrap();
        sent += 1;
        std::thread::sleep(Duration::from_millis(20));
    };
    let messages = messages.join().unwrap();
    assert!(status.success(), "ffmpeg failed ({status}): {messages}");
    let received = received.join().unwrap().unwrap();

    let frame_len = Frame::byte_len(WIDTH, HEIGHT);
    assert_eq!(
        received.len(),
        FRAMES * frame_len,
        "ffmpeg wrote {} bytes, not {FRAMES} frames of {WIDTH}x{HEIGHT} RGBA ({sent} sent)",
        received.len()
    );
    // ffmpeg may have connected mid-stream: find each frame by the index it carries.
    let indices: Vec<u32> = received
        .chunks_exact(frame_len)
        .map(|frame| {
            let index = u32::from_le_bytes(frame[..4].try_into().unwrap());
            assert!(
                index < sent,
                "ffmpeg produced frame {index}; only {sent} were sent"
            );
            assert!(
                frame == frame_bytes(index).as_slice(),
                "frame {index} as ffmpeg decoded it differs from the frame sent"
            );
            index
        })
        .collect();
    let first = indices[0];
    let consecutive: Vec<u32> = (first..first + FRAMES as u32).collect();
    assert_eq!(indices, consecutive, "ffmpeg saw consecutive frames");
}
