//! The wgpu side: device, pipelines and textures built once, then per frame one upload, two
//! full-screen passes (horizontal filter; vertical filter + colour + trails) and one readback
//! into a reused buffer.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::error::PostError;
use super::settings::PostSettings;
use super::uniforms::Uniforms;

/// The frame as uploaded: RGBA32F. Float keeps the model's values exact through the upscale and
/// the grading (8 bits would band under contrast); the shader loads texels itself, so it needs
/// no filtering support, which 32-bit float textures lack on many adapters.
const SOURCE_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba32Float;
/// What the caller gets: RGBA8, values as the model made them (sRGB-encoded, no conversion).
const OUTPUT_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
/// The intermediate rows and the trails history: float, so the horizontal filter's overshoot
/// survives into the vertical one and slow trail decays do not get stuck on 8-bit rounding.
const FLOAT_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;
/// Fallback for adapters that cannot render to float16 (old GL): overshoot clips, trails may
/// leave a faint residue.
const FLOAT_FALLBACK_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
/// How long a frame may take on the GPU before `process` gives up on it.
const FRAME_TIMEOUT: Duration = Duration::from_secs(5);

/// `map_state` values shared with the `map_async` callback.
const MAP_PENDING: u8 = 0;
const MAP_OK: u8 = 1;
const MAP_FAILED: u8 = 2;

/// Upscales, grades and feeds back the model's frames on the GPU; see the module docs.
pub struct PostProcessor {
    /// "name (backend, device type)", shown to users.
    adapter_description: String,
    device: wgpu::Device,
    queue: wgpu::Queue,
    /// Side of the square model frame, in texels.
    input_size: u32,
    /// Output (width, height) in pixels.
    output: (u32, u32),
    /// Pipelines, textures and bind groups, built once.
    gpu: Resources,
    /// MAP_READ staging buffer, `padded_row_bytes * height` bytes, reused every frame.
    readback: wgpu::Buffer,
    /// Bytes per row in `readback`: `width * 4` rounded up to wgpu's 256-byte copy alignment.
    padded_row_bytes: u32,
    /// Which history texture holds the previous output (0 or 1).
    previous: usize,
    /// Whether `previous` holds the last output: false after `new`, `reset` and any frame drawn
    /// with trails off (which skips writing the history). When false the next frame ignores it.
    history_valid: bool,
    /// Interleaved RGBA32F staging for the upload, `input_size^2 * 4` floats, reused.
    upload: Vec<f32>,
    /// The last result, tightly packed RGBA8, `width * height * 4` bytes, reused.
    pixels: Vec<u8>,
    /// Errors wgpu reports outside any error scope, and device loss.
    errors: Arc<ErrorSink>,
    /// Written by the `map_async` callback (`MAP_*`).
    map_state: Arc<AtomicU8>,
}

/// Where the device's callbacks leave their news; `process` turns it into a [`PostError`].
#[derive(Default)]
struct ErrorSink {
    /// The first uncaptured error since the last `process` looked.
    error: Mutex<Option<String>>,
    /// Set once the device is lost; never cleared.
    lost: Mutex<Option<String>>,
}

impl ErrorSink {
    fn take_error(&self) -> Option<PostError> {
        if let Some(reason) = lock(&self.lost).clone() {
            return Some(PostError::DeviceLost(reason));
        }
        lock(&self.error).take().map(PostError::Gpu)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl PostProcessor {
    /// input: the model's decoded frame size (square, e.g. 128); output: e.g. (1280, 720).
    ///
    /// Picks the adapter from the environment: `WGPU_BACKEND` (e.g. `gl`), `WGPU_ADAPTER_NAME`
    /// (a substring of the adapter name), `WGPU_POWER_PREF`; otherwise the best one wgpu finds.
    pub fn new(input_size: u32, output: (u32, u32)) -> Result<Self, PostError> {
        let (width, height) = output;
        if input_size == 0 || width == 0 || height == 0 {
            return Err(PostError::InvalidSize(format!(
                "input {input_size}x{input_size}, output {width}x{height}: sizes must be non-zero"
            )));
        }

        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = pollster::block_on(pick_adapter(&instance))?;
        let info = adapter.get_info();
        let adapter_description =
            format!("{} ({:?}, {:?})", info.name, info.backend, info.device_type);

        // The least any adapter offers, with the texture size the adapter really has.
        let limits = wgpu::Limits::downlevel_webgl2_defaults().using_resolution(adapter.limits());
        let max_side = limits.max_texture_dimension_2d;
        if input_size.max(width).max(height) > max_side {
            return Err(PostError::InvalidSize(format!(
                "input {input_size}x{input_size}, output {width}x{height}: {adapter_description} \
                 allows at most {max_side} pixels per side"
            )));
        }
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("synesthete post"),
            required_limits: limits,
            memory_hints: wgpu::MemoryHints::Performance,
            ..Default::default()
        }))
        .map_err(|e| PostError::NoDevice {
            adapter: adapter_description.clone(),
            reason: e.to_string(),
        })?;

