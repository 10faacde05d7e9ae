//! Which ONNX Runtime execution provider runs a model set: the first accelerator that this
//! runtime build offers and that accepts the graphs (CUDA, DirectML on Windows, CoreML on
//! macOS), the CPU otherwise. The choice is shown to the user, with the reason an accelerator
//! was passed over.

use ort::ep::{self, ExecutionProvider, ExecutionProviderDispatch};

/// Environment variable: `cpu` skips every accelerator (for comparisons and troubleshooting).
pub const PROVIDER_ENV: &str = "SYNESTHETE_PROVIDER";

pub const CPU: &str = "CPU";

/// Accelerators this runtime build was compiled with, in order of preference.
pub fn accelerators() -> Vec<(&'static str, ExecutionProviderDispatch)> {
    if std::env::var(PROVIDER_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("cpu")) {
        return Vec::new();
    }
    let mut found = Vec::new();
    if ep::CUDA::is_available().unwrap_or(false) {
        found.push(("CUDA", ep::CUDA::default().build().error_on_failure()));
    }
    if cfg!(target_os = "windows") && ep::DirectML::is_available().unwrap_or(false) {
        found.push((
            "DirectML",
            ep::DirectML::default().build().error_on_failure(),
        ));
    }
    if cfg!(target_os = "macos") && ep::CoreML::is_available().unwrap_or(false) {
        found.push(("CoreML", ep::CoreML::default().build().error_on_failure()));
    }
    found
}

/// The provider a model set ended up on, for the status line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProviderReport {
    /// "CUDA", "DirectML", "CoreML" or "CPU".
    pub name: String,
    /// Accelerators that were offered but failed, with ONNX Runtime's reason.
    pub passed_over: Vec<String>,
}

impl std::fmt::Display for ProviderReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name)?;
        if !self.passed_over.is_empty() {
            write!(f, " ({})", self.passed_over.join("; "))?;
        }
        Ok(())
    }
}
