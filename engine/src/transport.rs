//! Host transport shared from the audio thread to the engine thread through atomics.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What the host told us about its transport in the latest block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HostTransport {
    /// Tempo in beats per minute, when the host reports one.
    pub tempo_bpm: Option<f64>,
    /// Position in quarter notes since the start of the song, when the host reports one.
    pub beat_position: Option<f64>,
    /// Whether the host's transport is playing.
    pub playing: bool,
}

/// Lock-free mailbox for [`HostTransport`]; written by the audio thread, read by the engine.
/// Fields may be read from two different blocks; each is still a value the host sent.
#[derive(Debug, Default)]
pub struct SharedTransport {
    /// f64 bits; NaN means "not reported".
    tempo_bpm: AtomicU64,
    /// f64 bits; NaN means "not reported".
    beat_position: AtomicU64,
    playing: AtomicBool,
}

fn store_optional(slot: &AtomicU64, value: Option<f64>) {
    let value = value.filter(|v| v.is_finite()).unwrap_or(f64::NAN);
    slot.store(value.to_bits(), Ordering::Relaxed);
}

fn load_optional(slot: &AtomicU64) -> Option<f64> {
    Some(f64::from_bits(slot.load(Ordering::Relaxed))).filter(|v| !v.is_nan())
}

impl SharedTransport {
    pub fn new() -> Self {
        let shared = Self::default();
        shared.publish(HostTransport {
            tempo_bpm: None,
            beat_position: None,
            playing: false,
        });
        shared
    }

    /// Real-time safe: three relaxed stores.
    #[inline]
    pub fn publish(&self, transport: HostTransport) {
        store_optional(&self.tempo_bpm, transport.tempo_bpm.filter(|t| *t > 0.0));
        store_optional(&self.beat_position, transport.beat_position);
        self.playing.store(transport.playing, Ordering::Relaxed);
    }

    pub fn load(&self) -> HostTransport {
        HostTransport {
            tempo_bpm: load_optional(&self.tempo_bpm),
            beat_position: load_optional(&self.beat_position),
            playing: self.playing.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_nonsense() {
        let shared = SharedTransport::new();
        assert_eq!(shared.load().tempo_bpm, None);
        shared.publish(HostTransport {
            tempo_bpm: Some(128.0),
            beat_position: Some(3.5),
            playing: true,
        });
        assert_eq!(
            shared.load(),
            HostTransport {
                tempo_bpm: Some(128.0),
                beat_position: Some(3.5),
                playing: true
            }
        );
        shared.publish(HostTransport {
            tempo_bpm: Some(f64::INFINITY),
            beat_position: Some(f64::NAN),
            playing: false,
        });
        assert_eq!(shared.load().tempo_bpm, None);
        assert_eq!(shared.load().beat_position, None);
    }
}
