//! A minimal but real CLAP host for integration tests, built on `clack-host` 0.2.
//!
//! Use it from a test file with `mod common;` (where `tests/common/mod.rs` contains
//! `pub mod clap_host;`) and then `common::clap_host::ClapHost::load(path)`.
//!
//! # What it does
//!
//! * Loads a `.clap` file, instantiates the *first* plugin of its plugin factory.
//! * Offers the host extensions `log`, `params`, `state`, `audio-ports` and `gui` to the plugin.
//! * Activates / deactivates (repeatably, with any sample rate and block size), processes
//!   blocks of `f32` audio with parameter-value events and a transport (tempo, playing).
//! * Reads parameter info and values, flushes parameter events, saves and loads state.
//! * Drives the plugin's main-thread callback requests (`request_callback` ->
//!   `clap_plugin::on_main_thread`) after every operation, like a real host's event loop.
//! * Offers the host `gui` extension and embeds the plugin's GUI (X11 API, not floating) into a
//!   host window: [`ClapHost::gui_open`], [`ClapHost::gui_close`], [`ClapHost::gui_set_size`]
//!   and friends. Use it with `common::x11` (an `Xvfb` server and a `ParentWindow` with XTEST
//!   input and screenshots). nice-plug GUIs (baseview) run their own X11 event thread and ask for
//!   main-thread work with `request_callback`; keep calling [`ClapHost::pump_main_thread`] (or any
//!   other operation, they all pump) while the GUI is open, e.g. every ~10 ms.
//! * Can run audio *continuously* on a background audio thread
//!   ([`ClapHost::start_background_audio`] / [`ClapHost::stop_background_audio`]) while the test's
//!   thread (the CLAP main thread) drives the GUI; the report has per-block `process()` timings and
//!   a bit-exact output comparison.
//!
//! # Threading
//!
//! A `ClapHost` is `!Send`: the thread that calls [`ClapHost::load`] is the CLAP *main thread* for
//! that instance (nice-plug records `thread::current().id()` when the instance is created and
//! compares against it, because this host does not offer `thread-check`). Each Rust test runs on
//! its own thread, so create, use and drop the host inside one test.
//!
//! By default every `process` call (and `start/stop_processing`, active `flush`) is run on a
//! short-lived scoped *audio thread* (one `thread::spawn` per call, ~tens of microseconds), so the
//! plugin sees a real main/audio thread split: e.g. nice-plug then queues GUI-thread tasks and
//! calls `request_callback`, which this host answers by calling `on_main_thread` after the block.
//! Call [`ClapHost::set_separate_audio_thread`]`(false)` to process on the calling thread instead
//! (faster, e.g. for benchmarks; nice-plug then runs its main-thread tasks inline).
//!
//! With [`ClapHost::start_background_audio`] one long-lived audio thread takes over the plugin's
//! audio processor and processes blocks back to back (optionally paced at the real-time rate) until
//! [`ClapHost::stop_background_audio`]. Meanwhile every *main-thread* method keeps working
//! (`gui_*`, `pump_main_thread`, `param_value`, `params`, `save_state`, ...), while the
//! audio-thread ones (`process*`, `flush_params`) return `Err`. `deactivate` and `Drop` stop it.
//!
//! # GUI
//!
//! The host window must outlive the plugin GUI: call [`ClapHost::gui_close`] (or drop the host)
//! *before* the parent window is destroyed and before the X server goes away. Host callbacks are
//! recorded, not acted upon: `request_resize` is accepted (returns `true`) and its size recorded
//! ([`ClapHost::gui_requested_sizes`]); resizing the parent accordingly is up to the test.
//! `request_show` / `request_hide` are accepted, `closed` is recorded
//! ([`ClapHost::gui_closed_events`]).
//!
//! # nice-plug specifics (verified against nice-plug 0.4.2 `src/wrapper/clap/wrapper.rs`)
//!
//! * **Parameter ids**: the CLAP id is a hash of the parameter's string id:
//!   `h = h.wrapping_mul(31).wrapping_add(byte)` over the UTF-8 bytes, then **the top bit is
//!   cleared** (`h & 0x7fff_ffff`, a VST3 restriction). See [`nice_param_hash`].
//! * **Parameter values** are *not* plain values: every parameter crosses CLAP as its
//!   **normalized value multiplied by its step count**. Continuous (`FloatParam`) parameters
//!   therefore have range `[0, 1]` (normalized), stepped ones (`IntParam`, `BoolParam`,
//!   `EnumParam`) have range `[0, step_count]` (e.g. `IntParam` `0..=4` -> `[0, 4]`, a bool ->
//!   `[0, 1]`, flagged `CLAP_PARAM_IS_STEPPED`). `min`/`max`/`default` from [`ClapHost::params`],
//!   [`ClapHost::param_value`] (which reports the *modulated* value) and the values you send in
//!   events all use this scale. Converting to plain units needs the plugin's own ranges.
//! * **State** written through the CLAP `state` extension is an 8-byte little-endian `u64`
//!   length followed by that many bytes of JSON (`{"version":..,"params":{..},"fields":{..}}`).
//!   Loading rejects a short header, a length above 256 MiB, or invalid JSON (returns `false`,
//!   which surfaces here as `Err`). A successful load makes nice-plug call `params.rescan(VALUES)`
//!   (counted in [`ClapHost::param_rescan_count`]).
//! * nice-plug does **not** use the host `log` extension (it logs through `tracing` to stderr /
//!   `NICE_LOG`), so [`ClapHost::log_messages`] stays empty for nice-plug plugins.
//! * Without `SAMPLE_ACCURATE_AUTOMATION`, nice-plug applies all parameter events of a block before
//!   processing it (the sample offset is ignored); with it, the block is split at each event.

#![allow(dead_code)]

use std::cell::Cell;
use std::ffi::{CString, c_ulong};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use clack_extensions::audio_ports::{
    AudioPortInfoBuffer, AudioPortRescanFlags, HostAudioPorts, HostAudioPortsImpl, PluginAudioPorts,
};
use clack_extensions::gui::{
    GuiApiType, GuiConfiguration, GuiSize, HostGui, HostGuiImpl, PluginGui, Window as ClapWindow,
};
use clack_extensions::log::{HostLog, HostLogImpl, LogSeverity};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamInfoBuffer,
    ParamRescanFlags, PluginParams,
};
use clack_extensions::state::{HostState, HostStateImpl, PluginState};
use clack_host::events::event_types::{ParamValueEvent, TransportEvent, TransportFlags};
use clack_host::events::{EventFlags, EventHeader, Pckn};
use clack_host::prelude::*;
use clack_host::utils::{BeatTime, SecondsTime};

/// A parameter event: `(clap_param_id, value_as_clap_sees_it, sample_offset)`.
pub type ParamEvent = (u32, f64, u32);

