//! KL weight (beta) schedules against posterior collapse: linear warm-up, or cyclical annealing
//! (Fu et al. 2019: ramp up over the first half of each cycle, hold for the second); and the
//! cosine learning-rate decay.

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BetaSchedule {
    /// 0 -> `max` linearly over `steps`, then `max`.
    Warmup { max: f32, steps: usize },
    /// Repeating cycles of `period` steps: 0 -> `max` over the first half, then `max`.
    Cyclical { max: f32, period: usize },
}

impl BetaSchedule {
    pub fn at(&self, step: usize) -> f32 {
        match *self {
            BetaSchedule::Warmup { max, steps } => {
                max * (step as f32 / steps.max(1) as f32).min(1.0)
            }
            BetaSchedule::Cyclical { max, period } => {
                let half = (period / 2).max(1);
                max * ((step % period.max(1)) as f32 / half as f32).min(1.0)
            }
        }
    }
}

/// Cosine decay from `base` at step 0 to `base * final_fraction` at `steps` (Loshchilov &
/// Hutter 2017, without restarts): large steps early, fine ones for the last decibels.
pub fn cosine_learning_rate(base: f64, final_fraction: f64, step: usize, steps: usize) -> f64 {
    let progress = (step as f64 / steps.max(1) as f64).min(1.0);
    let cosine = 0.5 * (1.0 + (std::f64::consts::PI * progress).cos());
    base * (final_fraction + (1.0 - final_fraction) * cosine)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_decays_from_base_to_the_final_fraction() {
        assert_eq!(cosine_learning_rate(1e-3, 0.1, 0, 100), 1e-3);
        assert!((cosine_learning_rate(1e-3, 0.1, 50, 100) - 0.55e-3).abs() < 1e-12);
        assert!((cosine_learning_rate(1e-3, 0.1, 100, 100) - 1e-4).abs() < 1e-12);
        assert_eq!(cosine_learning_rate(1e-3, 1.0, 70, 100), 1e-3);
    }

    #[test]
    fn warmup_ramps_then_holds() {
        let s = BetaSchedule::Warmup {
            max: 2.0,
            steps: 100,
        };
        assert_eq!(s.at(0), 0.0);
        assert_eq!(s.at(50), 1.0);
        assert_eq!(s.at(1000), 2.0);
    }

    #[test]
    fn cyclical_restarts_each_period() {
        let s = BetaSchedule::Cyclical {
            max: 1.0,
            period: 100,
        };
        assert_eq!(s.at(25), 0.5);
        assert_eq!(s.at(75), 1.0);
        assert_eq!(s.at(100), 0.0);
        assert_eq!(s.at(125), 0.5);
    }
}
