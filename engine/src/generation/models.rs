//! ONNX Runtime sessions for one model set, with the manifest that describes them. Every input
//! is checked against the manifest's shapes before it reaches ONNX Runtime, and every failure is
//! a [`GenerationError`], never a panic.

use std::path::Path;

use ort::ep::ExecutionProviderDispatch;
use ort::session::{Session, SessionInputValue};
use ort::value::Tensor;

use crate::latent_map::LatentMap;
use crate::manifest::{GraphSpec, Manifest, ManifestError};
use crate::runtime::RuntimeError;

use super::provider::{self, ProviderReport};

#[derive(Debug, thiserror::Error)]
pub enum GenerationError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("the model set has no {0} graph")]
    MissingGraph(&'static str),
    #[error("the model set's manifest has no diffusion settings")]
    NoDiffusionSettings,
    #[error("the audio cannot be analysed: {0}")]
    Audio(String),
    #[error("ONNX Runtime could not {action} the {role} graph: {reason}")]
    Session {
        role: &'static str,
        action: &'static str,
        reason: String,
    },
    #[error("the frame could not be written: {0}")]
    Sink(String),
    #[error("{what} has {got} values, the model set expects {expected}")]
    Shape {
        what: &'static str,
        expected: usize,
        got: usize,
    },
}

/// The sessions of a model set. `dit` is absent from a set exported before the DiT was trained.
pub struct Models {
    pub manifest: Manifest,
    /// The execution provider all three sessions run on.
    pub provider: ProviderReport,
    audio_encoder: Session,
    dit: Option<Session>,
    decoder: Session,
    /// Only with [`Models::load_with_image_encoder`].
    image_encoder: Option<Session>,
    /// The latent pad's map, when the set ships one.
    pub latent_map: Option<LatentMap>,
}

fn session(
    environment: &ort::environment::Environment,
    bytes: &[u8],
    role: &'static str,
    threads: usize,
    accelerator: Option<&ExecutionProviderDispatch>,
) -> Result<Session, GenerationError> {
    let error = |action, reason: String| GenerationError::Session {
        role,
        action,
        reason,
    };
    let mut builder = Session::builder(environment)
        .map_err(|e| error("configure", e.to_string()))?
        .with_intra_threads(threads.max(1))
        .map_err(|e| error("configure", e.to_string()))?
        // Idle ONNX Runtime threads must sleep, not spin: spinning between the few small runs
        // of a frame took the cores from the host's audio thread and the GPU post stage
        // (lavapipe rasterises on the CPU) — 17.8 vs 37 fps in `synesthete bench` on 2 cores.
        .with_intra_op_spinning(false)
        .map_err(|e| error("configure", e.to_string()))?;
    if let Some(accelerator) = accelerator {
        builder = builder
            .with_execution_providers([accelerator.clone()])
            .map_err(|e| error("use the accelerator for", e.to_string()))?;
    }
    builder
        .commit_from_memory(bytes)
        .map_err(|e| error("load", e.to_string()))
}

fn input_name(graph: &GraphSpec, index: usize) -> String {
    graph.inputs[index].name.clone()
}

/// Audio encoder, decoder, DiT, image encoder.
type Sessions = (Session, Session, Option<Session>, Option<Session>);

impl Models {
    /// Loads and verifies the set in `dir` with ONNX Runtime from `environment`, each session
    /// using up to `threads` threads, on the first accelerator that accepts every graph (see
    /// `provider`), the CPU otherwise. The optional image encoder is left out: generation never
    /// runs it.
    pub fn load(
        dir: &Path,
        environment: &ort::environment::Environment,
        threads: usize,
    ) -> Result<Self, GenerationError> {
        Self::load_roles(dir, environment, threads, false)
    }

    /// [`Models::load`] plus the image encoder, for [`Models::encode_image`] (the trainer's
    /// measure of what the autoencoder can give).
    pub fn load_with_image_encoder(
        dir: &Path,
        environment: &ort::environment::Environment,
        threads: usize,
    ) -> Result<Self, GenerationError> {
        Self::load_roles(dir, environment, threads, true)
    }