/// The CLAP parameter id nice-plug derives from a parameter's string id (`#[id = "..."]`).
pub fn nice_param_hash(id: &str) -> u32 {
    let mut hash: u32 = 0;
    for byte in id.bytes() {
        hash = hash.wrapping_mul(31).wrapping_add(byte as u32);
    }
    hash & !(1 << 31)
}

/// Finds a `cdylib` built by Cargo next to the running test binary (works for any profile):
/// looks for `lib<name>.so` / `lib<name>.dylib` / `<name>.dll` in the test executable's directory
/// (`target/<profile>/deps`) and its parent (`target/<profile>`). `name` is the library name
/// with dashes replaced by underscores (e.g. `"synesthete"`). Loading the `.so` directly as a
/// `.clap` works: a CLAP bundle on Linux/Windows is just the renamed shared library.
pub fn find_cdylib(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let deps = exe.parent()?;
    let file = format!(
        "{}{name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    [deps.parent().map(|p| p.join(&file)), Some(deps.join(&file))]
        .into_iter()
        .flatten()
        .filter(|p| p.is_file())
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
}

/// Parameter information as reported by the plugin's `params` extension.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamInfoLite {
    pub id: u32,
    pub name: String,
    pub module: String,
    pub min: f64,
    pub max: f64,
    pub default: f64,
    /// `CLAP_PARAM_*` flag bits (see `clack_extensions::params::ParamInfoFlags`).
    pub flags: u32,
}

// ---------------------------------------------------------------------------------------------
// Host-side handlers
// ---------------------------------------------------------------------------------------------

/// Thread-safe host data (`[thread-safe]` callbacks may come from any thread).
#[derive(Default)]
struct HarnessShared {
    callback_requested: AtomicBool,
    restart_requested: AtomicBool,
    process_requested: AtomicBool,
    flush_requested: AtomicBool,
    log: Mutex<Vec<String>>,
    gui: GuiHostState,
}

