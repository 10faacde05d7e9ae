//! KL weight (beta) schedules against posterior collapse: linear warm-up, or cyclical annealing
//! (Fu et al. 2019: ramp up over the first half of each cycle, hold for the second).

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

#[cfg(test)]
mod tests {
    use super::*;

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
