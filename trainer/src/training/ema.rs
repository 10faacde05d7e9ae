//! An exponential moving average of a model's weights, the weights a diffusion model is sampled
//! with (DDPM, ADM and DiT all evaluate theirs): the average smooths out the step-to-step noise
//! of small-batch training that the held-out loss hardly sees but the samples do.
//!
//! Written here because burn 0.23 has no weight-averaging utility; it is a module visitor that
//! reads the trained weights and a mapper that blends them into the average, in the modules'
//! own traversal order (both are the same architecture).

use std::path::Path;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;

/// File of the average inside a checkpoint directory, beside the trained weights.
pub const EMA_FILE: &str = "ema.bpk";

/// The decay at `step`: `decay`, lowered early on ((1 + step) / (10 + step)) so that a run's
/// first weights, random ones, do not linger in the average.
pub fn decay_at(decay: f32, step: usize) -> f32 {
    decay.min((1.0 + step as f32) / (10.0 + step as f32))
}

/// `average = decay · average + (1 − decay) · trained`, parameter by parameter; `trained` may
/// live on the autodiff device (its plain values are read).
pub fn blend<M: Module>(average: M, trained: &M, decay: f32) -> M {
    let mut weights = FloatWeights(Vec::new());
    trained.valid().visit(&mut weights);
    let mut mapper = Blend {
        trained: weights.0.into_iter(),
        decay,
    };
    let average = average.map(&mut mapper);
    assert!(
        mapper.trained.next().is_none(),
        "the average and the trained model must be the same architecture"
    );
    average
}

/// The average to continue in a run resumed from `checkpoint_dir`: the saved one, or, when the
/// checkpoint has none (a new run, or one trained without an average so far), `trained`'s
/// weights, which start it.
pub fn resume<M: Module>(checkpoint_dir: &Path, trained: &M) -> anyhow::Result<M> {
    let start = trained.valid();
    let path = checkpoint_dir.join(EMA_FILE);
    if !path.exists() {
        return Ok(start);
    }
    start
        .try_load_file(&path)
        .map_err(|e| anyhow::anyhow!("loading {}: {e:?}", path.display()))
}

/// Every float parameter, flattened, in traversal order.
struct FloatWeights(Vec<Tensor<1>>);

impl ModuleVisitor for FloatWeights {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.push(param.val().flatten(0, D - 1));
    }
}

struct Blend {
    trained: std::vec::IntoIter<Tensor<1>>,
    decay: f32,
}

impl ModuleMapper for Blend {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let trained = self
            .trained
            .next()
            .expect("the average and the trained model must be the same architecture");
        let decay = self.decay;
        param.map(|average| {
            let shape = average.shape();
            average.mul_scalar(decay) + trained.reshape(shape).mul_scalar(1.0 - decay)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::{Linear, LinearConfig};

    fn weights(model: &Linear) -> Vec<f32> {
        let mut all = FloatWeights(Vec::new());
        model.visit(&mut all);
        all.0
            .into_iter()
            .flat_map(crate::training::batch::to_vec)
            .collect()
    }

    #[test]
    fn the_average_moves_a_decay_weighted_step_towards_the_trained_weights() {
        let device = Device::default();
        let average = LinearConfig::new(3, 2).init(&device);
        let trained = LinearConfig::new(3, 2).init(&device);
        let (before, target) = (weights(&average), weights(&trained));
        assert_ne!(before, target);
        let after = weights(&blend(average, &trained, 0.9));
        assert_eq!(after.len(), before.len());
        for ((a, b), t) in after.iter().zip(&before).zip(&target) {
            assert!((a - (0.9 * b + 0.1 * t)).abs() < 1e-6, "{a} vs {b} -> {t}");
        }
    }

    #[test]
    fn a_resumed_run_continues_its_saved_average_or_starts_one_from_its_weights() {
        let device = Device::default();
        let dir = std::env::temp_dir().join(format!("synesthete-ema-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let trained = LinearConfig::new(3, 2).init(&device);
        assert_eq!(weights(&resume(&dir, &trained).unwrap()), weights(&trained));
        let saved = LinearConfig::new(3, 2).init(&device);
        saved.clone().save_file(dir.join(EMA_FILE)).unwrap();
        assert_eq!(weights(&resume(&dir, &trained).unwrap()), weights(&saved));
        std::fs::write(dir.join(EMA_FILE), b"not weights").unwrap();
        assert!(resume(&dir, &trained).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_decay_starts_low_and_reaches_the_setting() {
        assert!(decay_at(0.999, 0) < 0.2);
        assert!(decay_at(0.999, 100) < 0.95);
        assert_eq!(decay_at(0.999, 100_000), 0.999);
    }
}
