//! The streaming dataset: background workers render clips, analyse them with the engine's own
//! feature extractor, and cut (log-mel context window, visualizer frame, style label) samples,
//! so training never waits on generation. Seeded and reproducible: clip `i` of a stream always
//! comes from the same seed, and samples arrive in the same order whatever the thread timing.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use synesthete_engine::features::FeatureConfig;
use synesthete_engine::features::analyzer::{FeatureFrame, analyze_clip};
use synesthete_engine::features::window::mel_window;

use super::cache;
use super::music::{self, SongSpec};
use super::visualizers::{self, ALL_FAMILIES, Family, Frame, Style, VisualInput};

/// Samples of audio the waveform visualizer sees (about 23 ms at 22.05 kHz).
const WAVEFORM_SAMPLES: usize = 512;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DataConfig {
    /// Base seed; clip `i` uses `seed + i`.
    pub seed: u64,
    /// Seconds rendered per clip.
    pub clip_seconds: f32,
    /// Log-mel frames in the audio context window (128 frames = 1.49 s at the default hop).
    pub context_frames: usize,
    /// Training samples cut from each clip.
    pub samples_per_clip: usize,
    /// Background worker threads.
    pub workers: usize,
    /// Samples buffered per worker.
    pub queue_per_worker: usize,
    /// Size of the shuffle pool samples are drawn from at random. Consecutive samples of one
    /// clip share its style; drawing from a pool of many clips decorrelates a batch at no extra
    /// rendering cost. 0 keeps clip order.
    #[serde(default)]
    pub shuffle_samples: usize,
    /// Optional on-disk cache of rendered clips (see [`super::cache`]); `None` renders every
    /// clip afresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_dir: Option<PathBuf>,
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            clip_seconds: 6.0,
            context_frames: 128,
            samples_per_clip: 8,
            workers: 2,
            queue_per_worker: 64,
            shuffle_samples: 128,
            cache_dir: None,
        }
    }
}

/// The true factors behind a sample (for metrics and plots).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Factors {
    pub clip_seed: u64,
    pub kind: music::ClipKind,
    pub bpm: f32,
    pub key: u8,
    pub loudness_db: f32,
    pub section: music::Section,
    pub mix: [f32; 4],
    /// RMS of the audio at the sample's frame.
    pub rms: f32,
    /// Onset strength (spectral flux) at the sample's frame.
    pub onset: f32,
}

/// One training example.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sample {
    /// Normalised log-mel, `[n_mels][context_frames]` row-major (band-major), values in [-1, 1].
    pub mel: Vec<f32>,
    /// CHW RGB in [0, 1], 3 x 128 x 128.
    pub image: Frame,
    pub family: Family,
    pub factors: Factors,
    /// Seconds into the clip.
    pub time_s: f32,
}

/// The samples of clip `clip_index` of the stream `config` describes: read from the cache when
/// one is configured and holds the clip, rendered (and cached) otherwise.
pub fn samples_for_clip(config: &DataConfig, clip_index: u64) -> Vec<Sample> {
    let seed = config.seed.wrapping_add(clip_index);
    let Some(root) = &config.cache_dir else {
        return render_clip(config, seed);
    };
    let dir = cache::directory(root, config);
    match cache::load(&dir, config, seed) {
        Ok(Some(samples)) => return samples,
        Ok(None) => {}
        Err(e) => eprintln!("data cache: {e}; rendering the clip again"),
    }
    let samples = render_clip(config, seed);
    if let Err(e) = cache::store(&dir, seed, &samples) {
        eprintln!("data cache: {e}; training goes on without caching this clip");
    }
    samples
}

/// Renders the clip of `seed` and cuts its samples.
fn render_clip(config: &DataConfig, seed: u64) -> Vec<Sample> {
    let (clip, mut rng) = RenderedClip::render(seed, config.clip_seconds);
    let first = config.context_frames.saturating_sub(1);
    if clip.frames.len() <= first {
        return Vec::new();
    }
    (0..config.samples_per_clip)
        .map(|_| {
            let end = rng.random_range(first..clip.frames.len());
            clip.sample_at(config, end)
        })
        .collect()
}

/// Consecutive samples of clip `clip_index` at `fps` frames per second, from the first moment a
/// whole context window is available to the end of the clip (for sync and flicker metrics).
pub fn clip_sequence(config: &DataConfig, clip_index: u64, fps: f32) -> Vec<Sample> {
    let seed = config.seed.wrapping_add(clip_index);
    let (clip, _) = RenderedClip::render(seed, config.clip_seconds);
    let first = config.context_frames.saturating_sub(1);
    let Some(start) = clip.frames.get(first).map(|f| f.time_s) else {
        return Vec::new();
    };
    let hop_s = clip.frames[1].time_s - clip.frames[0].time_s;
    let mut samples = Vec::new();
    for k in 0.. {
        let time = start + k as f64 / fps as f64;
        let end = first + ((time - start) / hop_s).round() as usize;
        if end >= clip.frames.len() {
            break;
        }
        samples.push(clip.sample_at(config, end));
    }
    samples
}

