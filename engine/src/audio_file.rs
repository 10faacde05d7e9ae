//! Audio files for `synesthete render`: WAV, FLAC, Ogg Vorbis and MP3 decoded with symphonia and
//! mixed down to mono at the file's own sample rate.
//!
//! Input is untrusted: every failure is one line naming the file, recoverable packet errors are
//! skipped, decoded length is capped ([`MAX_DURATION_S`], [`MAX_SAMPLE_RATE`]) so a tiny file that
//! claims hours of audio cannot exhaust memory, and a panic inside a third-party decoder becomes
//! an error instead of taking the process down.

use std::fs::File;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use symphonia::core::audio::AudioBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, Decoder, DecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::{Hint, ProbeResult};

use crate::demo::MonoClip;

/// The longest file [`load_mono`] accepts, in seconds (2 hours).
pub const MAX_DURATION_S: f64 = 2.0 * 60.0 * 60.0;

/// The highest sample rate [`load_mono`] accepts, in Hz. With [`MAX_DURATION_S`] this bounds the
/// decoded clip to 1.38 G samples (5.5 GB); a 2-hour file at 48 kHz is 1.4 GB.
pub const MAX_SAMPLE_RATE: u32 = 192_000;

/// Consecutive packets that may yield no audio (other tracks, corrupt or empty packets) before the
/// file is declared malformed.
const MAX_PACKETS_WITHOUT_AUDIO: usize = 100_000;

/// The formats this build decodes, for error messages.
const SUPPORTED: &str = "WAV, FLAC, Ogg Vorbis, MP3";

/// Why an audio file could not be loaded. Each message is one line and names the file.
#[derive(Debug, thiserror::Error)]
pub enum AudioFileError {
    #[error("cannot read {}: {source}", path.display())]
    Open { path: PathBuf, source: io::Error },
    #[error("{}: not a supported audio file ({detail}); supported: {SUPPORTED}", path.display())]
    NotAudio { path: PathBuf, detail: String },
    #[error("{}: the file ends before its first audio packet (empty or cut short)", path.display())]
    Truncated { path: PathBuf },
    #[error("{}: the file has no audio track", path.display())]
    NoAudioTrack { path: PathBuf },
    #[error(
        "{}: the audio track uses an unsupported codec ({codec}); supported: {SUPPORTED}",
        path.display()
    )]
    UnsupportedCodec { path: PathBuf, codec: String },
    #[error("{}: read error after {at_s:.2} s of audio: {source}", path.display())]
    Read {
        path: PathBuf,
        /// Seconds of audio decoded before the failure.
        at_s: f64,
        source: io::Error,
    },
    #[error("{}: cannot decode the audio after {at_s:.2} s: {detail}", path.display())]
    Decode {
        path: PathBuf,
        /// Seconds of audio decoded before the failure.
        at_s: f64,
        detail: String,
    },
    /// A decoder panicked on malformed data (caught; the panic message is also on stderr).
    #[error("{}: the decoder crashed on malformed data", path.display())]
    Crashed { path: PathBuf },
    #[error("{}: the file contains no audio samples", path.display())]
    Empty { path: PathBuf },
    #[error(
        "{}: invalid sample rate {rate} Hz (expected 1 to {MAX_SAMPLE_RATE} Hz)",
        path.display()
    )]
    SampleRate { path: PathBuf, rate: u32 },
    #[error(
        "{}: longer than {} minutes, the most a render accepts; trim the file first",
        path.display(),
        MAX_DURATION_S / 60.0
    )]
    TooLong { path: PathBuf },
}

