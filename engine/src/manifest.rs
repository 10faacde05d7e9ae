//! The model manifest (`models/manifest.json`): every number the engine must not guess about a
//! model set — feature settings, tensor names and shapes, latent layout, the training config
//! and evaluation figures — and each file's SHA-256. Written by the trainer, validated here: a
//! model folder is untrusted data from disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diffusion::{GuidanceInterval, NoiseSchedule};
use crate::features::FeatureConfig;

/// The manifest schema version this engine reads.
pub const MANIFEST_VERSION: u32 = 1;
pub const MANIFEST_FILE: &str = "manifest.json";

/// One tensor of a graph's interface. `-1` marks the free (batch) dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensorSpec {
    pub name: String,
    pub shape: Vec<i64>,
}

/// One ONNX graph of the set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphSpec {
    /// File name inside the model folder.
    pub file: String,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
    pub inputs: Vec<TensorSpec>,
    pub outputs: Vec<TensorSpec>,
}

/// Layout of the image VAE's latent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatentSpec {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    /// Multiply encoder means by this to get unit-variance latents (the DiT's space).
    pub scale: f32,
}

/// What the model predicts; the sampler converts it to a clean-latent estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prediction {
    /// v = √ᾱ·ε − √(1 − ᾱ)·x₀ (see `crate::diffusion::schedule`).
    V,
}