/// One clip's audio, its analysis and its visual style.
struct RenderedClip {
    seed: u64,
    spec: SongSpec,
    clip: music::Clip,
    frames: Vec<FeatureFrame>,
    family: Family,
    style: Style,
}

impl RenderedClip {
    /// The clip and the random stream its samples are cut with.
    fn render(seed: u64, clip_seconds: f32) -> (Self, ChaCha8Rng) {
        let features = FeatureConfig::default();
        let spec = SongSpec::from_seed(seed);
        let clip = music::render(&spec, features.sample_rate, clip_seconds);
        let frames = analyze_clip(&clip.samples, clip.sample_rate, features)
            .expect("default feature config is valid");
        let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9));
        let family = ALL_FAMILIES[rng.random_range(0..ALL_FAMILIES.len())];
        let style = Style::random(family, rng.random());
        let rendered = Self {
            seed,
            spec,
            clip,
            frames,
            family,
            style,
        };
        (rendered, rng)
    }

    /// The sample whose context window ends at analysis frame `end`.
    fn sample_at(&self, config: &DataConfig, end: usize) -> Sample {
        let n_mels = FeatureConfig::default().n_mels;
        let mut mel = vec![0.0; n_mels * config.context_frames];
        mel_window(&self.frames, end, config.context_frames, &mut mel);
        let current = &self.frames[end];
        let audio = &self.clip;
        let sample_end =
            ((current.time_s * audio.sample_rate as f64) as usize).min(audio.samples.len());
        let waveform = &audio.samples[sample_end.saturating_sub(WAVEFORM_SAMPLES)..sample_end];
        let time_s = current.time_s as f32;
        let image = visualizers::render(
            &self.style,
            &VisualInput {
                features: current,
                waveform,
                time_s,
            },
        );
        let spec = &self.spec;
        Sample {
            mel,
            image,
            family: self.family,
            factors: Factors {
                clip_seed: self.seed,
                kind: spec.kind,
                bpm: spec.bpm,
                key: spec.key,
                loudness_db: spec.loudness_db,
                section: spec.section_at(time_s),
                mix: spec.mix,
                rms: current.rms,
                onset: current.flux,
            },
            time_s,
        }
    }
}

/// An endless, reproducible stream of samples produced on background threads.
pub struct DataStream {
    /// One channel per worker; each message is one clip's samples.
    receivers: Vec<Receiver<Vec<Sample>>>,
    next_worker: usize,
    /// Samples taken from the clips, waiting to be drawn.
    pool: Vec<Sample>,
    /// Samples the pool holds before each draw (at least 1).
    pool_target: usize,
    /// Draws from the pool; seeded from the stream seed so the order is reproducible.
    shuffle: ChaCha8Rng,
    workers: Vec<JoinHandle<()>>,
    /// Clips sent by the workers / taken by the consumer (for `buffered_clips`).
    produced: Arc<AtomicU64>,
    consumed: u64,
    capacity_clips: usize,
}

impl DataStream {
    pub fn new(config: DataConfig) -> Self {
        let worker_count = config.workers.max(1);
        let clips_buffered = config
            .queue_per_worker
            .div_ceil(config.samples_per_clip.max(1))
            .max(1);
        let mut receivers = Vec::new();
        let mut workers = Vec::new();
        let produced = Arc::new(AtomicU64::new(0));
        for worker in 0..worker_count {
            let (sender, receiver) = sync_channel(clips_buffered);
            receivers.push(receiver);
            let config = config.clone();
            let produced = produced.clone();
            workers.push(
                std::thread::Builder::new()
                    .name(format!("data-worker-{worker}"))
                    .spawn(move || {
                        produce(config, worker as u64, worker_count as u64, sender, produced)
                    })
                    .expect("spawning a data worker thread"),
            );
        }
        Self {
            receivers,
            next_worker: 0,
            pool: Vec::new(),
            pool_target: config.shuffle_samples.max(1),
            shuffle: ChaCha8Rng::seed_from_u64(config.seed ^ 0x5348_5546),
            workers,
            produced,
            consumed: 0,
            capacity_clips: clips_buffered * worker_count,
        }
    }

    /// Clips generated and waiting in the queues.
    pub fn buffered_clips(&self) -> usize {
        (self.produced.load(Ordering::Relaxed) - self.consumed) as usize
    }

    /// How many clips the queues hold when full.
    pub fn capacity_clips(&self) -> usize {
        self.capacity_clips
    }

    /// Worker k owns clips k, k + n, k + 2n, ...; taking clips from the workers in turn keeps
    /// the order independent of thread timing.
    fn next_clip(&mut self, block: bool) -> Option<Vec<Sample>> {
        let receiver = &self.receivers[self.next_worker];
        let clip = if block {
            Some(
                receiver
                    .recv()
                    .expect("data workers run until the stream is dropped"),
            )
        } else {
            receiver.try_recv().ok()
        }?;
        self.next_worker = (self.next_worker + 1) % self.receivers.len();
        self.consumed += 1;
        Some(clip)
    }

    /// The next sample; blocks only if the workers are behind.
    pub fn next_sample(&mut self) -> Sample {
        while self.pool.len() < self.pool_target {
            let clip = self
                .next_clip(true)
                .expect("blocking receive yields a clip");
            self.pool.extend(clip);
        }
        self.draw()
    }