        // wgpu's default for an uncaptured error is to panic; the engine thread must not.
        let errors = Arc::new(ErrorSink::default());
        let sink = Arc::clone(&errors);
        device.on_uncaptured_error(Arc::new(move |error: wgpu::Error| {
            lock(&sink.error).get_or_insert_with(|| error.to_string());
        }));
        let sink = Arc::clone(&errors);
        device.set_device_lost_callback(move |reason, message| {
            lock(&sink.lost).get_or_insert_with(|| format!("{reason:?}: {message}"));
        });

        let float_format = if adapter
            .get_texture_format_features(FLOAT_FORMAT)
            .allowed_usages
            .contains(wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING)
        {
            FLOAT_FORMAT
        } else {
            FLOAT_FALLBACK_FORMAT
        };

        let out_of_memory = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let resources = Resources::new(&device, input_size, output, float_format);
        let invalid = pollster::block_on(validation.pop());
        let no_memory = pollster::block_on(out_of_memory.pop());
        if let Some(error) = invalid.or(no_memory) {
            return Err(PostError::Gpu(format!(
                "building the post-processing pipeline on {adapter_description}: {error}"
            )));
        }

        let padded_row_bytes = padded_row_bytes(width);
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("post readback"),
            size: u64::from(padded_row_bytes) * u64::from(height),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let texels = input_size as usize * input_size as usize;
        Ok(Self {
            adapter_description,
            device,
            queue,
            input_size,
            output,
            gpu: resources,
            readback,
            padded_row_bytes,
            previous: 0,
            history_valid: false,
            upload: vec![0.0; texels * 4],
            pixels: vec![0; width as usize * height as usize * 4],
            errors,
            map_state: Arc::new(AtomicU8::new(MAP_PENDING)),
        })
    }

    /// e.g. "llvmpipe (LLVM 19.1.7, 256 bits) (Vulkan, Cpu)" — shown to users.
    pub fn adapter_description(&self) -> &str {
        &self.adapter_description
    }

    /// The model frame side this processor was built for.
    pub fn input_size(&self) -> u32 {
        self.input_size
    }

    pub fn output_size(&self) -> (u32, u32) {
        self.output
    }

    /// frame: CHW planar RGB f32 in [0, 1] of `input_size^2 * 3` values (NaN reads as 0, values
    /// outside [0, 1] are clamped). Returns the output as tightly packed RGBA8 (alpha 255), rows
    /// top to bottom (`width * height * 4` bytes), valid until the next call.
    ///
    /// Blocks until the GPU has finished the frame. After the first frame it allocates nothing
    /// of its own (wgpu's internals still do a little bookkeeping per submission).
    pub fn process(
        &mut self,
        frame_chw: &[f32],
        settings: &PostSettings,
    ) -> Result<&[u8], PostError> {
        if let Some(lost) = lock(&self.errors.lost).clone() {
            return Err(PostError::DeviceLost(lost));
        }
        let texels = self.input_size as usize * self.input_size as usize;
        if frame_chw.len() != texels * 3 {
            return Err(PostError::InputLength {
                expected: texels * 3,
                got: frame_chw.len(),
                size: self.input_size,
            });
        }
        // A stale error from outside `process` (none expected) must not be blamed on this frame.
        lock(&self.errors.error).take();

        let (red, rest) = frame_chw.split_at(texels);
        let (green, blue) = rest.split_at(texels);
        for (((texel, &r), &g), &b) in self
            .upload
            .chunks_exact_mut(4)
            .zip(red)
            .zip(green)
            .zip(blue)
        {
            texel.copy_from_slice(&[unit(r), unit(g), unit(b), 1.0]);
        }
        let gpu = &self.gpu;
        self.queue.write_texture(
            gpu.source.as_image_copy(),
            bytemuck::cast_slice(&self.upload),
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(self.input_size * 16),
                rows_per_image: Some(self.input_size),
            },
            gpu.source.size(),
        );
        let settings = settings.sanitized();
        let uniforms = Uniforms::new(&settings, self.input_size, self.output, self.history_valid);
        self.queue
            .write_buffer(&gpu.uniform_buffer, 0, bytemuck::bytes_of(&uniforms));

        // With trails off the history is neither read nor written (saving an output-sized
        // float16 write per frame); the next frame with trails on then starts a fresh trail.
        let trails_on = settings.trails > 0.0;
        let target = 1 - self.previous;
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("post frame"),
            });
        gpu.draw(
            &mut encoder,
            "post rows pass",
            &gpu.rows_pipeline,
            &gpu.rows_bind_group,
            &[&gpu.rows_view],
        );
        if trails_on {
            gpu.draw(
                &mut encoder,
                "post pass (trails)",
                &gpu.trails_pipeline,
                &gpu.post_bind_groups[self.previous],
                &[&gpu.history_views[target], &gpu.output_view],
            );
        } else {
            gpu.draw(
                &mut encoder,
                "post pass",
                &gpu.plain_pipeline,
                &gpu.post_bind_groups[self.previous],
                &[&gpu.output_view],
            );
        }
        let height = self.output.1;
        encoder.copy_texture_to_buffer(
            gpu.output_texture.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &self.readback,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(self.padded_row_bytes),
                    rows_per_image: Some(height),
                },
            },
            gpu.output_texture.size(),
        );
        let submission = self.queue.submit(Some(encoder.finish()));

        self.map_state.store(MAP_PENDING, Ordering::Release);
        let state = Arc::clone(&self.map_state);
        self.readback
            .map_async(wgpu::MapMode::Read, .., move |result| {
                let value = if result.is_ok() { MAP_OK } else { MAP_FAILED };
                state.store(value, Ordering::Release);
            });
        let polled = self.device.poll(wgpu::PollType::Wait {
            submission_index: Some(submission),
            timeout: Some(FRAME_TIMEOUT),
        });
        let mapped = self.map_state.load(Ordering::Acquire);
        if polled.is_err() || mapped != MAP_OK {
            // Cancel a pending map so the buffer is usable next frame.
            self.readback.unmap();
            let reason = match polled {
                Err(e) => e.to_string(),
                Ok(_) if mapped == MAP_PENDING => "the GPU did not finish the frame".to_string(),
                Ok(_) => "mapping the readback buffer failed".to_string(),
            };
            return Err(self
                .errors
                .take_error()
                .unwrap_or(PostError::Readback(reason)));
        }
        let copied = match self.readback.get_mapped_range(..) {
            Ok(view) => {
                copy_rows(
                    &view,
                    self.padded_row_bytes as usize,
                    self.output.0,
                    &mut self.pixels,
                );
                Ok(())
            }
            Err(e) => Err(PostError::Readback(e.to_string())),
        };
        self.readback.unmap();
        if let Some(error) = self.errors.take_error() {
            return Err(error);
        }
        copied?;

        if trails_on {
            self.previous = target;
        }
        self.history_valid = trails_on;
        Ok(&self.pixels)
    }

    /// Clears the feedback (trails) history, e.g. when the model set changes: the next frame is
    /// drawn as if it were the first.
    pub fn reset(&mut self) {
        self.history_valid = false;
    }
}