/// What the plugin asked of the host through the `gui` extension.
#[derive(Default)]
struct GuiHostState {
    /// `request_resize(width, height)` calls, in order.
    resize_requests: Mutex<Vec<(u32, u32)>>,
    /// `closed(was_destroyed)` calls, in order.
    closed: Mutex<Vec<bool>>,
    resize_hints_changed: AtomicU32,
    show_requests: AtomicU32,
    hide_requests: AtomicU32,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<'a> SharedHandler<'a> for HarnessShared {
    fn request_restart(&self) {
        self.restart_requested.store(true, Ordering::SeqCst);
    }
    fn request_process(&self) {
        self.process_requested.store(true, Ordering::SeqCst);
    }
    fn request_callback(&self) {
        self.callback_requested.store(true, Ordering::SeqCst);
    }
}

impl HostLogImpl for HarnessShared {
    fn log(&self, severity: LogSeverity, message: &str) {
        let line = format!("[{severity}] {message}");
        eprintln!("[clap plugin log] {line}");
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(line);
    }
}

impl HostGuiImpl for HarnessShared {
    fn resize_hints_changed(&self) {
        self.gui.resize_hints_changed.fetch_add(1, Ordering::SeqCst);
    }
    fn request_resize(&self, new_size: GuiSize) -> Result<(), HostError> {
        lock(&self.gui.resize_requests).push((new_size.width, new_size.height));
        Ok(())
    }
    fn request_show(&self) -> Result<(), HostError> {
        self.gui.show_requests.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn request_hide(&self) -> Result<(), HostError> {
        self.gui.hide_requests.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn closed(&self, was_destroyed: bool) {
        lock(&self.gui.closed).push(was_destroyed);
    }
}

impl HostParamsImplShared for HarnessShared {
    fn request_flush(&self) {
        self.flush_requested.store(true, Ordering::SeqCst);
    }
}

/// Main-thread host data: counters the tests can inspect.
#[derive(Default)]
struct HarnessMainThread {
    param_rescans: Cell<u32>,
    state_dirty: Cell<u32>,
    audio_port_rescans: Cell<u32>,
}

impl<'a> MainThreadHandler<'a> for HarnessMainThread {}

impl HostParamsImplMainThread for HarnessMainThread {
    fn rescan(&self, _flags: ParamRescanFlags) {
        self.param_rescans.set(self.param_rescans.get() + 1);
    }
    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {}
}

impl HostStateImpl for HarnessMainThread {
    fn mark_dirty(&self) {
        self.state_dirty.set(self.state_dirty.get() + 1);
    }
}

impl HostAudioPortsImpl for HarnessMainThread {
    fn is_rescan_flag_supported(&self, _flag: AudioPortRescanFlags) -> bool {
        false
    }
    fn rescan(&self, _flags: AudioPortRescanFlags) {
        self.audio_port_rescans
            .set(self.audio_port_rescans.get() + 1);
    }
}

struct HarnessHost;

impl HostHandlers for HarnessHost {
    type Shared<'a> = HarnessShared;
    type MainThread<'a> = HarnessMainThread;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostLog>()
            .register::<HostParams>()
            .register::<HostState>()
            .register::<HostAudioPorts>()
            .register::<HostGui>();
    }
}

/// Runs `f` on a fresh scoped thread (if `separate`) and waits for it; panics are propagated.
fn on_audio_thread<R: Send>(separate: bool, f: impl FnOnce() -> R) -> R {
    if !separate {
        return f();
    }
    struct AssertSend<F>(F);
    // SAFETY: the closure captures clack's buffer wrappers (raw pointers, hence `!Send`) and
    // `&mut` borrows of host-owned data. It runs exactly once on the scoped thread while the
    // owning thread is blocked in `join`, so nothing is accessed from two threads at once, and
    // none of the captured types have thread affinity (they are `!Send` only because of raw
    // pointers). The plugin-side object that does care (the audio processor) is `Send`.
    unsafe impl<F> Send for AssertSend<F> {}
    impl<F: FnOnce() -> R, R> AssertSend<F> {
        fn call(self) -> R {
            (self.0)()
        }
    }
    let job = AssertSend(f);
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("clap-audio".into())
            .spawn_scoped(s, move || job.call())
            .expect("failed to spawn audio thread")
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

// ---------------------------------------------------------------------------------------------
// Audio-thread state
// ---------------------------------------------------------------------------------------------

/// Everything `process` touches: owned by [`ClapHost`], moved to the background audio thread
/// while [`ClapHost::start_background_audio`] runs.
struct AudioSide {
    processor: Option<PluginAudioProcessor<HarnessHost>>,
    sample_rate: f64,
    /// Per port, per channel scratch (inputs: copy of the caller's data / silence; outputs: for
    /// ports other than the main one).
    input_scratch: Vec<Vec<Vec<f32>>>,
    output_scratch: Vec<Vec<Vec<f32>>>,
    input_ports: AudioPorts,
    output_ports: AudioPorts,
    input_events: EventBuffer,
    output_events: EventBuffer,
    steady_time: u64,
    song_pos_samples: u64,
}

impl AudioSide {
    fn new() -> AudioSide {
        AudioSide {
            processor: None,
            sample_rate: 0.0,
            input_scratch: Vec::new(),
            output_scratch: Vec::new(),
            input_ports: AudioPorts::with_capacity(0, 0),
            output_ports: AudioPorts::with_capacity(0, 0),
            input_events: EventBuffer::with_capacity(64),
            output_events: EventBuffer::with_capacity(64),
            steady_time: 0,
            song_pos_samples: 0,
        }
    }

    /// Processes `frames` frames: inputs come from `input_scratch` (already filled), events from
    /// `input_events` (already filled), main-port outputs go to `outputs`, other output ports to
    /// scratch. Returns how long the plugin's `process()` call itself took.
    fn process_block(
        &mut self,
        frames: usize,
        outputs: &mut [&mut [f32]],
        tempo: f64,
        playing: bool,
    ) -> Result<Duration, String> {
        self.output_events.clear();
        let transport = transport_event(self.sample_rate, self.song_pos_samples, tempo, playing);
        let Self {
            processor,
            input_scratch,
            output_scratch,
            input_ports,
            output_ports,
            input_events,
            output_events,
            steady_time,
            ..
        } = self;
        let processor = processor.as_mut().ok_or("plugin is not active")?;

        let mut output_channels: Vec<Vec<&mut [f32]>> = Vec::new();
        if !output_scratch.is_empty() {
            output_channels.push(outputs.iter_mut().map(|c| &mut **c).collect());
            for port in output_scratch.iter_mut().skip(1) {
                output_channels.push(port.iter_mut().map(|c| &mut c[..frames]).collect());
            }
        }
        let input_audio = input_ports.with_input_buffers(input_scratch.iter_mut().map(|port| {
            AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_input_only(
                    port.iter_mut()
                        .map(|c| InputChannel::variable(&mut c[..frames])),
                ),
            }
        }));
        let mut output_audio =
            output_ports.with_output_buffers(output_channels.iter_mut().map(|port| {
                AudioPortBuffer {
                    latency: 0,
                    channels: AudioPortBufferType::f32_output_only(
                        port.iter_mut().map(|c| &mut **c),
                    ),
                }
            }));
        let started = processor
            .ensure_processing_started()
            .map_err(|e| format!("start_processing failed: {e}"))?;
        let begin = Instant::now();
        let result = started.process(
            &input_audio,
            &mut output_audio,
            &input_events.as_input(),
            &mut output_events.as_output(),
            Some(*steady_time),
            Some(&transport),
        );
        let elapsed = begin.elapsed();
        result.map_err(|e| format!("process failed: {e}"))?;

        self.steady_time += frames as u64;
        if playing {
            self.song_pos_samples += frames as u64;
        }
        Ok(elapsed)
    }

    /// Appends the parameter-value events in `output_events` to `into`.
    fn collect_output_param_events(&self, into: &mut Vec<ParamEvent>) {
        for event in self.output_events.iter() {
            if let Some(e) = event.as_event::<ParamValueEvent>()
                && let Some(id) = e.param_id()
            {
                into.push((id.get(), e.value(), e.header().time()));
            }
        }
    }
}

fn transport_event(
    sample_rate: f64,
    song_pos_samples: u64,
    tempo: f64,
    playing: bool,
) -> TransportEvent {
    let seconds = song_pos_samples as f64 / sample_rate;
    let beats = seconds * tempo / 60.0;
    let bar = (beats / 4.0).floor();
    let mut flags = TransportFlags::HAS_TEMPO
        | TransportFlags::HAS_BEATS_TIMELINE
        | TransportFlags::HAS_SECONDS_TIMELINE
        | TransportFlags::HAS_TIME_SIGNATURE;
    if playing {
        flags |= TransportFlags::IS_PLAYING;
    }
    TransportEvent {
        header: EventHeader::new_core(0, EventFlags::empty()),
        flags,
        song_pos_beats: BeatTime::from_float(beats),
        song_pos_seconds: SecondsTime::from_float(seconds),
        tempo,
        tempo_inc: 0.0,
        loop_start_beats: BeatTime::from_int(0),
        loop_end_beats: BeatTime::from_int(0),
        loop_start_seconds: SecondsTime::from_int(0),
        loop_end_seconds: SecondsTime::from_int(0),
        bar_start: BeatTime::from_float(bar * 4.0),
        bar_number: bar as i32,
        time_signature_numerator: 4,
        time_signature_denominator: 4,
    }
}

// ---------------------------------------------------------------------------------------------
// Background (continuous) audio
// ---------------------------------------------------------------------------------------------

/// What [`ClapHost::start_background_audio`] plays.
#[derive(Debug, Clone)]
pub struct BackgroundAudioConfig {
    /// The main input port's channels (one `Vec` per channel, all the same non-zero length),
    /// played in a loop. Must match the main input port's channel count.
    pub input: Vec<Vec<f32>>,
    /// Expected output *bit patterns* of the main output port for the whole looped `input`
    /// (one `Vec` per output channel, each as long as `input`'s channels), or `None` to skip the
    /// comparison. For a pass-through: `common::expected_passthrough(&input[c])` per channel.
    pub expected: Option<Vec<Vec<u32>>>,
    /// Frames per `process()` call, 1..=`max_block` of the activation.
    pub block: usize,
    /// `true`: pace blocks at the real-time rate (`block / sample_rate` apart, like a sound card;
    /// leaves the CPU to the GUI). `false`: process back to back.
    pub realtime: bool,
}

/// What the background audio thread saw, returned by [`ClapHost::stop_background_audio`].
#[derive(Debug, Clone, Default)]
pub struct BackgroundAudioReport {
    /// `process()` calls made.
    pub blocks: u64,
    /// Duration of every `process()` call (the plugin call only), in order.
    pub process_times: Vec<Duration>,
    /// The longest `process()` call.
    pub max_process: Duration,
    /// Real-time budget of one block (`block / sample_rate`).
    pub block_period: Duration,
    /// Blocks whose `process()` took longer than `block_period` (an audible dropout in a DAW).
    pub overruns: u64,
    /// Output samples whose bits differed from `expected` (0 when `expected` is `None`).
    pub mismatched_samples: u64,
    /// Where the first mismatch happened, if any.
    pub first_mismatch: Option<String>,
    /// The error that stopped processing early, if any (e.g. `process failed: ...`).
    pub error: Option<String>,
}

impl BackgroundAudioReport {
    /// The `p`-quantile (0.0..=1.0) of the `process()` durations (zero if none).
    pub fn quantile(&self, p: f64) -> Duration {
        let mut times = self.process_times.clone();
        times.sort_unstable();
        if times.is_empty() {
            return Duration::ZERO;
        }
        let index = ((times.len() - 1) as f64 * p.clamp(0.0, 1.0)).round() as usize;
        times[index]
    }
}

struct BackgroundAudio {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<(AudioSide, BackgroundAudioReport, Vec<ParamEvent>)>,
}

fn run_background_audio(
    mut audio: AudioSide,
    config: BackgroundAudioConfig,
    outputs_main: usize,
    tempo: f64,
    playing: bool,
    stop: Arc<AtomicBool>,
) -> (AudioSide, BackgroundAudioReport, Vec<ParamEvent>) {
    let block = config.block;
    let len = config.input.first().map_or(0, Vec::len);
    let period = Duration::from_secs_f64(block as f64 / audio.sample_rate);
    let mut report = BackgroundAudioReport {
        block_period: period,
        ..BackgroundAudioReport::default()
    };
    report.process_times.reserve(1 << 16);
    let mut param_events = Vec::new();
    let mut outputs = vec![vec![0.0f32; block]; outputs_main];
    let mut position = 0usize;
    let mut next_deadline = Instant::now();

    while !stop.load(Ordering::SeqCst) {
        for (port_index, port) in audio.input_scratch.iter_mut().enumerate() {
            for (channel_index, channel) in port.iter_mut().enumerate() {
                match config.input.get(channel_index).filter(|_| port_index == 0) {
                    Some(src) => {
                        for (i, sample) in channel[..block].iter_mut().enumerate() {
                            *sample = src[(position + i) % len];
                        }
                    }
                    None => channel[..block].fill(0.0),
                }
            }
        }
        audio.input_events.clear();
        let mut output_refs: Vec<&mut [f32]> = outputs.iter_mut().map(|c| &mut c[..]).collect();
        match audio.process_block(block, &mut output_refs, tempo, playing) {
            Ok(elapsed) => {
                report.blocks += 1;
                report.process_times.push(elapsed);
                report.max_process = report.max_process.max(elapsed);
                if elapsed > period {
                    report.overruns += 1;
                }
            }
            Err(error) => {
                report.error = Some(error);
                break;
            }
        }
        drop(output_refs);
        audio.collect_output_param_events(&mut param_events);

        if let Some(expected) = &config.expected {
            for (channel_index, (out, want)) in outputs.iter().zip(expected).enumerate() {
                for (i, sample) in out.iter().enumerate() {
                    let want = want[(position + i) % len];
                    if sample.to_bits() != want {
                        report.mismatched_samples += 1;
                        if report.first_mismatch.is_none() {
                            report.first_mismatch = Some(format!(
                                "block {} channel {channel_index} frame {i} (input index {}): \
                                 got {:#010x} ({sample:e}), want {want:#010x} ({:e})",
                                report.blocks - 1,
                                (position + i) % len,
                                sample.to_bits(),
                                f32::from_bits(want),
                            ));
                        }
                    }
                }
            }
        }
        position = (position + block) % len;

        if config.realtime {
            next_deadline += period;
            let now = Instant::now();
            match next_deadline.checked_duration_since(now) {
                Some(wait) => std::thread::sleep(wait),
                // Behind schedule (e.g. the machine was busy): don't try to catch up in a burst.
                None => next_deadline = now,
            }
        }
    }
    (audio, report, param_events)
}

// ---------------------------------------------------------------------------------------------
// The host
// ---------------------------------------------------------------------------------------------

/// One loaded plugin instance plus everything needed to drive it. `!Send`; see the module docs.
pub struct ClapHost {
    // Field order = drop order: the audio thread and the processor must go before the instance,
    // the instance before the entry (`Drop` also stops audio and deactivates explicitly).
    background: Option<BackgroundAudio>,
    audio: AudioSide,
    instance: PluginInstance<HarnessHost>,
    _entry: PluginEntry,