    fn load_roles(
        dir: &Path,
        environment: &ort::environment::Environment,
        threads: usize,
        image_encoder: bool,
    ) -> Result<Self, GenerationError> {
        let (manifest, graphs) = Manifest::load_with_graphs(dir)?;
        let latent_map = manifest
            .latent_map
            .as_deref()
            .map(|file| LatentMap::load(dir, file, manifest.conditioning_dims))
            .transpose()?;
        let open =
            |accelerator: Option<&ExecutionProviderDispatch>| -> Result<Sessions, GenerationError> {
                let load = |role: &'static str| -> Result<Option<Session>, GenerationError> {
                    graphs
                        .get(role)
                        .map(|bytes| session(environment, bytes, role, threads, accelerator))
                        .transpose()
                };
                let audio_encoder =
                    load("audio_encoder")?.ok_or(GenerationError::MissingGraph("audio_encoder"))?;
                let decoder =
                    load("image_decoder")?.ok_or(GenerationError::MissingGraph("image_decoder"))?;
                let encoder = if image_encoder {
                    load("image_encoder")?
                } else {
                    None
                };
                Ok((audio_encoder, decoder, load("dit")?, encoder))
            };
        let mut passed_over = Vec::new();
        let mut chosen = None;
        for (name, accelerator) in provider::accelerators() {
            match open(Some(&accelerator)) {
                Ok(sessions) => {
                    chosen = Some((name, sessions));
                    break;
                }
                Err(error) => passed_over.push(format!("{name} failed: {error}")),
            }
        }
        let (name, (audio_encoder, decoder, dit, image_encoder)) = match chosen {
            Some(chosen) => chosen,
            None => (provider::CPU, open(None)?),
        };
        Ok(Self {
            manifest,
            provider: ProviderReport {
                name: name.into(),
                passed_over,
            },
            audio_encoder,
            dit,
            decoder,
            image_encoder,
            latent_map,
        })
    }

    pub fn has_dit(&self) -> bool {
        self.dit.is_some()
    }

    /// Values in one latent.
    pub fn latent_len(&self) -> usize {
        let l = &self.manifest.latent;
        l.channels * l.height * l.width
    }

    /// Values in one decoded RGB frame (CHW).
    pub fn image_len(&self) -> usize {
        3 * self.manifest.image_size * self.manifest.image_size
    }

    /// Width of the style one-hot the DiT takes (0 when it takes none).
    pub fn styles(&self) -> usize {
        self.manifest
            .graphs
            .get("dit")
            .and_then(|g| g.inputs.get(3))
            .and_then(|s| s.shape.get(1))
            .map_or(0, |&n| n.max(0) as usize)
    }

    /// How many items of `per` values `len` values hold: at least one, and no remainder.
    fn batch(what: &'static str, per: usize, len: usize) -> Result<usize, GenerationError> {
        if per == 0 || len == 0 || !len.is_multiple_of(per) {
            return Err(GenerationError::Shape {
                what,
                expected: per,
                got: len,
            });
        }
        Ok(len / per)
    }

    fn check(what: &'static str, expected: usize, got: usize) -> Result<(), GenerationError> {
        if expected == got {
            Ok(())
        } else {
            Err(GenerationError::Shape {
                what,
                expected,
                got,
            })
        }
    }

    /// Audio conditioning vectors `[batch, conditioning_dims]` of `batch` log-mel windows laid
    /// out `[batch, n_mels, context_frames]` (band-major, the engine's normalisation).
    pub fn encode_audio(&mut self, mel: &[f32], batch: usize) -> Result<Vec<f32>, GenerationError> {
        let (n_mels, frames) = (self.manifest.features.n_mels, self.manifest.context_frames);
        Self::check("the log-mel window", batch * n_mels * frames, mel.len())?;
        let name = input_name(&self.manifest.graphs["audio_encoder"], 0);
        let input = tensor(
            vec![batch, 1, n_mels, frames],
            mel.to_vec(),
            "audio_encoder",
        )?;
        let output = self.manifest.graphs["audio_encoder"].outputs[0]
            .name
            .clone();
        run(
            &mut self.audio_encoder,
            "audio_encoder",
            vec![(name, input)],
            &output,
        )
    }

    /// The DiT's raw output for `batch` latents (`[batch, C, H, W]`, the DiT's unit-variance
    /// space) at per-row timesteps, with `[batch, dims]` audio and `[batch, styles]` style rows.
    pub fn dit(
        &mut self,
        latent: &[f32],
        timesteps: &[f32],
        audio: &[f32],
        style: &[f32],
    ) -> Result<Vec<f32>, GenerationError> {
        let batch = timesteps.len();
        let styles = self.styles();
        let l = &self.manifest.latent;
        let latent_shape = vec![batch, l.channels, l.height, l.width];
        Self::check("the latent batch", batch * self.latent_len(), latent.len())?;
        Self::check(
            "the audio batch",
            batch * self.manifest.conditioning_dims,
            audio.len(),
        )?;
        Self::check("the style batch", batch * styles, style.len())?;
        let graph = self
            .manifest
            .graphs
            .get("dit")
            .ok_or(GenerationError::MissingGraph("dit"))?;
        let mut inputs = vec![
            (
                input_name(graph, 0),
                tensor(latent_shape, latent.to_vec(), "dit")?,
            ),
            (
                input_name(graph, 1),
                tensor(vec![batch], timesteps.to_vec(), "dit")?,
            ),
            (
                input_name(graph, 2),
                tensor(
                    vec![batch, self.manifest.conditioning_dims],
                    audio.to_vec(),
                    "dit",
                )?,
            ),
        ];
        if styles > 0 {
            inputs.push((
                input_name(graph, 3),
                tensor(vec![batch, styles], style.to_vec(), "dit")?,
            ));
        }
        let output = graph.outputs[0].name.clone();
        let session = self
            .dit
            .as_mut()
            .ok_or(GenerationError::MissingGraph("dit"))?;
        run(session, "dit", inputs, &output)
    }

    /// Latents in the DiT's space (the image encoder's means times the latent scale) of
    /// `[batch, 3, size, size]` RGB frames in [0, 1]; needs the set's optional image encoder.
    pub fn encode_image(&mut self, images: &[f32]) -> Result<Vec<f32>, GenerationError> {
        let batch = Self::batch("the image batch", self.image_len(), images.len())?;
        let graph = self
            .manifest
            .graphs
            .get("image_encoder")
            .ok_or(GenerationError::MissingGraph("image_encoder"))?;
        let size = self.manifest.image_size;
        let shape = vec![batch, 3, size, size];
        let inputs = vec![(
            input_name(graph, 0),
            tensor(shape, images.to_vec(), "image_encoder")?,
        )];
        let output = graph.outputs[0].name.clone();
        let scale = self.manifest.latent.scale;
        let session = self
            .image_encoder
            .as_mut()
            .ok_or(GenerationError::MissingGraph("image_encoder"))?;
        let mut latent = run(session, "image_encoder", inputs, &output)?;
        latent.iter_mut().for_each(|v| *v *= scale);
        Ok(latent)
    }

    /// RGB frames `[batch, 3, size, size]` in [0, 1] from latents in the DiT's space (divided by
    /// the manifest's latent scale before decoding).
    pub fn decode(&mut self, latent: &[f32]) -> Result<Vec<f32>, GenerationError> {
        let batch = Self::batch("the latent batch", self.latent_len(), latent.len())?;
        let l = &self.manifest.latent;
        let unscaled: Vec<f32> = latent.iter().map(|v| v / l.scale).collect();
        let shape = vec![batch, l.channels, l.height, l.width];
        let name = input_name(&self.manifest.graphs["image_decoder"], 0);
        let input = tensor(shape, unscaled, "image_decoder")?;
        let output = self.manifest.graphs["image_decoder"].outputs[0]
            .name
            .clone();
        run(
            &mut self.decoder,
            "image_decoder",
            vec![(name, input)],
            &output,
        )
    }
}

fn tensor(
    shape: Vec<usize>,
    data: Vec<f32>,
    role: &'static str,
) -> Result<SessionInputValue<'static>, GenerationError> {
    Tensor::from_array((shape, data))
        .map(Into::into)
        .map_err(|e| GenerationError::Session {
            role,
            action: "take an input for",
            reason: e.to_string(),
        })
}

fn run(
    session: &mut Session,
    role: &'static str,
    inputs: Vec<(String, SessionInputValue<'static>)>,
    output: &str,
) -> Result<Vec<f32>, GenerationError> {
    let error = |e: ort::Error| GenerationError::Session {
        role,
        action: "run",
        reason: e.to_string(),
    };
    let outputs = session.run(inputs).map_err(error)?;
    let value = outputs
        .get(output)
        .ok_or_else(|| GenerationError::Session {
            role,
            action: "read the output of",
            reason: format!("no output named {output}"),
        })?;
    let (_, data) = value.try_extract_tensor::<f32>().map_err(error)?;
    Ok(data.to_vec())
}
