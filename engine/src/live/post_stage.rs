//! The post stage of the engine thread: wgpu post-processing at the output resolution when a
//! GPU adapter (or lavapipe) is there, otherwise the decoded frame at the model's size, so a
//! machine without a usable GPU still gets pictures (and the status says why they are small).

use crate::generation::render::to_rgba8;
use crate::params::VisualParams;

pub struct PostStage {
    /// Side of the model's square frames.
    image_size: usize,
    #[cfg(feature = "gpu")]
    gpu: Result<crate::post::PostProcessor, String>,
    #[cfg(not(feature = "gpu"))]
    gpu: Result<(), String>,
}

impl PostStage {
    pub fn new(image_size: usize, output_size: (u32, u32)) -> Self {
        #[cfg(feature = "gpu")]
        let gpu = crate::post::PostProcessor::new(image_size as u32, output_size)
            .map_err(|e| format!("GPU post-processing is off: {e}"));
        #[cfg(not(feature = "gpu"))]
        let gpu = {
            let _ = output_size;
            Err("GPU post-processing is not in this build".to_string())
        };
        Self { image_size, gpu }
    }

    /// The adapter in use, or why frames go out unprocessed at the model's size.
    pub fn describe(&self) -> String {
        match &self.gpu {
            #[cfg(feature = "gpu")]
            Ok(post) => post.adapter_description().to_string(),
            #[cfg(not(feature = "gpu"))]
            Ok(()) => String::new(),
            Err(reason) => reason.clone(),
        }
    }

    /// RGBA8 (width, height, pixels) of `image` (CHW in [0, 1], the model's size).
    pub fn process(&mut self, image: &[f32], params: &VisualParams) -> (u32, u32, Vec<u8>) {
        #[cfg(feature = "gpu")]
        if let Ok(post) = &mut self.gpu {
            let settings = crate::post::PostSettings::from(params);
            let (width, height) = post.output_size();
            match post.process(image, &settings) {
                Ok(rgba) => return (width, height, rgba.to_vec()),
                // Only a lost device is for good; other errors cost this one frame.
                Err(error @ crate::post::PostError::DeviceLost(_)) => {
                    self.gpu = Err(format!("GPU post-processing stopped: {error}"))
                }
                Err(_) => {}
            }
        }
        let _ = params;
        let size = self.image_size;
        (size as u32, size as u32, to_rgba8(image, size))
    }
}
