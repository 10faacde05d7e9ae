//! Lock-free single-producer / single-consumer sample ring that drops the *oldest* samples when
//! the consumer falls behind.
//!
//! NOTE: `rtrb` and `ringbuf` are the maintained SPSC rings, but both make the producer fail (drop
//! the newest samples) when full; overwriting from the producer side needs the consumer's cursor,
//! which their split halves do not share. The visuals want the *latest* audio, so this ring lets
//! the producer always write and lets the consumer detect what was overwritten (seqlock style):
//! the producer announces the range it is about to write (`claimed`) before writing it and
//! publishes it (`written`) afterwards; the consumer discards any sample the writer may have
//! touched while it was copying. Samples are stored as `AtomicU32` bit patterns, so a race is never
//! undefined behaviour, only a discarded sample.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};

struct Shared {
    /// Sample bit patterns; length is a power of two.
    slots: Box<[AtomicU32]>,
    /// Total samples the producer has started writing (monotonic).
    claimed: AtomicU64,
    /// Total samples the producer has finished writing (monotonic).
    written: AtomicU64,
}

/// Creates a ring holding at least `min_capacity` samples. Allocates; call off the audio thread.
pub fn audio_ring(min_capacity: usize) -> (RingWriter, RingReader) {
    let capacity = min_capacity.max(2).next_power_of_two();
    let shared = Arc::new(Shared {
        slots: (0..capacity).map(|_| AtomicU32::new(0)).collect(),
        claimed: AtomicU64::new(0),
        written: AtomicU64::new(0),
    });
    (
        RingWriter {
            shared: shared.clone(),
            position: 0,
        },
        RingReader {
            shared,
            position: 0,
            dropped: 0,
        },
    )
}

/// The audio-thread end. `push_block` never allocates, locks or waits.
pub struct RingWriter {
    shared: Arc<Shared>,
    /// Samples written so far (mirrors `written`, owned by this thread).
    position: u64,
}

impl RingWriter {
    /// Writes `len` samples produced by `sample(i)` for `i` in `0..len`. When `len` exceeds the
    /// capacity only the last `capacity` samples are kept.
    #[inline]
    pub fn push_block(&mut self, len: usize, mut sample: impl FnMut(usize) -> f32) {
        let slots = &self.shared.slots;
        let mask = slots.len() - 1;
        let skip = len.saturating_sub(slots.len());
        let start = self.position + skip as u64;
        let end = self.position + len as u64;
        self.shared.claimed.store(end, Ordering::Relaxed);
        // Orders the claim before the slot stores below, so a reader that sees a new slot value
        // also sees the claim covering it.
        fence(Ordering::Release);
        for (offset, index) in (start..end).enumerate() {
            let value = sample(skip + offset);
            slots[index as usize & mask].store(value.to_bits(), Ordering::Relaxed);
        }
        self.shared.written.store(end, Ordering::Release);
        self.position = end;
    }
}

/// The engine-thread end.
pub struct RingReader {
    shared: Arc<Shared>,
    /// Next sample index this reader wants.
    position: u64,
    /// Samples lost because the reader fell behind (total).
    dropped: u64,
}

impl RingReader {
    /// Capacity in samples.
    pub fn capacity(&self) -> usize {
        self.shared.slots.len()
    }

    /// Total samples lost so far because the writer overwrote them before they were read.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Appends every sample that arrived since the last call to `out`, oldest first, and returns
    /// how many were appended.
    pub fn read_into(&mut self, out: &mut Vec<f32>) -> usize {
        let slots = &self.shared.slots;
        let capacity = slots.len() as u64;
        let mask = slots.len() - 1;
        let written = self.shared.written.load(Ordering::Acquire);
        let start = self.position.max(written.saturating_sub(capacity));
        let first_new = out.len();
        out.extend(
            (start..written)
                .map(|i| f32::from_bits(slots[i as usize & mask].load(Ordering::Relaxed))),
        );
        // Pairs with the writer's release fence: any slot value we copied that came from a later
        // block is covered by the claim we read now.
        fence(Ordering::Acquire);
        let claimed = self.shared.claimed.load(Ordering::Relaxed);
        let valid_from = start.max(claimed.saturating_sub(capacity)).min(written);
        let torn = (valid_from - start) as usize;
        out.drain(first_new..first_new + torn);
        self.dropped += valid_from - self.position;
        self.position = written;
        (written - valid_from) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivers_samples_in_order() {
        let (mut writer, mut reader) = audio_ring(16);
        writer.push_block(5, |i| i as f32);
        writer.push_block(3, |i| 10.0 + i as f32);
        let mut out = Vec::new();
        assert_eq!(reader.read_into(&mut out), 8);
        assert_eq!(out, vec![0.0, 1.0, 2.0, 3.0, 4.0, 10.0, 11.0, 12.0]);
        assert_eq!(reader.read_into(&mut out), 0);
        assert_eq!(reader.dropped(), 0);
    }

    #[test]
    fn drops_oldest_when_reader_falls_behind() {
        let (mut writer, mut reader) = audio_ring(8);
        for block in 0..5 {
            writer.push_block(4, |i| (block * 4 + i) as f32);
        }
        let mut out = Vec::new();
        assert_eq!(reader.read_into(&mut out), 8);
        assert_eq!(out, (12..20).map(|i| i as f32).collect::<Vec<_>>());
        assert_eq!(reader.dropped(), 12);
    }

    #[test]
    fn block_larger_than_capacity_keeps_its_tail() {
        let (mut writer, mut reader) = audio_ring(4);
        writer.push_block(10, |i| i as f32);
        let mut out = Vec::new();
        reader.read_into(&mut out);
        assert_eq!(out, vec![6.0, 7.0, 8.0, 9.0]);
        assert_eq!(reader.dropped(), 6);
    }

    #[test]
    fn concurrent_reader_sees_a_gapless_increasing_suffix() {
        let (mut writer, mut reader) = audio_ring(256);
        let total = 200_000u32;
        let producer = std::thread::spawn(move || {
            let mut next = 0u32;
            while next < total {
                let len = 37.min((total - next) as usize);
                writer.push_block(len, |i| (next + i as u32) as f32);
                next += len as u32;
            }
        });
        let mut out = Vec::new();
        let mut last: Option<f32> = None;
        let mut received = 0u64;
        loop {
            // Checked before reading, so a block written after this read is not missed.
            let producer_done = producer.is_finished();
            out.clear();
            received += reader.read_into(&mut out) as u64;
            // Within one read, samples are consecutive integers; across reads they increase.
            for pair in out.windows(2) {
                assert_eq!(pair[1], pair[0] + 1.0);
            }
            if let (Some(prev), Some(first)) = (last, out.first()) {
                assert!(*first > prev);
            }
            if let Some(l) = out.last() {
                last = Some(*l);
            }
            if producer_done && out.is_empty() {
                break;
            }
        }
        producer.join().unwrap();
        assert_eq!(received + reader.dropped(), total as u64);
        assert_eq!(last, Some((total - 1) as f32));
    }
}
