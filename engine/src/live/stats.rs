//! Rolling figures for the status line and `synesthete bench`: latency percentiles over the
//! recent frames, and per-stage averages.

use std::collections::VecDeque;

/// Frames the rolling figures cover (about 8 s at 30 fps).
const WINDOW: usize = 256;

#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

/// Milliseconds per frame in each stage, averaged over the recent frames.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StagesMs {
    /// Audio analysis (STFT, log-mel, onsets, tempo) between two frames.
    pub features: f64,
    pub encoder: f64,
    /// All DDIM steps of a frame.
    pub dit: f64,
    /// One DDIM step (with classifier-free guidance, one batch of two rows).
    pub dit_step: f64,
    pub decoder: f64,
    /// Upload, upscale, colour and trails on the GPU, and the readback.
    pub post: f64,
    pub output: f64,
}

#[derive(Debug, Clone, Default)]
pub struct RollingStats {
    latencies: VecDeque<f64>,
    stages: VecDeque<StagesMs>,
}

impl RollingStats {
    pub fn push(&mut self, latency_ms: f64, stages: StagesMs) {
        if self.latencies.len() == WINDOW {
            self.latencies.pop_front();
            self.stages.pop_front();
        }
        self.latencies.push_back(latency_ms);
        self.stages.push_back(stages);
    }

    pub fn latency(&self) -> Percentiles {
        let mut sorted: Vec<f64> = self.latencies.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| {
            if sorted.is_empty() {
                0.0
            } else {
                // Nearest rank.
                let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
                sorted[rank - 1]
            }
        };
        Percentiles {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
        }
    }

    pub fn stages(&self) -> StagesMs {
        let n = self.stages.len().max(1) as f64;
        let mut sum = StagesMs::default();
        for s in &self.stages {
            sum.features += s.features;
            sum.encoder += s.encoder;
            sum.dit += s.dit;
            sum.dit_step += s.dit_step;
            sum.decoder += s.decoder;
            sum.post += s.post;
            sum.output += s.output;
        }
        StagesMs {
            features: sum.features / n,
            encoder: sum.encoder / n,
            dit: sum.dit / n,
            dit_step: sum.dit_step / n,
            decoder: sum.decoder / n,
            post: sum.post / n,
            output: sum.output / n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank_over_the_window() {
        let mut stats = RollingStats::default();
        assert_eq!(stats.latency(), Percentiles::default());
        for ms in 1..=100 {
            stats.push(ms as f64, StagesMs::default());
        }
        assert_eq!(
            stats.latency(),
            Percentiles {
                p50: 50.0,
                p95: 95.0,
                p99: 99.0
            }
        );
        // Old frames leave the window.
        for _ in 0..WINDOW {
            stats.push(
                7.0,
                StagesMs {
                    decoder: 2.0,
                    ..Default::default()
                },
            );
        }
        assert_eq!(stats.latency().p99, 7.0);
        assert_eq!(stats.stages().decoder, 2.0);
    }
}