    plugin_id: String,
    plugin_name: String,
    features: Vec<String>,

    params_ext: Option<PluginParams>,
    state_ext: Option<PluginState>,
    ports_ext: Option<PluginAudioPorts>,
    gui_ext: Option<PluginGui>,
    /// Between a successful `gui.create` and `gui.destroy`.
    gui_created: bool,

    config: Option<PluginAudioConfiguration>,
    /// Channel count per audio port, queried at activation (index 0 = main port).
    input_channels: Vec<u32>,
    output_channels: Vec<u32>,
    output_param_events: Vec<ParamEvent>,

    tempo: f64,
    playing: bool,
    separate_audio_thread: bool,
    main_thread_callbacks: u32,
    last_process_time: Duration,
    max_process_time: Duration,
}

impl ClapHost {
    /// Loads the `.clap` (shared library) at `path` and instantiates its first plugin.
    pub fn load(path: &Path) -> Result<ClapHost, String> {
        // SAFETY: `PluginEntry::load` is unsafe because loading a dynamic library runs arbitrary
        // native code (its initializers and `clap_entry.init`) and trusts the exported
        // `clap_entry` symbol to have the CLAP ABI. That is sound here because tests only load
        // CLAP plugins built from this workspace (a known, well-behaved `clap_entry` produced by
        // nice-plug's `nice_export_clap!`). clack keeps the library loaded (ref-counted, cached
        // per path) for as long as any `PluginEntry`/instance created from it is alive.
        let entry = unsafe { PluginEntry::load(path) }
            .map_err(|e| format!("cannot load CLAP entry {}: {e}", path.display()))?;
        // Never unload the library: nice-plug (via std / crossbeam / tracing) registers
        // pthread-key TLS destructors inside the plugin's code. If the `.so` is `dlclose`d when
        // the last `PluginEntry` drops, any thread that touched the plugin (the test thread, the
        // audio thread) later jumps into unmapped memory at exit -> intermittent SIGSEGV in
        // `__nptl_deallocate_tsd`. Leaking one handle (a refcount) pins it for the process.
        std::mem::forget(entry.clone());

        let (id, plugin_name, features) = {
            let factory = entry
                .get_plugin_factory()
                .ok_or("the CLAP entry has no plugin factory")?;
            let descriptor = factory
                .plugin_descriptors()
                .next()
                .ok_or("the plugin factory exposes no plugins")?;
            let id: CString = descriptor
                .id()
                .ok_or("the plugin descriptor has no id")?
                .to_owned();
            let name = descriptor
                .name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let features = descriptor
                .features()
                .map(|f| f.to_string_lossy().into_owned())
                .collect::<Vec<_>>();
            (id, name, features)
        };

        let host_info = HostInfo::new(
            "synesthete-test-host",
            "synesthete",
            "https://example.invalid",
            "0.1.0",
        )
        .map_err(|e| e.to_string())?;
        let mut instance = PluginInstance::<HarnessHost>::new(
            |_| HarnessShared::default(),
            |_| HarnessMainThread::default(),
            &entry,
            &id,
            &host_info,
        )
        .map_err(|e| format!("cannot instantiate {id:?}: {e}"))?;

        let handle = instance.plugin_handle();
        let params_ext = handle.get_extension::<PluginParams>();
        let state_ext = handle.get_extension::<PluginState>();
        let ports_ext = handle.get_extension::<PluginAudioPorts>();
        let gui_ext = handle.get_extension::<PluginGui>();

        let mut host = ClapHost {
            background: None,
            audio: AudioSide::new(),
            instance,
            _entry: entry,
            plugin_id: id.to_string_lossy().into_owned(),
            plugin_name,
            features,
            params_ext,
            state_ext,
            ports_ext,
            gui_ext,
            gui_created: false,
            config: None,
            input_channels: Vec::new(),
            output_channels: Vec::new(),
            output_param_events: Vec::new(),
            tempo: 120.0,
            playing: true,
            separate_audio_thread: true,
            main_thread_callbacks: 0,
            last_process_time: Duration::ZERO,
            max_process_time: Duration::ZERO,
        };
        host.pump_main_thread();
        Ok(host)
    }

