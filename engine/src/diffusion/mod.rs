//! Diffusion math shared by the trainer and the plugin: the noise schedule, the v-prediction
//! parameterisation, the DDIM sampler and classifier-free guidance. The trainer builds its
//! training targets from these coefficients and evaluates through the same sampler the engine
//! runs live, so what is measured is what ships.

pub mod sampler;
pub mod schedule;

pub use sampler::{DdimStep, GuidanceInterval, ddim_plan, ddim_step, guide};
pub use schedule::{NoiseSchedule, ScheduleKind};
