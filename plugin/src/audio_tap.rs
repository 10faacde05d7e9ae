//! The audio-thread side: copies the host's audio into the engine's ring and publishes the
//! transport. Real-time safe: no allocation, lock, syscall or log.

use nice_plug::prelude::Transport;
use synesthete_engine::ring::RingWriter;
use synesthete_engine::transport::{HostTransport, SharedTransport};

/// Pushes the mono mix of `channels` into the ring.
#[inline]
pub fn push_mono_mix(writer: &mut RingWriter, channels: &[&mut [f32]], samples: usize) {
    if channels.is_empty() {
        return;
    }
    let scale = 1.0 / channels.len() as f32;
    writer.push_block(samples, |i| {
        channels.iter().map(|c| c[i]).sum::<f32>() * scale
    });
}

/// Flushes subnormal samples to zero. Everything else passes through bit for bit; subnormals
/// are below -758 dBFS and some hosts and validators treat them as errors.
#[inline]
pub fn flush_subnormals(channels: &mut [&mut [f32]]) {
    for sample in channels.iter_mut().flat_map(|c| c.iter_mut()) {
        if sample.is_subnormal() {
            *sample = 0.0;
        }
    }
}

#[inline]
pub fn publish_transport(shared: &SharedTransport, transport: &Transport) {
    shared.publish(HostTransport {
        tempo_bpm: transport.tempo,
        beat_position: transport.pos_beats(),
        playing: transport.playing,
    });
}