    /// The plugin's CLAP id (descriptor `id`).
    pub fn plugin_id(&self) -> String {
        self.plugin_id.clone()
    }

    /// The plugin's display name (descriptor `name`).
    pub fn plugin_name(&self) -> String {
        self.plugin_name.clone()
    }

    /// The descriptor's feature strings (e.g. `"audio-effect"`, `"stereo"`).
    pub fn plugin_features(&self) -> Vec<String> {
        self.features.clone()
    }

    /// Whether the plugin exposes the `params` / `state` / `audio-ports` extensions.
    pub fn has_params(&self) -> bool {
        self.params_ext.is_some()
    }
    pub fn has_state(&self) -> bool {
        self.state_ext.is_some()
    }
    pub fn has_audio_ports(&self) -> bool {
        self.ports_ext.is_some()
    }

    /// Tempo (BPM) sent in the transport of subsequent `process` calls. Default 120.
    pub fn set_tempo(&mut self, bpm: f64) {
        self.tempo = bpm;
    }

    /// Whether the transport reports "playing" (song position advances only while playing).
    /// Default `true`.
    pub fn set_playing(&mut self, playing: bool) {
        self.playing = playing;
    }

    /// Process on a separate scoped audio thread (default `true`) or on the calling thread.
    pub fn set_separate_audio_thread(&mut self, separate: bool) {
        self.separate_audio_thread = separate;
    }

    /// Whether the plugin is activated (also while background audio runs).
    pub fn is_active(&self) -> bool {
        self.config.is_some()
    }

    /// Channel counts of the plugin's (input, output) audio ports, index 0 being the main port.
    /// Queried from the `audio-ports` extension; call while inactive or after `activate`.
    pub fn audio_port_channels(&mut self) -> (Vec<u32>, Vec<u32>) {
        (self.query_ports(true), self.query_ports(false))
    }

    fn query_ports(&mut self, is_input: bool) -> Vec<u32> {
        let Some(ext) = self.ports_ext else {
            return Vec::new();
        };
        let handle = self.instance.plugin_handle();
        let mut buffer = AudioPortInfoBuffer::new();
        (0..ext.count(&handle, is_input))
            .map(|i| {
                ext.get(&handle, i, is_input, &mut buffer)
                    .map_or(0, |info| info.channel_count)
            })
            .collect()
    }

    /// Activates the plugin for `sample_rate` and blocks of 1..=`max_block` frames.
    /// Can be called again after [`ClapHost::deactivate`] with a different configuration.
    pub fn activate(&mut self, sample_rate: f64, max_block: u32) -> Result<(), String> {
        if self.config.is_some() {
            return Err("plugin is already active; deactivate() first".into());
        }
        if !sample_rate.is_finite() || sample_rate <= 0.0 || max_block == 0 {
            return Err(format!(
                "invalid audio configuration: {sample_rate} Hz, max block {max_block}"
            ));
        }
        self.pump_main_thread();

        // Audio ports may only change while inactive, so query them now.
        self.input_channels = self.query_ports(true);
        self.output_channels = self.query_ports(false);
        let frames = max_block as usize;
        let scratch = |channels: &[u32]| -> Vec<Vec<Vec<f32>>> {
            channels
                .iter()
                .map(|&n| vec![vec![0.0f32; frames]; n as usize])
                .collect()
        };
        let total = |channels: &[u32]| channels.iter().sum::<u32>() as usize;
        let mut audio = AudioSide::new();
        audio.sample_rate = sample_rate;
        audio.input_scratch = scratch(&self.input_channels);
        audio.output_scratch = scratch(&self.output_channels);
        audio.input_ports =
            AudioPorts::with_capacity(total(&self.input_channels), self.input_channels.len());
        audio.output_ports =
            AudioPorts::with_capacity(total(&self.output_channels), self.output_channels.len());

        let config = PluginAudioConfiguration {
            sample_rate,
            min_frames_count: 1,
            max_frames_count: max_block,
        };
        let stopped = self
            .instance
            .activate(|_, _| (), config)
            .map_err(|e| format!("activate({sample_rate}, {max_block}) failed: {e}"))?;
        audio.processor = Some(stopped.into());
        self.audio = audio;
        self.config = Some(config);
        self.pump_main_thread();
        Ok(())
    }

    /// Stops background audio (if running) and processing (if started), then deactivates.
    /// No-op when inactive.
    pub fn deactivate(&mut self) {
        if self.background.is_some() {
            let _ = self.stop_background_audio();
        }
        if let Some(mut processor) = self.audio.processor.take() {
            if processor.is_started() {
                on_audio_thread(self.separate_audio_thread, || {
                    let _ = processor.stop_processing();
                });
            }
            self.instance.deactivate(processor.into_stopped());
        }
        self.config = None;
        self.pump_main_thread();
    }

    /// Processes one stereo block through the main 2-in/2-out port pair (other ports, if any, get
    /// silence / scratch buffers). `input` and `output` channels must all have the same length,
    /// 1..=`max_block`. `param_events` are `(clap_param_id, clap_value, sample_offset)`, see the
    /// module docs for value scaling; they are sorted by offset before being sent.
    pub fn process_stereo(
        &mut self,
        input: [&[f32]; 2],
        output: [&mut [f32]; 2],
        param_events: &[ParamEvent],
    ) -> Result<(), String> {
        let [left, right] = output;
        self.process(&input, &mut [left, right], param_events)
    }