/// How to sample the DiT: its training schedule and the settings it was evaluated with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffusionSpec {
    pub schedule: NoiseSchedule,
    pub prediction: Prediction,
    /// DDIM steps the evaluation figures were measured with (the default "steps" parameter).
    pub recommended_steps: usize,
    /// Classifier-free guidance scale the evaluation used.
    pub guidance: f32,
    /// Where in the schedule guidance applies; absent: at every step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance_interval: Option<GuidanceInterval>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    /// A human-readable name of the model set.
    pub name: String,
    pub features: FeatureConfig,
    /// Log-mel frames the audio encoder sees.
    pub context_frames: usize,
    /// Side of the square RGB frames the decoder produces.
    pub image_size: usize,
    pub latent: LatentSpec,
    /// Size of the audio conditioning vector.
    pub conditioning_dims: usize,
    /// Graphs by role: `audio_encoder`, `image_encoder`, `image_decoder`, and (once trained) `dit`.
    pub graphs: BTreeMap<String, GraphSpec>,
    /// Present once a DiT is part of the set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diffusion: Option<DiffusionSpec>,
    /// The latent map file for the latent pad ([`crate::latent_map`]); sets without one
    /// ignore the pad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latent_map: Option<String>,
    /// The training configuration, as the trainer wrote it.
    #[serde(default)]
    pub training: serde_json::Value,
    /// Evaluation figures, as the trainer wrote them.
    #[serde(default)]
    pub evaluation: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error(
        "no model set at {0}: {MANIFEST_FILE} is missing. Choose a folder that holds one, or reinstall Synesthete"
    )]
    Missing(PathBuf),
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{path} is not a valid manifest: {reason}")]
    Malformed { path: PathBuf, reason: String },
    #[error(
        "{path} has manifest version {found}; this Synesthete reads version {MANIFEST_VERSION}. Update Synesthete or re-export the models"
    )]
    UnsupportedVersion { path: PathBuf, found: u32 },
    #[error("model file {0} listed in the manifest is missing")]
    MissingFile(PathBuf),
    #[error(
        "model file {path} is corrupt or was modified (SHA-256 {found}, manifest says {expected}); re-export or reinstall the models"
    )]
    HashMismatch {
        path: PathBuf,
        expected: String,
        found: String,
    },
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Manifest {
    /// Reads and validates `<dir>/manifest.json`, and checks every graph file's hash.
    pub fn load(dir: &Path) -> Result<Self, ManifestError> {
        Self::load_with_graphs(dir).map(|(manifest, _)| manifest)
    }

    /// Like [`Manifest::load`], and returns the bytes of every graph by role as they were
    /// hash-checked, so a caller that builds sessions reads and hashes each file once.
    pub fn load_with_graphs(
        dir: &Path,
    ) -> Result<(Self, BTreeMap<String, Vec<u8>>), ManifestError> {
        let path = dir.join(MANIFEST_FILE);
        if !path.is_file() {
            return Err(ManifestError::Missing(dir.to_path_buf()));
        }
        let bytes = std::fs::read(&path).map_err(|e| ManifestError::Unreadable {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let malformed = |reason: String| ManifestError::Malformed {
            path: path.clone(),
            reason,
        };
        // Check the version before the rest so a newer schema gets the right message.
        let raw: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| malformed(e.to_string()))?;
        let version = raw
            .get("version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| malformed("no \"version\" number".into()))?;
        if version != MANIFEST_VERSION as u64 {
            return Err(ManifestError::UnsupportedVersion {
                path,
                found: version as u32,
            });
        }
        let manifest: Manifest =
            serde_json::from_value(raw).map_err(|e| malformed(e.to_string()))?;
        manifest.validate().map_err(malformed)?;
        let mut graphs = BTreeMap::new();
        for (role, graph) in &manifest.graphs {
            graphs.insert(role.clone(), manifest.verify_file(dir, graph)?);
        }
        Ok((manifest, graphs))
    }

    fn verify_file(&self, dir: &Path, graph: &GraphSpec) -> Result<Vec<u8>, ManifestError> {
        let path = dir.join(&graph.file);
        let bytes = std::fs::read(&path).map_err(|_| ManifestError::MissingFile(path.clone()))?;
        let found = sha256_hex(&bytes);
        if found != graph.sha256 {
            return Err(ManifestError::HashMismatch {
                path,
                expected: graph.sha256.clone(),
                found,
            });
        }
        Ok(bytes)
    }

    /// Internal consistency: shapes agree with the declared features and latent.
    pub fn validate(&self) -> Result<(), String> {
        self.features.validate()?;
        if self.context_frames == 0 || self.image_size == 0 || self.conditioning_dims == 0 {
            return Err("context_frames, image_size and conditioning_dims must be positive".into());
        }
        if self.latent.channels == 0
            || self.latent.height == 0
            || self.latent.width == 0
            || self.latent.scale.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
        {
            return Err("latent channels, size and scale must be positive".into());
        }
        for (role, graph) in &self.graphs {
            let plain = Path::new(&graph.file);
            if plain.components().count() != 1 || graph.file.starts_with('.') {
                return Err(format!(
                    "graph {role}: file {:?} must be a plain file name in the model folder",
                    graph.file
                ));
            }
            if graph.sha256.len() != 64 || !graph.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("graph {role}: sha256 must be 64 hex digits"));
            }
            if graph.inputs.is_empty() || graph.outputs.is_empty() {
                return Err(format!("graph {role}: inputs and outputs must be listed"));
            }
        }
        let expect = |role: &str, input: Vec<i64>, output: Vec<i64>| -> Result<(), String> {
            let Some(graph) = self.graphs.get(role) else {
                return Ok(());
            };
            if graph.inputs[0].shape != input || graph.outputs[0].shape != output {
                return Err(format!(
                    "graph {role}: shapes {:?} -> {:?} disagree with the manifest ({input:?} -> {output:?})",
                    graph.inputs[0].shape, graph.outputs[0].shape
                ));
            }
            Ok(())
        };
        let latent = vec![
            -1,
            self.latent.channels as i64,
            self.latent.height as i64,
            self.latent.width as i64,
        ];
        let image = vec![-1, 3, self.image_size as i64, self.image_size as i64];
        let mel = vec![
            -1,
            1,
            self.features.n_mels as i64,
            self.context_frames as i64,
        ];
        expect("image_decoder", latent.clone(), image.clone())?;
        expect("dit", latent.clone(), latent.clone())?;
        expect("image_encoder", image, latent)?;
        expect(
            "audio_encoder",
            mel,
            vec![-1, self.conditioning_dims as i64],
        )?;
        if let Some(diffusion) = &self.diffusion {
            diffusion.schedule.validate()?;
            if !(1..=64).contains(&diffusion.recommended_steps)
                || !(0.0..=20.0).contains(&diffusion.guidance)
            {
                return Err("diffusion: recommended_steps must be 1-64 and guidance 0-20".into());
            }
            if let Some(interval) = &diffusion.guidance_interval {
                interval.validate().map_err(|e| format!("diffusion: {e}"))?;
            }
            if !self.graphs.contains_key("dit") {
                return Err("diffusion settings without a dit graph".into());
            }
        }
        for required in ["audio_encoder", "image_decoder"] {
            if !self.graphs.contains_key(required) {
                return Err(format!("the {required} graph is required"));
            }
        }
        Ok(())
    }

    /// Writes the manifest into `dir` (the trainer's side).
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(dir.join(MANIFEST_FILE), json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(file: &str, bytes: &[u8], input: Vec<i64>, output: Vec<i64>) -> GraphSpec {
        GraphSpec {
            file: file.into(),
            sha256: sha256_hex(bytes),
            inputs: vec![TensorSpec {
                name: "x".into(),
                shape: input,
            }],
            outputs: vec![TensorSpec {
                name: "y".into(),
                shape: output,
            }],
        }
    }

    fn sample(dir: &Path) -> Manifest {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("dec.onnx"), b"decoder bytes").unwrap();
        std::fs::write(dir.join("aud.onnx"), b"audio bytes").unwrap();
        let mut graphs = BTreeMap::new();
        graphs.insert(
            "image_decoder".into(),
            graph(
                "dec.onnx",
                b"decoder bytes",
                vec![-1, 4, 16, 16],
                vec![-1, 3, 128, 128],
            ),
        );
        graphs.insert(
            "audio_encoder".into(),
            graph(
                "aud.onnx",
                b"audio bytes",
                vec![-1, 1, 80, 128],
                vec![-1, 64],
            ),
        );
        Manifest {
            version: MANIFEST_VERSION,
            name: "test".into(),
            features: FeatureConfig::default(),
            context_frames: 128,
            image_size: 128,
            latent: LatentSpec {
                channels: 4,
                height: 16,
                width: 16,
                scale: 1.0,
            },
            conditioning_dims: 64,
            graphs,
            diffusion: None,
            latent_map: None,
            training: serde_json::Value::Null,
            evaluation: serde_json::Value::Null,
        }
    }

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("synesthete-manifest-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn diffusion_settings_need_a_dit_and_sane_values() {
        let dir = temp("diffusion");
        let mut manifest = sample(&dir);
        manifest.diffusion = Some(DiffusionSpec {
            schedule: NoiseSchedule::default(),
            prediction: Prediction::V,
            recommended_steps: 4,
            guidance: 2.0,
            guidance_interval: None,
        });
        let err = manifest.validate().unwrap_err();
        assert!(err.contains("without a dit graph"), "{err}");
        manifest.graphs.insert(
            "dit".into(),
            graph("dit.onnx", b"dit", vec![-1, 4, 16, 16], vec![-1, 4, 16, 16]),
        );
        manifest.validate().unwrap();
        let json = serde_json::to_string(&manifest).unwrap();
        assert!(json.contains(r#""prediction":"v""#), "{json}");
        assert_eq!(serde_json::from_str::<Manifest>(&json).unwrap(), manifest);
        assert!(!json.contains("guidance_interval"), "{json}");
        let diffusion = manifest.diffusion.as_mut().unwrap();
        diffusion.guidance_interval = Some(GuidanceInterval {
            low: 0.0,
            high: 0.7,
        });
        let json = serde_json::to_string(&manifest).unwrap();
        assert_eq!(serde_json::from_str::<Manifest>(&json).unwrap(), manifest);
        manifest.diffusion.as_mut().unwrap().guidance_interval = Some(GuidanceInterval {
            low: 0.8,
            high: 0.7,
        });
        let err = manifest.validate().unwrap_err();
        assert!(err.contains("guidance interval"), "{err}");
        manifest.diffusion.as_mut().unwrap().guidance_interval = None;
        manifest.diffusion.as_mut().unwrap().recommended_steps = 0;
        assert!(manifest.validate().is_err());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn round_trips_and_verifies_hashes() {
        let dir = temp("ok");
        let manifest = sample(&dir);
        manifest.write(&dir).unwrap();
        assert_eq!(Manifest::load(&dir).unwrap(), manifest);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn every_kind_of_bad_input_is_a_clear_error() {
        let dir = temp("bad");
        assert!(matches!(
            Manifest::load(&dir),
            Err(ManifestError::Missing(_))
        ));
        let manifest = sample(&dir);
        manifest.write(&dir).unwrap();

        std::fs::write(dir.join("dec.onnx"), b"tampered").unwrap();
        let err = Manifest::load(&dir).unwrap_err();
        assert!(matches!(err, ManifestError::HashMismatch { .. }), "{err}");
        std::fs::remove_file(dir.join("dec.onnx")).unwrap();
        assert!(matches!(
            Manifest::load(&dir),
            Err(ManifestError::MissingFile(_))
        ));

        std::fs::write(dir.join(MANIFEST_FILE), b"{ not json").unwrap();
        assert!(matches!(
            Manifest::load(&dir),
            Err(ManifestError::Malformed { .. })
        ));

        let mut newer = serde_json::to_value(&manifest).unwrap();
        newer["version"] = 7.into();
        std::fs::write(dir.join(MANIFEST_FILE), serde_json::to_vec(&newer).unwrap()).unwrap();
        let err = Manifest::load(&dir).unwrap_err();
        assert!(err.to_string().contains("version 7"), "{err}");

        let mut escaping = manifest.clone();
        escaping.graphs.get_mut("audio_encoder").unwrap().file = "../../etc/passwd".into();
        assert!(escaping.validate().unwrap_err().contains("plain file name"));

        let mut wrong_shape = manifest.clone();
        wrong_shape.latent.channels = 8;
        assert!(
            wrong_shape
                .validate()
                .unwrap_err()
                .contains("image_decoder")
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