/// A colour attachment whose old contents are not needed (the pass overwrites every pixel).
fn overwrite(view: &wgpu::TextureView) -> wgpu::RenderPassColorAttachment<'_> {
    wgpu::RenderPassColorAttachment {
        view,
        depth_slice: None,
        resolve_target: None,
        ops: wgpu::Operations {
            load: wgpu::LoadOp::Load,
            store: wgpu::StoreOp::Store,
        },
    }
}

/// A model value for the upload: NaN reads as black, the rest is clamped to [0, 1].
fn unit(value: f32) -> f32 {
    if value >= 0.0 { value.min(1.0) } else { 0.0 }
}

/// `width * 4` rounded up to `COPY_BYTES_PER_ROW_ALIGNMENT` (256): texture-to-buffer copies need
/// it, so 1280 px rows (5120 bytes) are already aligned but 1000 px rows get 96 bytes of padding.
fn padded_row_bytes(width: u32) -> u32 {
    (width * 4).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT)
}

/// Copies `width`-pixel rows out of a padded buffer into tightly packed `pixels`.
fn copy_rows(padded: &[u8], padded_row_bytes: usize, width: u32, pixels: &mut [u8]) {
    let row_bytes = width as usize * 4;
    if row_bytes == padded_row_bytes {
        pixels.copy_from_slice(&padded[..pixels.len()]);
        return;
    }
    for (row, src) in pixels
        .chunks_exact_mut(row_bytes)
        .zip(padded.chunks(padded_row_bytes))
    {
        row.copy_from_slice(&src[..row_bytes]);
    }
}