    /// Processes one block through the main ports with any channel counts (e.g. mono, if the
    /// plugin's active layout is mono). `inputs.len()` / `outputs.len()` must equal the main
    /// input / output port's channel count (0 if that port does not exist).
    ///
    /// The duration of the plugin's `process()` call (excluding thread hand-over) is available
    /// afterwards from [`ClapHost::last_process_time`] / [`ClapHost::take_max_process_time`].
    pub fn process(
        &mut self,
        inputs: &[&[f32]],
        outputs: &mut [&mut [f32]],
        param_events: &[ParamEvent],
    ) -> Result<(), String> {
        if self.background.is_some() {
            return Err("background audio is running; stop_background_audio() first".into());
        }
        let config = self.config.ok_or("plugin is not active")?;
        let frames = outputs
            .first()
            .map(|c| c.len())
            .or_else(|| inputs.first().map(|c| c.len()))
            .ok_or("no audio channels given")?;
        if frames == 0 || frames > config.max_frames_count as usize {
            return Err(format!(
                "block of {frames} frames outside 1..={}",
                config.max_frames_count
            ));
        }
        if inputs.iter().any(|c| c.len() != frames) || outputs.iter().any(|c| c.len() != frames) {
            return Err("all channels must have the same length".into());
        }
        let main_in = self.input_channels.first().copied().unwrap_or(0) as usize;
        let main_out = self.output_channels.first().copied().unwrap_or(0) as usize;
        if inputs.len() != main_in || outputs.len() != main_out {
            return Err(format!(
                "channel mismatch: got {} in / {} out, plugin main ports have {main_in} in / \
                 {main_out} out (all ports: in {:?}, out {:?})",
                inputs.len(),
                outputs.len(),
                self.input_channels,
                self.output_channels
            ));
        }

        // Events
        let audio = &mut self.audio;
        audio.input_events.clear();
        let mut sorted = param_events.to_vec();
        sorted.sort_by_key(|e| e.2);
        for (id, value, offset) in sorted {
            if offset as usize >= frames {
                return Err(format!(
                    "param event offset {offset} outside block of {frames}"
                ));
            }
            let id = ClapId::from_raw(id).ok_or("invalid param id (CLAP_INVALID_ID)")?;
            audio
                .input_events
                .push(&ParamValueEvent::new(offset, id, Pckn::match_all(), value));
        }

        // Audio: copy inputs (clack wants `&mut` input buffers), silence extra input ports.
        for (port_index, port) in audio.input_scratch.iter_mut().enumerate() {
            for (channel_index, channel) in port.iter_mut().enumerate() {
                match inputs.get(channel_index).filter(|_| port_index == 0) {
                    Some(src) => channel[..frames].copy_from_slice(src),
                    None => channel[..frames].fill(0.0),
                }
            }
        }

        let (tempo, playing) = (self.tempo, self.playing);
        let status = on_audio_thread(self.separate_audio_thread, || {
            audio.process_block(frames, outputs, tempo, playing)
        });
        audio.collect_output_param_events(&mut self.output_param_events);
        if let Ok(elapsed) = status {
            self.last_process_time = elapsed;
            self.max_process_time = self.max_process_time.max(elapsed);
        }
        self.pump_main_thread();
        status.map(|_| ())
    }

    /// How long the plugin's last `process()` call took (the call itself, not the thread
    /// hand-over around it).
    pub fn last_process_time(&self) -> Duration {
        self.last_process_time
    }

    /// The longest `process()` call since the previous `take_max_process_time` (or load); resets.
    pub fn take_max_process_time(&mut self) -> Duration {
        std::mem::take(&mut self.max_process_time)
    }

    /// Starts a long-lived audio thread that processes `config.input` in a loop, block after
    /// block, until [`ClapHost::stop_background_audio`] (or `deactivate` / drop). The plugin
    /// must be active. Meanwhile the main-thread methods stay usable (GUI, parameters, state,
    /// `pump_main_thread`); `process*` and `flush_params` return `Err`. No parameter events are
    /// sent during background audio; GUI-driven changes still reach the plugin through its own
    /// output events, which the report's caller can read afterwards with
    /// [`ClapHost::take_output_param_events`].
    pub fn start_background_audio(&mut self, config: BackgroundAudioConfig) -> Result<(), String> {
        if self.background.is_some() {
            return Err("background audio is already running".into());
        }
        let audio_config = self.config.ok_or("plugin is not active")?;
        let main_in = self.input_channels.first().copied().unwrap_or(0) as usize;
        let main_out = self.output_channels.first().copied().unwrap_or(0) as usize;
        let len = config.input.first().map_or(0, Vec::len);
        if config.input.len() != main_in || len == 0 || config.input.iter().any(|c| c.len() != len)
        {
            return Err(format!(
                "background input must have {main_in} channels of equal, non-zero length"
            ));
        }
        if config.block == 0 || config.block > audio_config.max_frames_count as usize {
            return Err(format!(
                "block of {} frames outside 1..={}",
                config.block, audio_config.max_frames_count
            ));
        }
        if let Some(expected) = &config.expected
            && (expected.len() != main_out || expected.iter().any(|c| c.len() != len))
        {
            return Err(format!(
                "expected output must have {main_out} channels of {len} samples"
            ));
        }
        let audio = std::mem::replace(&mut self.audio, AudioSide::new());
        let stop = Arc::new(AtomicBool::new(false));
        let (tempo, playing) = (self.tempo, self.playing);
        let thread = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("clap-audio-bg".into())
                .spawn(move || run_background_audio(audio, config, main_out, tempo, playing, stop))
                .map_err(|e| format!("cannot spawn the background audio thread: {e}"))?
        };
        self.background = Some(BackgroundAudio { stop, thread });
        Ok(())
    }

    /// Whether background audio is running.
    pub fn is_background_audio_running(&self) -> bool {
        self.background.is_some()
    }

    /// Stops the background audio thread, takes the audio processor back and returns what the
    /// thread saw. Output parameter events it collected are added to
    /// [`ClapHost::take_output_param_events`]. `Err` if none was running or the thread panicked.
    pub fn stop_background_audio(&mut self) -> Result<BackgroundAudioReport, String> {
        let background = self
            .background
            .take()
            .ok_or("background audio is not running")?;
        background.stop.store(true, Ordering::SeqCst);
        let result = background.thread.join();
        let outcome = match result {
            Ok((audio, report, events)) => {
                self.audio = audio;
                self.output_param_events.extend(events);
                if let Some(&max) = report.process_times.iter().max() {
                    self.max_process_time = self.max_process_time.max(max);
                }
                Ok(report)
            }
            // The processor died with the thread; the instance can no longer be deactivated
            // cleanly (clack leaks it rather than destroying an active plugin).
            Err(_) => {
                self.config = None;
                Err("the background audio thread panicked".to_string())
            }
        };
        self.pump_main_thread();
        outcome
    }

    /// Parameter-value events the plugin emitted (from `process` and `flush_params`) since the
    /// last call, as `(clap_param_id, clap_value, sample_offset)`.
    pub fn take_output_param_events(&mut self) -> Vec<ParamEvent> {
        std::mem::take(&mut self.output_param_events)
    }