/// Decodes a WAV, FLAC, Ogg Vorbis or MP3 file and mixes all its channels down to mono f32 in
/// [-1, 1] at the file's sample rate.
///
/// The format is found from the file's content, with the extension as a hint. Packets the codec
/// rejects as corrupt are skipped (a damaged frame in an MP3 is silence, not a failed render); a
/// file that ends early yields the audio before the cut. I/O errors other than end-of-file fail.
pub fn load_mono(path: &Path) -> Result<MonoClip, AudioFileError> {
    let open_error = |source| AudioFileError::Open {
        path: path.to_owned(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(open_error)?;
    if !metadata.is_file() {
        return Err(open_error(io::Error::other("not a regular file")));
    }
    let mut file = File::open(path).map_err(open_error)?;
    // symphonia 0.5's WAV reader panics on a zero sample rate; catch that one before it.
    if wav_sample_rate(&mut file).map_err(open_error)? == Some(0) {
        return Err(AudioFileError::SampleRate {
            path: path.to_owned(),
            rate: 0,
        });
    }
    // NOTE: symphonia's parsers are fuzzed but have panicked on crafted input before; a render
    // must report a bad file, not abort. The default panic hook still prints the panic message.
    catch_unwind(AssertUnwindSafe(|| decode(path, file))).unwrap_or_else(|_| {
        Err(AudioFileError::Crashed {
            path: path.to_owned(),
        })
    })
}

/// The sample rate in a RIFF/WAVE file's `fmt ` chunk; `None` when `file` is not a WAV file or
/// has no readable `fmt ` chunk (symphonia then reports it). Leaves `file` at its start.
fn wav_sample_rate(file: &mut File) -> io::Result<Option<u32>> {
    use std::io::{Read, Seek, SeekFrom};
    /// Chunks to skip before giving up on finding `fmt `.
    const MAX_CHUNKS: usize = 64;

    let mut rate = None;
    let mut header = [0u8; 12];
    if file.read_exact(&mut header).is_ok() && &header[..4] == b"RIFF" && &header[8..] == b"WAVE" {
        let mut chunk = [0u8; 8];
        for _ in 0..MAX_CHUNKS {
            if file.read_exact(&mut chunk).is_err() {
                break;
            }
            let size = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
            if &chunk[..4] == b"fmt " {
                // format tag (2), channels (2), sample rate (4)
                let mut fields = [0u8; 8];
                if file.read_exact(&mut fields).is_ok() {
                    rate = Some(u32::from_le_bytes([
                        fields[4], fields[5], fields[6], fields[7],
                    ]));
                }
                break;
            }
            // Chunks are padded to an even length.
            file.seek(SeekFrom::Current(i64::from(size) + i64::from(size & 1)))?;
        }
    }
    file.seek(SeekFrom::Start(0))?;
    Ok(rate)
}

fn decode(path: &Path, file: File) -> Result<MonoClip, AudioFileError> {
    let mut hint = Hint::new();
    if let Some(extension) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(extension);
    }
    let probed = probe(&hint, Box::new(file)).map_err(|error| match error {
        SymphoniaError::IoError(source) if source.kind() != io::ErrorKind::UnexpectedEof => {
            AudioFileError::Open {
                path: path.to_owned(),
                source,
            }
        }
        SymphoniaError::IoError(_) => AudioFileError::Truncated {
            path: path.to_owned(),
        },
        SymphoniaError::Unsupported(_) => AudioFileError::NotAudio {
            path: path.to_owned(),
            detail: "no known format signature".into(),
        },
        other => AudioFileError::NotAudio {
            path: path.to_owned(),
            detail: other.to_string(),
        },
    })?;
    let mut format = probed.format;
    let (mut track_id, mut decoder) = open_track(path, format.as_ref())?;
    let declared_frames = decoder.codec_params().n_frames;

    let mut mono: Vec<f32> = Vec::new();
    let mut sample_rate: Option<u32> = None;
    let mut max_frames = usize::MAX;
    let mut scratch: Option<AudioBuffer<f32>> = None;
    let mut last_decode_error: Option<String> = None;
    let at_s = |frames: usize, rate: Option<u32>| match rate {
        Some(rate) => frames as f64 / f64::from(rate),
        None => 0.0,
    };

    // Packets read since audio last came out: a malformed header (a WAV block size of 0) can make
    // a reader return empty packets forever.
    let mut unproductive = 0usize;
    loop {
        unproductive += 1;
        if unproductive > MAX_PACKETS_WITHOUT_AUDIO {
            return Err(AudioFileError::Decode {
                path: path.to_owned(),
                at_s: at_s(mono.len(), sample_rate),
                detail: format!(
                    "no audio in {MAX_PACKETS_WITHOUT_AUDIO} packets; the stream is malformed"
                ),
            });
        }
        let packet = match format.next_packet() {
            Ok(packet) => packet,
            Err(SymphoniaError::IoError(error)) if error.kind() == io::ErrorKind::UnexpectedEof => {
                break;
            }
            Err(SymphoniaError::ResetRequired) => {
                // A chained stream (e.g. concatenated Ogg files) with new parameters: start a
                // decoder for the new track and carry on.
                (track_id, decoder) = open_track(path, format.as_ref())?;
                continue;
            }
            Err(SymphoniaError::IoError(source)) => {
                return Err(AudioFileError::Read {
                    path: path.to_owned(),
                    at_s: at_s(mono.len(), sample_rate),
                    source,
                });
            }
            Err(SymphoniaError::DecodeError(detail)) => {
                // The demuxer could not frame this packet; it resynchronises on the next one.
                last_decode_error = Some(detail.to_string());
                continue;
            }
            Err(other) => {
                return Err(AudioFileError::Decode {
                    path: path.to_owned(),
                    at_s: at_s(mono.len(), sample_rate),
                    detail: other.to_string(),
                });
            }
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(decoded) => decoded,
            // NOTE: the decoder reads only the packet in memory, so an I/O error here means the
            // packet is truncated or corrupt, like a decode error: skip it.
            Err(SymphoniaError::DecodeError(detail)) => {
                last_decode_error = Some(detail.to_string());
                continue;
            }
            Err(SymphoniaError::IoError(error)) => {
                last_decode_error = Some(error.to_string());
                continue;
            }
            Err(other) => {
                return Err(AudioFileError::Decode {
                    path: path.to_owned(),
                    at_s: at_s(mono.len(), sample_rate),
                    detail: other.to_string(),
                });
            }
        };
        let spec = *decoded.spec();
        match sample_rate {
            None => {
                if spec.rate == 0 || spec.rate > MAX_SAMPLE_RATE {
                    return Err(AudioFileError::SampleRate {
                        path: path.to_owned(),
                        rate: spec.rate,
                    });
                }
                sample_rate = Some(spec.rate);
                max_frames = (MAX_DURATION_S * f64::from(spec.rate)) as usize;
                // Reserve for the declared length, but never trust a header for more than ten
                // minutes of memory up front.
                let ten_minutes = 600 * spec.rate as usize;
                mono.reserve(declared_frames.map_or(0, |n| n.min(ten_minutes as u64) as usize));
            }
            Some(rate) if rate != spec.rate => {
                return Err(AudioFileError::Decode {
                    path: path.to_owned(),
                    at_s: at_s(mono.len(), sample_rate),
                    detail: format!("the sample rate changes from {rate} Hz to {} Hz", spec.rate),
                });
            }
            Some(_) => {}
        }
        let channels = spec.channels.count();
        if decoded.frames() == 0 || channels == 0 {
            continue;
        }
        if mono.len() + decoded.frames() > max_frames {
            return Err(AudioFileError::TooLong {
                path: path.to_owned(),
            });
        }
        let buffer = match &mut scratch {
            Some(buffer) if buffer.spec() == &spec && buffer.capacity() >= decoded.capacity() => {
                buffer
            }
            slot => slot.insert(decoded.make_equivalent::<f32>()),
        };
        decoded.convert(buffer);
        mix_down(buffer, &mut mono);
        unproductive = 0;
    }

    let Some(sample_rate) = sample_rate else {
        return Err(match last_decode_error {
            Some(detail) => AudioFileError::Decode {
                path: path.to_owned(),
                at_s: 0.0,
                detail,
            },
            None => AudioFileError::Empty {
                path: path.to_owned(),
            },
        });
    };
    if mono.is_empty() {
        return Err(AudioFileError::Empty {
            path: path.to_owned(),
        });
    }
    mono.shrink_to_fit();
    Ok(MonoClip {
        samples: mono,
        sample_rate,
    })
}

/// Finds the container format of `source`.
fn probe(hint: &Hint, source: Box<dyn MediaSource>) -> Result<ProbeResult, SymphoniaError> {
    let stream = MediaSourceStream::new(source, MediaSourceStreamOptions::default());
    symphonia::default::get_probe().format(
        hint,
        stream,
        // Gapless: trim the encoder delay and padding MP3 (LAME) and Ogg declare, so the clip
        // is as long as the music and the video stays in sync with it.
        &FormatOptions {
            enable_gapless: true,
            ..FormatOptions::default()
        },
        &MetadataOptions::default(),
    )
}

/// The first audio track this build can decode, with a decoder for it.
fn open_track(
    path: &Path,
    format: &dyn FormatReader,
) -> Result<(u32, Box<dyn Decoder>), AudioFileError> {
    let codecs = symphonia::default::get_codecs();
    let mut audio_tracks = format
        .tracks()
        .iter()
        .filter(|track| track.codec_params.codec != CODEC_TYPE_NULL)
        .peekable();
    let Some(first) = audio_tracks.peek().copied() else {
        return Err(AudioFileError::NoAudioTrack {
            path: path.to_owned(),
        });
    };
    let Some(track) =
        audio_tracks.find(|track| codecs.get_codec(track.codec_params.codec).is_some())
    else {
        return Err(AudioFileError::UnsupportedCodec {
            path: path.to_owned(),
            codec: first.codec_params.codec.to_string(),
        });
    };
    if let Some(rate) = track.codec_params.sample_rate
        && (rate == 0 || rate > MAX_SAMPLE_RATE)
    {
        return Err(AudioFileError::SampleRate {
            path: path.to_owned(),
            rate,
        });
    }
    let decoder = codecs
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|error| AudioFileError::UnsupportedCodec {
            path: path.to_owned(),
            codec: format!("{}: {error}", track.codec_params.codec),
        })?;
    Ok((track.id, decoder))
}