/// Asks for `WGPU_ADAPTER_NAME` when set (without wgpu's helper, which panics on no match),
/// otherwise for the best adapter of the backends `WGPU_BACKEND` allows.
async fn pick_adapter(instance: &wgpu::Instance) -> Result<wgpu::Adapter, PostError> {
    if let Ok(wanted) = std::env::var("WGPU_ADAPTER_NAME") {
        let wanted = wanted.to_lowercase();
        let adapters = instance.enumerate_adapters(wgpu::Backends::all()).await;
        let names: Vec<String> = adapters.iter().map(|a| a.get_info().name).collect();
        return adapters
            .into_iter()
            .find(|a| a.get_info().name.to_lowercase().contains(&wanted))
            .ok_or_else(|| {
                PostError::NoAdapter(format!(
                    "WGPU_ADAPTER_NAME={wanted} matches none of {names:?}"
                ))
            });
    }
    instance
        .request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::from_env()
                .unwrap_or(wgpu::PowerPreference::HighPerformance),
            ..Default::default()
        })
        .await
        .map_err(|e| PostError::NoAdapter(e.to_string()))
}

/// Everything `new` builds on the device, in one place so its error scopes cover it all.
struct Resources {
    /// Pass 1: horizontal filter, source -> `rows_view`.
    rows_pipeline: wgpu::RenderPipeline,
    /// Pass 2 with trails: vertical filter, grade, trails -> history + output.
    trails_pipeline: wgpu::RenderPipeline,
    /// Pass 2 without trails: vertical filter, grade -> output.
    plain_pipeline: wgpu::RenderPipeline,
    /// [`Uniforms`], rewritten every frame.
    uniform_buffer: wgpu::Buffer,
    /// The model frame, `input_size` square, [`SOURCE_FORMAT`].
    source: wgpu::Texture,
    /// Pass 1's bindings: uniforms, source.
    rows_bind_group: wgpu::BindGroup,
    /// Pass 1's target: output width x `input_size`, float.
    rows_view: wgpu::TextureView,
    /// The ping-pong pair of trails textures, output-sized.
    history_views: [wgpu::TextureView; 2],
    /// Pass 2's bindings: `post_bind_groups[k]` reads `history_views[k]` (and so may write the
    /// other one), plus uniforms and the rows texture.
    post_bind_groups: [wgpu::BindGroup; 2],
    /// The RGBA8 copy of the result that is read back.
    output_texture: wgpu::Texture,
    output_view: wgpu::TextureView,
}