    /// All parameters, via `params.count` / `params.get_info` (main thread).
    pub fn params(&mut self) -> Vec<ParamInfoLite> {
        let Some(ext) = self.params_ext else {
            return Vec::new();
        };
        let handle = self.instance.plugin_handle();
        let mut buffer = ParamInfoBuffer::new();
        (0..ext.count(&handle))
            .filter_map(|index| {
                ext.get_info(&handle, index, &mut buffer)
                    .map(|info| ParamInfoLite {
                        id: info.id.get(),
                        name: String::from_utf8_lossy(info.name).into_owned(),
                        module: String::from_utf8_lossy(info.module).into_owned(),
                        min: info.min_value,
                        max: info.max_value,
                        default: info.default_value,
                        flags: info.flags.bits(),
                    })
            })
            .collect()
    }

    /// The current value of parameter `id` as CLAP sees it (`params.get_value`), or `None` for an
    /// unknown id / no params extension.
    pub fn param_value(&mut self, id: u32) -> Option<f64> {
        let ext = self.params_ext?;
        let id = ClapId::from_raw(id)?;
        ext.get_value(&self.instance.plugin_handle(), id)
    }

    /// Sends `(clap_param_id, clap_value)` changes through `params.flush` without processing
    /// audio. Works both inactive (main thread) and active (audio thread, between blocks).
    /// Output events the plugin emits are available from [`ClapHost::take_output_param_events`].
    pub fn flush_params(&mut self, events: &[(u32, f64)]) -> Result<(), String> {
        let ext = self.params_ext.ok_or("plugin has no params extension")?;
        if self.background.is_some() {
            return Err("background audio is running; stop_background_audio() first".into());
        }
        self.audio.input_events.clear();
        for &(id, value) in events {
            let id = ClapId::from_raw(id).ok_or("invalid param id (CLAP_INVALID_ID)")?;
            self.audio
                .input_events
                .push(&ParamValueEvent::new(0, id, Pckn::match_all(), value));
        }
        self.audio.output_events.clear();

        let Self {
            audio:
                AudioSide {
                    processor,
                    input_events,
                    output_events,
                    ..
                },
            instance,
            separate_audio_thread,
            ..
        } = self;
        match processor {
            Some(processor) => on_audio_thread(*separate_audio_thread, || {
                ext.flush_active(
                    &mut processor.plugin_handle(),
                    &input_events.as_input(),
                    &mut output_events.as_output(),
                )
            }),
            None => {
                let mut handle = instance
                    .inactive_plugin_handle()
                    .ok_or("plugin is unexpectedly active")?;
                ext.flush(
                    &mut handle,
                    &input_events.as_input(),
                    &mut output_events.as_output(),
                );
            }
        }
        self.audio
            .collect_output_param_events(&mut self.output_param_events);
        self.pump_main_thread();
        Ok(())
    }

    /// Saves the plugin state (`state.save`, main thread).
    pub fn save_state(&mut self) -> Result<Vec<u8>, String> {
        let ext = self.state_ext.ok_or("plugin has no state extension")?;
        let mut bytes = Vec::new();
        ext.save(&self.instance.plugin_handle(), &mut bytes)
            .map_err(|e| format!("state save failed: {e}"))?;
        self.pump_main_thread();
        Ok(bytes)
    }

    /// Loads a plugin state (`state.load`, main thread). Malformed data yields `Err`.
    pub fn load_state(&mut self, bytes: &[u8]) -> Result<(), String> {
        let ext = self.state_ext.ok_or("plugin has no state extension")?;
        let mut reader = bytes;
        let result = ext
            .load(&self.instance.plugin_handle(), &mut reader)
            .map_err(|e| format!("state load failed: {e}"));
        self.pump_main_thread();
        result
    }

    /// Answers the plugin's pending requests like a host event loop would: calls
    /// `on_main_thread` while `request_callback` was signalled and flushes parameters on
    /// `request_flush` when inactive (while active, the next `process` call serves that purpose).
    /// Called automatically after every operation; returns the number of callbacks made.
    pub fn pump_main_thread(&mut self) -> u32 {
        let mut calls = 0;
        // Bounded: a plugin that re-requests a callback from inside `on_main_thread` forever
        // must not hang the test.
        while calls < 64
            && self
                .instance
                .access_shared_handler(|s| s.callback_requested.swap(false, Ordering::SeqCst))
        {
            self.instance.call_on_main_thread_callback();
            calls += 1;
        }
        self.main_thread_callbacks += calls;
        let flush = self
            .instance
            .access_shared_handler(|s| s.flush_requested.load(Ordering::SeqCst));
        // Inactive only: while active (directly or in the background) the next block flushes.
        if let (true, None, Some(ext)) = (flush, &self.config, self.params_ext) {
            self.instance
                .access_shared_handler(|s| s.flush_requested.store(false, Ordering::SeqCst));
            if let Some(mut handle) = self.instance.inactive_plugin_handle() {
                self.audio.output_events.clear();
                ext.flush(
                    &mut handle,
                    &InputEvents::empty(),
                    &mut self.audio.output_events.as_output(),
                );
                self.audio
                    .collect_output_param_events(&mut self.output_param_events);
            }
        }
        calls
    }

    /// Total number of `on_main_thread` callbacks this host has made so far.
    pub fn main_thread_callback_count(&self) -> u32 {
        self.main_thread_callbacks
    }

    /// Messages the plugin logged through the host `log` extension (`"[severity] message"`).
    pub fn log_messages(&self) -> Vec<String> {
        self.instance.access_shared_handler(|s| {
            s.log
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone()
        })
    }

    /// Whether the plugin called `request_restart` / `request_process` (flags are cleared).
    /// This host does not act on them.
    pub fn take_restart_requested(&self) -> bool {
        self.instance
            .access_shared_handler(|s| s.restart_requested.swap(false, Ordering::SeqCst))
    }
    pub fn take_process_requested(&self) -> bool {
        self.instance
            .access_shared_handler(|s| s.process_requested.swap(false, Ordering::SeqCst))
    }

    /// How often the plugin called `params.rescan` (nice-plug does after a state load).
    pub fn param_rescan_count(&self) -> u32 {
        self.instance.access_handler(|h| h.param_rescans.get())
    }

    /// How often the plugin called `state.mark_dirty`.
    pub fn state_dirty_count(&self) -> u32 {
        self.instance.access_handler(|h| h.state_dirty.get())
    }

    // -----------------------------------------------------------------------------------------
    // GUI (CLAP `gui` extension, X11 embedding)
    // -----------------------------------------------------------------------------------------

    /// Whether the plugin exposes the `gui` extension.
    pub fn has_gui(&self) -> bool {
        self.gui_ext.is_some()
    }

    /// Whether a GUI is currently created (between [`ClapHost::gui_open`] and
    /// [`ClapHost::gui_close`]).
    pub fn is_gui_open(&self) -> bool {
        self.gui_created
    }

