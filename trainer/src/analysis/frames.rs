//! Frames for a conditioning vector, drawn by an exported model set (DiT + image decoder
//! through ONNX Runtime, with the engine's sampler, as the plugin draws them), so the latent
//! traversals show what a change of the audio latent does to the picture.

use burn::prelude::*;
use synesthete_engine::generation::noise::gaussian;
use synesthete_engine::generation::{Models, SampleSettings, sample_latent};

/// Something that turns audio conditioning vectors into frames.
pub trait FrameSource {
    /// Side of the square frames.
    fn frame_size(&self) -> usize;
    /// One CHW RGB frame in [0, 1] per `[dims]` vector in `conditioning` (`[n, dims]`).
    fn frames(&mut self, conditioning: &[f32], dims: usize) -> anyhow::Result<Vec<Vec<f32>>>;
    /// One line saying what draws the frames.
    fn describe(&self) -> String;
}

/// An exported model set with a DiT, sampling every frame from one fixed initial noise (the
/// engine's fixed-noise scheme), so frames differ only through the conditioning.
pub struct ModelSetFrames {
    pub models: Models,
    pub settings: SampleSettings,
    noise: Vec<f32>,
    origin: String,
}

impl ModelSetFrames {
    /// Wraps `models` (which must have a DiT), using the manifest's recommended steps and
    /// guidance, no style (the model chooses), and the noise of `seed`.
    pub fn new(models: Models, origin: &str, seed: u64) -> anyhow::Result<Self> {
        let diffusion = models
            .manifest
            .diffusion
            .clone()
            .ok_or_else(|| anyhow::anyhow!("the model set in {origin} has no DiT"))?;
        let noise = gaussian(seed, models.latent_len());
        Ok(Self {
            settings: SampleSettings {
                steps: diffusion.recommended_steps,
                guidance: diffusion.guidance,
                guidance_interval: diffusion.guidance_interval,
                style: None,
                strength: 1.0,
            },
            models,
            noise,
            origin: origin.into(),
        })
    }

    /// Largest absolute difference between the set's ONNX audio encoder means for `mel`
    /// (`[n, n_mels, frames]`) and `expected_mu` (`[n, dims]`): near 0 when the set was exported
    /// from the analysed run, so its DiT was trained on this latent space.
    pub fn encoder_mismatch(
        &mut self,
        mel: &[f32],
        windows: usize,
        expected_mu: &[f32],
    ) -> anyhow::Result<f32> {
        let dims = self.models.manifest.conditioning_dims;
        anyhow::ensure!(
            dims * windows == expected_mu.len(),
            "the model set conditions on {dims}-d audio, the analysed encoder gives {}-d latents",
            expected_mu.len() / windows.max(1)
        );
        let encoded = self.models.encode_audio(mel, windows)?;
        Ok(encoded
            .iter()
            .zip(expected_mu)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max))
    }
}

impl FrameSource for ModelSetFrames {
    fn frame_size(&self) -> usize {
        self.models.manifest.image_size
    }

    fn frames(&mut self, conditioning: &[f32], dims: usize) -> anyhow::Result<Vec<Vec<f32>>> {
        let mut latents = Vec::new();
        for vector in conditioning.chunks(dims) {
            latents.extend(sample_latent(
                &mut self.models,
                vector,
                &self.noise,
                &self.settings,
                None,
            )?);
        }
        let images = self.models.decode(&latents)?;
        Ok(images
            .chunks(self.models.image_len())
            .map(<[f32]>::to_vec)
            .collect())
    }

    fn describe(&self) -> String {
        format!(
            "frames: {} (DiT, {} DDIM steps, guidance {}, one fixed noise, no style)",
            self.origin, self.settings.steps, self.settings.guidance
        )
    }
}

/// A sheet row's decoded log-mel (all steps, concatenated) and each step's frame, if drawn.
pub type DecodedRow = (Vec<f32>, Vec<Option<Vec<f32>>>);

/// What a sheet row shows for `steps` latent vectors of `dims` values: the audio VAE's decoded
/// log-mel (all steps, concatenated) and, when a frame source is given, each step's frame.
pub fn decode_row(
    model: &crate::model::audio_vae::AudioVae,
    latents: &[f32],
    dims: usize,
    frames: Option<&mut (dyn FrameSource + '_)>,
) -> anyhow::Result<DecodedRow> {
    let steps = latents.len() / dims.max(1);
    let mels = crate::training::batch::to_vec(model.decode(Tensor::from_data(
        TensorData::new(latents.to_vec(), [steps, dims]),
        &Device::flex(),
    )));
    let pictures = match frames {
        Some(source) => source
            .frames(latents, dims)?
            .into_iter()
            .map(Some)
            .collect(),
        None => vec![None; steps],
    };
    Ok((mels, pictures))
}