impl Resources {
    fn new(
        device: &wgpu::Device,
        input_size: u32,
        (width, height): (u32, u32),
        float_format: wgpu::TextureFormat,
    ) -> Self {
        let shader = device.create_shader_module(wgpu::include_wgsl!("shader.wgsl"));
        let uniform_entry = wgpu::BindGroupLayoutEntry {
            binding: 0,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: wgpu::BufferSize::new(std::mem::size_of::<Uniforms>() as u64),
            },
            count: None,
        };
        let texture_entry = |binding| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Texture {
                sample_type: wgpu::TextureSampleType::Float { filterable: false },
                view_dimension: wgpu::TextureViewDimension::D2,
                multisampled: false,
            },
            count: None,
        };
        let rows_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("post rows bindings"),
            entries: &[uniform_entry, texture_entry(1)],
        });
        let post_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("post bindings"),
            entries: &[uniform_entry, texture_entry(2), texture_entry(3)],
        });
        let pipeline = |label: &str,
                        layout: &wgpu::BindGroupLayout,
                        entry_point: &str,
                        formats: &[wgpu::TextureFormat]| {
            let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(label),
                bind_group_layouts: &[Some(layout)],
                immediate_size: 0,
            });
            let targets: Vec<_> = formats
                .iter()
                .map(|&format| {
                    Some(wgpu::ColorTargetState {
                        format,
                        blend: None,
                        write_mask: wgpu::ColorWrites::ALL,
                    })
                })
                .collect();
            device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some(label),
                layout: Some(&pipeline_layout),
                vertex: wgpu::VertexState {
                    module: &shader,
                    entry_point: Some("vs_main"),
                    compilation_options: Default::default(),
                    buffers: &[],
                },
                primitive: wgpu::PrimitiveState::default(),
                depth_stencil: None,
                multisample: wgpu::MultisampleState::default(),
                fragment: Some(wgpu::FragmentState {
                    module: &shader,
                    entry_point: Some(entry_point),
                    compilation_options: Default::default(),
                    targets: &targets,
                }),
                multiview_mask: None,
                cache: None,
            })
        };
        let rows_pipeline = pipeline("post rows", &rows_layout, "fs_rows", &[float_format]);
        let trails_pipeline = pipeline(
            "post trails",
            &post_layout,
            "fs_trails",
            &[float_format, OUTPUT_FORMAT],
        );
        let plain_pipeline = pipeline("post plain", &post_layout, "fs_plain", &[OUTPUT_FORMAT]);

        let uniform_buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("post uniforms"),
            size: std::mem::size_of::<Uniforms>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let texture = |label, (w, h), format, usage| {
            device.create_texture(&wgpu::TextureDescriptor {
                label: Some(label),
                size: wgpu::Extent3d {
                    width: w,
                    height: h,
                    depth_or_array_layers: 1,
                },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format,
                usage,
                view_formats: &[],
            })
        };
        let sampled_target =
            wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING;
        let source = texture(
            "post source",
            (input_size, input_size),
            SOURCE_FORMAT,
            wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        );
        let source_view = source.create_view(&Default::default());
        let rows_view = texture(
            "post rows",
            (width, input_size),
            float_format,
            sampled_target,
        )
        .create_view(&Default::default());
        let history_views = ["post history 0", "post history 1"].map(|label| {
            texture(label, (width, height), float_format, sampled_target)
                .create_view(&Default::default())
        });
        let output_texture = texture(
            "post output",
            (width, height),
            OUTPUT_FORMAT,
            wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
        );
        let output_view = output_texture.create_view(&Default::default());

        let rows_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("post rows bindings"),
            layout: &rows_layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: uniform_buffer.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&source_view),
                },
            ],
        });
        let post_bind_groups = [
            ("post bindings (history 0)", &history_views[0]),
            ("post bindings (history 1)", &history_views[1]),
        ]
        .map(|(label, history)| {
            device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(label),
                layout: &post_layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: uniform_buffer.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: wgpu::BindingResource::TextureView(&rows_view),
                    },
                    wgpu::BindGroupEntry {
                        binding: 3,
                        resource: wgpu::BindingResource::TextureView(history),
                    },
                ],
            })
        });
        Self {
            rows_pipeline,
            trails_pipeline,
            plain_pipeline,
            uniform_buffer,
            source,
            rows_bind_group,
            rows_view,
            history_views,
            post_bind_groups,
            output_texture,
            output_view,
        }
    }

    /// Records one full-screen triangle into `targets`. Every pixel is overwritten, so the
    /// targets' old contents are neither cleared nor needed.
    fn draw(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        label: &str,
        pipeline: &wgpu::RenderPipeline,
        bind_group: &wgpu::BindGroup,
        targets: &[&wgpu::TextureView],
    ) {
        // At most two targets; a fixed array keeps the per-frame path allocation-free.
        let attachments = [
            targets.first().copied().map(overwrite),
            targets.get(1).copied().map(overwrite),
        ];
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some(label),
            color_attachments: &attachments[..targets.len().min(2)],
            ..Default::default()
        });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, bind_group, &[]);
        pass.draw(0..3, 0..1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_padded_to_256_bytes() {
        assert_eq!(padded_row_bytes(1280), 5120);
        assert_eq!(padded_row_bytes(1000), 4096);
        assert_eq!(padded_row_bytes(1), 256);
    }

    #[test]
    fn copy_rows_strips_the_padding() {
        // 2 rows of 3 pixels (12 bytes) padded to 16.
        let padded: Vec<u8> = (0..32).collect();
        let mut pixels = vec![0; 24];
        copy_rows(&padded, 16, 3, &mut pixels);
        let expected: Vec<u8> = (0..12).chain(16..28).collect();
        assert_eq!(pixels, expected);
    }

    #[test]
    fn unit_clamps_and_blanks_nan() {
        assert_eq!(unit(f32::NAN), 0.0);
        assert_eq!(unit(-0.5), 0.0);
        assert_eq!(unit(1.5), 1.0);
        assert_eq!(unit(0.25), 0.25);
    }

    #[test]
    fn processor_can_move_to_the_engine_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<PostProcessor>();
    }
}