    /// The next sample if one is already generated, without waiting.
    pub fn try_next_sample(&mut self) -> Option<Sample> {
        while self.pool.len() < self.pool_target {
            let clip = self.next_clip(false)?;
            self.pool.extend(clip);
        }
        Some(self.draw())
    }

    /// Takes a random sample from the full pool (the oldest one when shuffling is off).
    fn draw(&mut self) -> Sample {
        if self.pool_target == 1 {
            return self.pool.remove(0);
        }
        let index = self.shuffle.random_range(0..self.pool.len());
        self.pool.swap_remove(index)
    }

    pub fn next_batch(&mut self, size: usize) -> Vec<Sample> {
        (0..size).map(|_| self.next_sample()).collect()
    }
}

impl Drop for DataStream {
    fn drop(&mut self) {
        // Dropping the receivers makes every worker's next send fail, which ends it.
        self.receivers.clear();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

fn produce(
    config: DataConfig,
    first: u64,
    stride: u64,
    sender: SyncSender<Vec<Sample>>,
    produced: Arc<AtomicU64>,
) {
    let mut clip = first;
    loop {
        let samples = samples_for_clip(&config, clip);
        // Counted before sending: a clip in flight is about to be buffered.
        produced.fetch_add(1, Ordering::Relaxed);
        if sender.send(samples).is_err() {
            return;
        }
        clip += stride;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn tiny() -> DataConfig {
        DataConfig {
            seed: 11,
            clip_seconds: 2.5,
            context_frames: 64,
            samples_per_clip: 4,
            workers: 2,
            queue_per_worker: 16,
            shuffle_samples: 0,
            cache_dir: None,
        }
    }

    #[test]
    fn samples_have_the_contracted_shapes() {
        let samples = samples_for_clip(&tiny(), 0);
        assert_eq!(samples.len(), 4);
        for s in &samples {
            assert_eq!(s.mel.len(), 80 * 64);
            assert!(s.mel.iter().all(|v| (-1.0..=1.0).contains(v)));
            assert_eq!(s.image.data.len(), 3 * 128 * 128);
        }
    }

    #[test]
    fn stream_is_reproducible_regardless_of_thread_timing() {
        let signature = |workers: usize| -> Vec<(u64, f32)> {
            let mut stream = DataStream::new(DataConfig { workers, ..tiny() });
            stream
                .next_batch(24)
                .iter()
                .map(|s| (s.factors.clip_seed, s.time_s))
                .collect()
        };
        let two = signature(2);
        assert_eq!(two, signature(2));
        // Different clips appear in order.
        let mut clips: Vec<u64> = two.iter().map(|s| s.0).collect();
        clips.dedup();
        assert_eq!(clips, (11..17).collect::<Vec<_>>());
    }

    #[test]
    fn a_clip_sequence_steps_at_the_frame_rate() {
        let sequence = clip_sequence(&tiny(), 0, 30.0);
        // 2.5 s clip minus a 64-frame (0.74 s) window: about 1.75 s at 30 fps.
        assert!((50..=54).contains(&sequence.len()), "{}", sequence.len());
        let hop = 256.0 / 22050.0;
        for pair in sequence.windows(2) {
            let dt = pair[1].time_s - pair[0].time_s;
            assert!((dt - 1.0 / 30.0).abs() <= hop + 1e-4, "step {dt}");
            assert_eq!(pair[0].factors.clip_seed, pair[1].factors.clip_seed);
        }
        assert!(sequence.iter().any(|s| s.factors.onset > 0.0));
    }

    #[test]
    fn a_shuffled_batch_mixes_clips_reproducibly() {
        let shuffled = || {
            let mut stream = DataStream::new(DataConfig {
                shuffle_samples: 32,
                ..tiny()
            });
            stream
                .next_batch(16)
                .iter()
                .map(|s| (s.factors.clip_seed, s.time_s))
                .collect::<Vec<_>>()
        };
        let batch = shuffled();
        assert_eq!(batch, shuffled());
        let mut clips: Vec<u64> = batch.iter().map(|s| s.0).collect();
        clips.sort();
        clips.dedup();
        // In clip order 16 samples span 4 clips of 4; drawn from a pool of 8 clips they span more.
        assert!(clips.len() > 4, "batch drew from clips {clips:?}");
    }

    #[test]
    fn a_warm_stream_serves_a_batch_without_waiting() {
        // Once the workers have filled their queues, a training batch comes straight from the
        // buffer; the generation throughput itself is reported by `trainer data bench`.
        let mut stream = DataStream::new(DataConfig {
            queue_per_worker: 32,
            ..tiny()
        });
        let deadline = Instant::now() + std::time::Duration::from_secs(120);
        while stream.buffered_clips() < stream.capacity_clips() {
            assert!(
                Instant::now() < deadline,
                "workers never filled their queues"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        for i in 0..32 {
            assert!(
                stream.try_next_sample().is_some(),
                "sample {i} of a warm batch was not ready"
            );
        }
    }
}