/// Appends the mean of `buffer`'s channels to `mono`.
fn mix_down(buffer: &AudioBuffer<f32>, mono: &mut Vec<f32>) {
    let planes = buffer.planes();
    let planes = planes.planes();
    let Some((first, rest)) = planes.split_first() else {
        return;
    };
    let start = mono.len();
    mono.extend_from_slice(first);
    let mixed = &mut mono[start..];
    for plane in rest {
        for (out, &sample) in mixed.iter_mut().zip(plane.iter()) {
            *out += sample;
        }
    }
    let scale = 1.0 / planes.len() as f32;
    if planes.len() > 1 {
        for out in mixed {
            *out *= scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A scratch file path unique to this test process.
    fn scratch(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "synesthete-audio-file-{}-{name}",
            std::process::id()
        ))
    }

    fn write_wav(path: &Path, channels: u16, frames: &[Vec<i16>]) {
        let spec = hound::WavSpec {
            channels,
            sample_rate: 22_050,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(path, spec).unwrap();
        for frame in frames {
            for &sample in frame {
                writer.write_sample(sample).unwrap();
            }
        }
        writer.finalize().unwrap();
    }

    #[test]
    fn wav_channels_are_averaged() {
        let path = scratch("stereo.wav");
        let frames: Vec<Vec<i16>> = (0..1000).map(|_| vec![16_384, -8_192]).collect();
        write_wav(&path, 2, &frames);
        let clip = load_mono(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(clip.sample_rate, 22_050);
        assert_eq!(clip.samples.len(), 1000);
        // (0.5 - 0.25) / 2
        assert!(clip.samples.iter().all(|&s| (s - 0.125).abs() < 1e-6));
    }

    #[test]
    fn missing_file_and_directory_are_read_errors() {
        let err = load_mono(Path::new("/nonexistent/song.flac")).unwrap_err();
        assert!(matches!(err, AudioFileError::Open { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with("cannot read /nonexistent/song.flac")
        );
        let err = load_mono(&std::env::temp_dir()).unwrap_err();
        assert!(matches!(err, AudioFileError::Open { .. }), "{err}");
    }

    #[test]
    fn text_and_empty_files_are_not_audio() {
        let path = scratch("notes.mp3");
        std::fs::write(&path, "these are my notes, not a song\n".repeat(100)).unwrap();
        let err = load_mono(&path).unwrap_err();
        assert!(matches!(err, AudioFileError::NotAudio { .. }), "{err}");
        let message = err.to_string();
        assert!(
            message.contains("supported: WAV, FLAC, Ogg Vorbis, MP3"),
            "{message}"
        );
        assert_eq!(message.lines().count(), 1, "{message}");

        std::fs::write(&path, b"").unwrap();
        let err = load_mono(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(err, AudioFileError::NotAudio { .. }), "{err}");
    }

    #[test]
    fn wav_without_samples_is_empty() {
        let path = scratch("empty.wav");
        write_wav(&path, 1, &[]);
        let err = load_mono(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(err, AudioFileError::Empty { .. }), "{err}");
    }

    /// A 44-byte canonical PCM WAV header for `data_len` bytes of 16-bit mono at `rate`.
    fn wav_header(rate: u32, data_len: u32) -> Vec<u8> {
        let mut header = Vec::new();
        header.extend_from_slice(b"RIFF");
        header.extend_from_slice(&(36 + data_len).to_le_bytes());
        header.extend_from_slice(b"WAVEfmt ");
        header.extend_from_slice(&16u32.to_le_bytes());
        header.extend_from_slice(&1u16.to_le_bytes()); // PCM
        header.extend_from_slice(&1u16.to_le_bytes()); // mono
        header.extend_from_slice(&rate.to_le_bytes());
        header.extend_from_slice(&(rate * 2).to_le_bytes());
        header.extend_from_slice(&2u16.to_le_bytes());
        header.extend_from_slice(&16u16.to_le_bytes());
        header.extend_from_slice(b"data");
        header.extend_from_slice(&data_len.to_le_bytes());
        header
    }

    #[test]
    fn zero_sample_rate_is_rejected() {
        let path = scratch("zero-rate.wav");
        let mut bytes = wav_header(0, 200);
        bytes.extend_from_slice(&[0u8; 200]);
        std::fs::write(&path, bytes).unwrap();
        let err = load_mono(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(
            matches!(err, AudioFileError::SampleRate { rate: 0, .. }),
            "{err}"
        );
    }

    #[test]
    fn crafted_wav_headers_are_clear_errors() {
        // (byte offset in the canonical header, little-endian field value, field size)
        for (offset, value, size) in [
            (20, 0xFFFF, 2), // format tag: unknown
            (20, 3, 2),      // IEEE float with 16 bits
            (22, 0, 2),      // channels
            (22, 300, 2),    // channels
            (28, 0, 4),      // byte rate
            (32, 0, 2),      // block align
            (32, 7, 2),      // block align
            (34, 0, 2),      // bits per sample
            (34, 7, 2),      // bits per sample
            (34, 64, 2),     // bits per sample
            (16, 2, 4),      // fmt chunk too short
            (16, 0xFFFF_FFF0, 4),
            (40, 0, 4), // empty data chunk
        ] {
            let path = scratch(&format!("crafted-{offset}-{value}.wav"));
            let mut bytes = wav_header(8_000, 400);
            bytes[offset..offset + size].copy_from_slice(&u32::to_le_bytes(value)[..size]);
            bytes.extend_from_slice(&[0x55u8; 400]);
            std::fs::write(&path, bytes).unwrap();
            let result = load_mono(&path);
            std::fs::remove_file(&path).unwrap();
            if let Err(err) = result {
                assert_one_line_without_crash(&err);
            }
        }
    }

    #[test]
    fn absurd_sample_rate_is_rejected() {
        let path = scratch("fast.wav");
        let mut bytes = wav_header(4_000_000, 200);
        bytes.extend_from_slice(&[0u8; 200]);
        std::fs::write(&path, bytes).unwrap();
        let err = load_mono(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(
            matches!(
                err,
                AudioFileError::SampleRate {
                    rate: 4_000_000,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn more_than_two_hours_is_too_long() {
        // 2 h 0.5 s at 1 Hz: 7201 samples, a small file that is long in time.
        let path = scratch("long.wav");
        let frames = (MAX_DURATION_S as u32) + 1;
        let mut bytes = wav_header(1, frames * 2);
        bytes.resize(bytes.len() + frames as usize * 2, 0);
        std::fs::write(&path, bytes).unwrap();
        let err = load_mono(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(err, AudioFileError::TooLong { .. }), "{err}");
        assert!(err.to_string().contains("120 minutes"), "{err}");
    }

    #[test]
    fn header_claiming_more_data_than_present_is_cut_short_not_fatal() {
        // The header declares a 4 GB data chunk; only 1000 samples follow.
        let path = scratch("liar.wav");
        let mut bytes = wav_header(8_000, u32::MAX - 64);
        for i in 0..1000i16 {
            bytes.extend_from_slice(&(i * 10).to_le_bytes());
        }
        std::fs::write(&path, bytes).unwrap();
        let result = load_mono(&path);
        std::fs::remove_file(&path).unwrap();
        let clip = result.unwrap();
        assert_eq!(clip.sample_rate, 8_000);
        assert!(clip.samples.len() <= 1000, "{}", clip.samples.len());
    }

    /// A clear error, not a caught decoder panic: a panic here means a new malformed-input case
    /// for a pre-check like `wav_sample_rate`.
    fn assert_one_line_without_crash(err: &AudioFileError) {
        assert!(!matches!(err, AudioFileError::Crashed { .. }), "{err}");
        assert_eq!(err.to_string().lines().count(), 1, "{err}");
    }

    #[test]
    fn random_bytes_never_panic() {
        // A fixed xorshift so failures reproduce.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for (i, extension) in ["wav", "flac", "ogg", "mp3", "bin"].iter().enumerate() {
            for len in [1usize, 7, 64, 4096, 65_536] {
                let path = scratch(&format!("random-{i}-{len}.{extension}"));
                let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                std::fs::write(&path, &bytes).unwrap();
                // Anything but a panic is fine: random bytes can contain MP3 frame syncs.
                let result = load_mono(&path);
                std::fs::remove_file(&path).unwrap();
                if let Err(err) = result {
                    assert_one_line_without_crash(&err);
                }
            }
        }
        // Random bytes behind valid magic numbers reach the codecs' parsers.
        for magic in [
            &b"fLaC"[..],
            b"OggS",
            b"ID3\x03\x00\x00\x00\x00\x00\x00",
            b"RIFF",
        ] {
            let path = scratch("random-magic.bin");
            let mut file = File::create(&path).unwrap();
            file.write_all(magic).unwrap();
            let bytes: Vec<u8> = (0..8192).map(|_| next() as u8).collect();
            file.write_all(&bytes).unwrap();
            drop(file);
            let result = load_mono(&path);
            std::fs::remove_file(&path).unwrap();
            if let Err(err) = result {
                assert_one_line_without_crash(&err);
            }
        }
    }

    #[test]
    fn truncated_wav_keeps_what_is_there() {
        let path = scratch("truncated.wav");
        let frames: Vec<Vec<i16>> = (0..22_050).map(|i| vec![(i % 100) as i16 * 100]).collect();
        write_wav(&path, 1, &frames);
        let bytes = std::fs::read(&path).unwrap();
        for cut in [10, 43, 44, 45, 1001, bytes.len() / 2] {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            match load_mono(&path) {
                Ok(clip) => assert!(clip.samples.len() < 22_050 && !clip.samples.is_empty()),
                Err(err) => assert_one_line_without_crash(&err),
            }
        }
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let clip = load_mono(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        // All but the partial packet at the cut.
        assert!(
            (10_000..=11_025).contains(&clip.samples.len()),
            "{}",
            clip.samples.len()
        );
    }
}