    /// Opens the plugin's GUI embedded in the X11 window `parent_x11_window` (e.g.
    /// `ParentWindow::id()`), the way a host does: `is_api_supported(x11, embedded)`,
    /// `create(x11, embedded)`, `set_scale(scale)` (a refusal is ignored: plugins may take the
    /// scale from the system instead), `get_size`, `set_parent`, `show`. Returns the size the
    /// plugin reported (physical pixels; the X11 API is physical), which the caller should give the
    /// parent window. On failure after `create`, the GUI is destroyed again.
    pub fn gui_open(&mut self, parent_x11_window: u32, scale: f64) -> Result<(u32, u32), String> {
        let gui = self.gui_ext.ok_or("plugin has no gui extension")?;
        if self.gui_created {
            return Err("the GUI is already open; gui_close() first".into());
        }
        let configuration = GuiConfiguration {
            api_type: GuiApiType::X11,
            is_floating: false,
        };
        {
            let handle = self.instance.plugin_handle();
            if !gui.is_api_supported(&handle, configuration) {
                return Err("the plugin does not support an embedded X11 GUI".into());
            }
            gui.create(&handle, configuration)
                .map_err(|e| format!("gui.create(x11, embedded): {e}"))?;
        }
        self.gui_created = true;
        let opened = self.gui_finish_open(gui, parent_x11_window, scale);
        if opened.is_err() {
            self.gui_close();
        } else {
            self.pump_main_thread();
        }
        opened
    }

    fn gui_finish_open(
        &mut self,
        gui: PluginGui,
        parent_x11_window: u32,
        scale: f64,
    ) -> Result<(u32, u32), String> {
        let handle = self.instance.plugin_handle();
        let _ = gui.set_scale(&handle, scale);
        let size = gui
            .get_size(&handle)
            .ok_or("gui.get_size failed (or reported 0x0)")?;
        // SAFETY: the X11 window id stays valid while the GUI exists: the caller owns the parent
        // window and must keep it alive until `gui_close` (documented in the module docs).
        unsafe {
            gui.set_parent(
                &handle,
                ClapWindow::from_x11_handle(parent_x11_window as c_ulong),
            )
        }
        .map_err(|e| format!("gui.set_parent: {e}"))?;
        gui.show(&handle).map_err(|e| format!("gui.show: {e}"))?;
        Ok((size.width, size.height))
    }

    /// The GUI's current size from `gui.get_size` (`None` without a gui extension / on failure).
    /// nice-plug answers this from the editor's stored size, even while no GUI is open.
    pub fn gui_size(&mut self) -> Option<(u32, u32)> {
        let gui = self.gui_ext?;
        let size = gui.get_size(&self.instance.plugin_handle())?;
        Some((size.width, size.height))
    }

    /// Whether the open GUI can be resized by the host (`gui.can_resize`).
    pub fn gui_can_resize(&mut self) -> bool {
        self.gui_ext
            .is_some_and(|gui| gui.can_resize(&self.instance.plugin_handle()))
    }

    /// Resizes the open GUI like a host whose user drags the window border: `can_resize` (else
    /// `Err`), `adjust_size` (the plugin may pick a nearby size; kept as requested if it has no
    /// opinion), `set_size`. Returns the size applied; resizing the parent window is up to the
    /// caller.
    pub fn gui_set_size(&mut self, width: u32, height: u32) -> Result<(u32, u32), String> {
        let gui = self.gui_ext.ok_or("plugin has no gui extension")?;
        if !self.gui_created {
            return Err("the GUI is not open".into());
        }
        let result = {
            let handle = self.instance.plugin_handle();
            if !gui.can_resize(&handle) {
                Err("the plugin GUI is not resizable (gui.can_resize == false)".to_string())
            } else {
                let wanted = GuiSize { width, height };
                let size = gui.adjust_size(&handle, wanted).unwrap_or(wanted);
                gui.set_size(&handle, size)
                    .map(|()| (size.width, size.height))
                    .map_err(|e| format!("gui.set_size({}x{}): {e}", size.width, size.height))
            }
        };
        self.pump_main_thread();
        result
    }

    /// `gui.show` on the open GUI (`gui_open` already shows it).
    pub fn gui_show(&mut self) -> Result<(), String> {
        let gui = self.gui_ext.ok_or("plugin has no gui extension")?;
        let result = gui
            .show(&self.instance.plugin_handle())
            .map_err(|e| format!("gui.show: {e}"));
        self.pump_main_thread();
        result
    }
    /// `gui.hide` on the open GUI (it stays created; `gui_show` brings it back).
    pub fn gui_hide(&mut self) -> Result<(), String> {
        let gui = self.gui_ext.ok_or("plugin has no gui extension")?;
        let result = gui
            .hide(&self.instance.plugin_handle())
            .map_err(|e| format!("gui.hide: {e}"));
        self.pump_main_thread();
        result
    }

    /// Closes the GUI like a host: `hide` then `destroy`. No-op when no GUI is open.
    /// nice-plug's `destroy` joins the GUI's X11 thread, so when this returns the plugin's window
    /// is gone from the server (`ParentWindow::child_count() == 0`).
    pub fn gui_close(&mut self) {
        let Some(gui) = self.gui_ext else {
            return;
        };
        if !self.gui_created {
            return;
        }
        {
            let handle = self.instance.plugin_handle();
            let _ = gui.hide(&handle);
            gui.destroy(&handle);
        }
        self.gui_created = false;
        self.pump_main_thread();
    }

    /// Every `(width, height)` the plugin asked for with `gui.request_resize`, in order (accepted
    /// and recorded; the parent window is not resized).
    pub fn gui_requested_sizes(&self) -> Vec<(u32, u32)> {
        self.instance
            .access_shared_handler(|s| lock(&s.gui.resize_requests).clone())
    }

    /// Every `gui.closed(was_destroyed)` call the plugin made, in order.
    pub fn gui_closed_events(&self) -> Vec<bool> {
        self.instance
            .access_shared_handler(|s| lock(&s.gui.closed).clone())
    }

    /// Counts of `(resize_hints_changed, request_show, request_hide)` calls.
    pub fn gui_request_counts(&self) -> (u32, u32, u32) {
        self.instance.access_shared_handler(|s| {
            (
                s.gui.resize_hints_changed.load(Ordering::SeqCst),
                s.gui.show_requests.load(Ordering::SeqCst),
                s.gui.hide_requests.load(Ordering::SeqCst),
            )
        })
    }

    /// How often the plugin called `audio_ports.rescan`.
    pub fn audio_port_rescan_count(&self) -> u32 {
        self.instance.access_handler(|h| h.audio_port_rescans.get())
    }
}

impl Drop for ClapHost {
    fn drop(&mut self) {
        // Like a real host: GUI first (its X11 thread still calls into the plugin), then audio.
        self.gui_close();
        // An audio processor that is still alive when the instance drops would leak the plugin.
        self.deactivate();
    }
}
