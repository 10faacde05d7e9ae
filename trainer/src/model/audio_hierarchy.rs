//! The second-generation audio encoder's levels (issue 7): the trunk's bottleneck is read at
//! three time scales, each its own diagonal-Gaussian posterior.
//!
//! - **global**: the time-averaged bottleneck, a slow code for the clip's character, under a
//!   learned mixture-of-Gaussians prior;
//! - **phrase**: the whole window (the flat encoder's heads), under a prior conditioned on the
//!   global code;
//! - **frame**: the last bottleneck columns (the newest ~0.4 s), under a prior conditioned on
//!   both slower codes.
//!
//! The conditioning the DiT sees is the three means side by side, so the graph contract
//! (`mu [batch, latent_dims]`) is the flat encoder's.

use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::softmax;

use super::layers::logvar_head;

/// Names of the levels, slowest first (the order of their columns in `mu`).
pub const LEVEL_NAMES: [&str; 3] = ["global", "phrase", "frame"];

/// Prior log-variances are kept in this range so a conditional prior cannot become a spike.
const PRIOR_LOGVAR_RANGE: (f32, f32) = (-6.0, 4.0);

#[derive(Config, Debug, PartialEq)]
pub struct HierarchyConfig {
    /// Dimensions of the slow global code.
    #[config(default = 16)]
    pub global_dims: usize,
    /// Dimensions of the fast frame code; the phrase code takes the rest of `latent_dims`.
    #[config(default = 32)]
    pub frame_dims: usize,
    /// Bottleneck columns (16 log-mel frames, 186 ms each) the frame code reads.
    #[config(default = 2)]
    pub frame_columns: usize,
    /// Components of the global code's mixture-of-Gaussians prior.
    #[config(default = 10)]
    pub mixture_components: usize,
    /// Weight of the global code's slowness term (windows of one clip should agree).
    #[config(default = 0.02)]
    pub global_slowness: f32,
    /// Weight of the phrase code's slowness term (windows of one section, close in time).
    #[config(default = 0.01)]
    pub phrase_slowness: f32,
}

impl HierarchyConfig {
    /// `[global, phrase, frame]` dimensions for a `latent_dims`-wide conditioning.
    pub fn level_dims(&self, latent_dims: usize) -> [usize; 3] {
        let phrase = latent_dims.saturating_sub(self.global_dims + self.frame_dims);
        [self.global_dims, phrase, self.frame_dims]
    }

    pub fn validate(&self, latent_dims: usize, columns: usize) -> Result<(), String> {
        if self.level_dims(latent_dims).contains(&0)
            || self.global_dims + self.frame_dims >= latent_dims
        {
            return Err(format!(
                "hierarchy: global ({}) and frame ({}) dimensions must leave the phrase level some of the {latent_dims}",
                self.global_dims, self.frame_dims
            ));
        }
        if self.frame_columns == 0 || self.frame_columns > columns {
            return Err(format!(
                "hierarchy: frame_columns {} must be 1..={columns}",
                self.frame_columns
            ));
        }
        if self.mixture_components == 0 {
            return Err("hierarchy: the mixture prior needs at least one component".into());
        }
        if !(self.global_slowness >= 0.0 && self.phrase_slowness >= 0.0) {
            return Err("hierarchy: slowness weights must be >= 0".into());
        }
        Ok(())
    }

    /// Heads and priors for a bottleneck of `[channels, mels, columns]`; the phrase heads are
    /// the flat encoder's (`AudioVae::mu`/`logvar`).
    pub fn init(&self, latent_dims: usize, bottleneck: [usize; 3], device: &Device) -> Hierarchy {
        let [global, phrase, frame] = self.level_dims(latent_dims);
        let [channels, mels, _] = bottleneck;
        let pooled = channels * mels;
        let recent = pooled * self.frame_columns;
        let k = self.mixture_components;
        Hierarchy {
            global_mu: LinearConfig::new(pooled, global).init(device),
            global_logvar: logvar_head(pooled, global, device),
            frame_mu: LinearConfig::new(recent, frame).init(device),
            frame_logvar: logvar_head(recent, frame, device),
            global_prior: MixturePrior {
                means: Param::from_tensor(Tensor::random(
                    [k, global],
                    burn::tensor::Distribution::Normal(0.0, 1.0),
                    device,
                )),
                logvars: Param::from_tensor(Tensor::zeros([k, global], device)),
                logits: Param::from_tensor(Tensor::zeros([k], device)),
            },
            phrase_prior: LinearConfig::new(global, 2 * phrase).init(device),
            frame_prior: LinearConfig::new(global + phrase, 2 * frame).init(device),
            frame_columns: self.frame_columns,
            dims: [global, phrase, frame],
            global_slowness: self.global_slowness,
            phrase_slowness: self.phrase_slowness,
        }
    }
}

/// A learned mixture of diagonal Gaussians, equally weighted at the start.
#[derive(Module, Debug)]
pub struct MixturePrior {
    /// `[components, dims]`
    pub means: Param<Tensor<2>>,
    /// `[components, dims]`
    pub logvars: Param<Tensor<2>>,
    /// `[components]`, softmax-normalised into the mixture weights.
    pub logits: Param<Tensor<1>>,
}

#[derive(Module, Debug)]
pub struct Hierarchy {
    pub global_mu: Linear,
    pub global_logvar: Linear,
    pub frame_mu: Linear,
    pub frame_logvar: Linear,
    pub global_prior: MixturePrior,
    /// mu_global -> (mean, logvar) of p(z_phrase | global).
    pub phrase_prior: Linear,
    /// (mu_global, mu_phrase) -> (mean, logvar) of p(z_frame | global, phrase).
    pub frame_prior: Linear,
    pub frame_columns: usize,
    /// `[global, phrase, frame]` dimensions.
    pub dims: [usize; 3],
    pub global_slowness: f32,
    pub phrase_slowness: f32,
}

/// KL of each window's posterior to the hierarchy's prior: per dimension `[batch, dims]`, and
/// the part no single dimension owns `[batch]` (the mixture's choice of component).
pub struct PriorKl {
    pub per_dim: Tensor<2>,
    pub rest: Tensor<1>,
}

impl Hierarchy {
    /// (mu, logvar) `[batch, latent_dims]` of all levels side by side, from the trunk's
    /// bottleneck `[batch, channels, mels, columns]`; `phrase` is the flat heads' output.
    pub fn encode(
        &self,
        bottleneck: Tensor<4>,
        phrase: (Tensor<2>, Tensor<2>),
    ) -> (Tensor<2>, Tensor<2>) {
        let [batch, channels, mels, columns] = bottleneck.dims();
        let pooled: Tensor<2> = bottleneck.clone().mean_dim(3).flatten(1, 3);
        let recent: Tensor<2> = bottleneck
            .slice([
                0..batch,
                0..channels,
                0..mels,
                columns - self.frame_columns..columns,
            ])
            .flatten(1, 3);
        let mu = Tensor::cat(
            vec![
                self.global_mu.forward(pooled.clone()),
                phrase.0,
                self.frame_mu.forward(recent.clone()),
            ],
            1,
        );
        let logvar = Tensor::cat(
            vec![
                self.global_logvar.forward(pooled),
                phrase.1,
                self.frame_logvar.forward(recent),
            ],
            1,
        );
        (mu, logvar)
    }

    /// Column range of level `index` in `mu`.
    pub fn columns(&self, index: usize) -> std::ops::Range<usize> {
        let start: usize = self.dims[..index].iter().sum();
        start..start + self.dims[index]
    }

    /// KL(q(z|x) || p(z)) with p(z) = p(global) p(phrase | global) p(frame | global, phrase).
    /// The conditional priors read the parents' posterior means (deterministic, so the same
    /// figure serves training and the report). The mixture level uses the variational bound
    /// KL(q || Σ π_k p_k) <= -log Σ π_k exp(-KL(q || p_k)) (Hershey & Olsen 2007), split into
    /// each dimension's responsibility-weighted share and the mixture term KL(r || π) >= 0.
    pub fn prior_kl(&self, mu: Tensor<2>, logvar: Tensor<2>) -> PriorKl {
        let [batch, _] = mu.dims();
        let level = |tensor: &Tensor<2>, index: usize| {
            let range = self.columns(index);
            tensor.clone().slice([0..batch, range])
        };
        let (mu_g, lv_g) = (level(&mu, 0), level(&logvar, 0));
        let (mu_p, lv_p) = (level(&mu, 1), level(&logvar, 1));
        let (mu_f, lv_f) = (level(&mu, 2), level(&logvar, 2));

        let (global_dims, rest) = self.mixture_kl(mu_g.clone(), lv_g);
        let phrase_prior = self.phrase_prior.forward(mu_g.clone());
        let phrase = conditional_kl(mu_p.clone(), lv_p, phrase_prior, self.dims[1]);
        let frame_prior = self.frame_prior.forward(Tensor::cat(vec![mu_g, mu_p], 1));
        let frame = conditional_kl(mu_f, lv_f, frame_prior, self.dims[2]);
        PriorKl {
            per_dim: Tensor::cat(vec![global_dims, phrase, frame], 1),
            rest,
        }
    }

    /// `([batch, global_dims], [batch])`: per-dimension shares and the mixture term.
    fn mixture_kl(&self, mu: Tensor<2>, logvar: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        let prior = &self.global_prior;
        let [batch, dims] = mu.dims();
        let k = prior.logits.val().dims()[0];
        let means: Tensor<3> = prior.means.val().unsqueeze_dim(0); // [1, K, D]
        let prior_logvars: Tensor<3> = prior
            .logvars
            .val()
            .clamp(PRIOR_LOGVAR_RANGE.0, PRIOR_LOGVAR_RANGE.1)
            .unsqueeze_dim(0);
        let mu3: Tensor<3> = mu.unsqueeze_dim(1); // [B, 1, D]
        let lv3: Tensor<3> = logvar.unsqueeze_dim(1);
        // KL(q || p_k) per dimension: [B, K, D]
        let per_component = (prior_logvars.clone() - lv3.clone()
            + (lv3.exp() + (mu3 - means).square()) / prior_logvars.exp())
        .sub_scalar(1.0)
        .mul_scalar(0.5);
        let kl_k: Tensor<2> = per_component.clone().sum_dim(2).reshape([batch, k]);
        let log_weights: Tensor<2> =
            burn::tensor::activation::log_softmax(prior.logits.val(), 0).unsqueeze_dim(0);
        let scores = log_weights - kl_k; // log π_k - KL_k
        let peak = scores.clone().max_dim(1);
        let log_sum = peak.clone() + (scores.clone() - peak).exp().sum_dim(1).log();
        let total: Tensor<1> = log_sum.neg().reshape([batch]);
        let responsibility: Tensor<3> = softmax(scores, 1).unsqueeze_dim(2); // [B, K, 1]
        let shares: Tensor<2> = (per_component * responsibility)
            .sum_dim(1)
            .reshape([batch, dims]);
        let rest = total - shares.clone().sum_dim(1).reshape([batch]);
        (shares, rest)
    }
}

/// Per-dimension KL(N(mu, e^logvar) || N(m, e^s)) where `prior` holds `[m | s]` side by side.
fn conditional_kl(mu: Tensor<2>, logvar: Tensor<2>, prior: Tensor<2>, dims: usize) -> Tensor<2> {
    let [batch, _] = mu.dims();
    let mean = prior.clone().slice([0..batch, 0..dims]);
    let prior_logvar = prior
        .slice([0..batch, dims..2 * dims])
        .clamp(PRIOR_LOGVAR_RANGE.0, PRIOR_LOGVAR_RANGE.1);
    (prior_logvar.clone() - logvar.clone()
        + (logvar.exp() + (mu - mean).square()) / prior_logvar.exp())
    .sub_scalar(1.0)
    .mul_scalar(0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hierarchy(device: &Device) -> Hierarchy {
        HierarchyConfig::new()
            .with_global_dims(2)
            .with_frame_dims(2)
            .with_mixture_components(3)
            .init(6, [4, 1, 4], device)
    }

    #[test]
    fn mixture_bound_equals_gaussian_kl_for_one_matching_component() {
        let device = Device::flex();
        let mut h = hierarchy(&device);
        // One dominant component at the posterior: KL to the mixture = -log π_k exactly.
        h.global_prior.means = Param::from_tensor(Tensor::from_floats(
            [[0.5, -0.5], [9.0, 9.0], [-9.0, 9.0]],
            &device,
        ));
        h.global_prior.logvars = Param::from_tensor(Tensor::zeros([3, 2], &device));
        h.global_prior.logits = Param::from_tensor(Tensor::from_floats([0.0, 0.0, 0.0], &device));
        let mu = Tensor::<2>::from_floats([[0.5, -0.5]], &device);
        let (shares, rest) = h.mixture_kl(mu, Tensor::zeros([1, 2], &device));
        let shares = crate::training::batch::to_vec(shares);
        let rest: f32 = rest.into_scalar();
        assert!(shares.iter().all(|s| s.abs() < 1e-5), "{shares:?}");
        assert!((rest - 3f32.ln()).abs() < 1e-4, "rest {rest}");
    }

    #[test]
    fn conditional_kl_matches_the_closed_form() {
        let device = Device::flex();
        // KL(N(1, e^0) || N(0, e^1)) = 0.5 (1 - 0 + (1 + 1) / e - 1)
        let kl = conditional_kl(
            Tensor::from_floats([[1.0]], &device),
            Tensor::zeros([1, 1], &device),
            Tensor::from_floats([[0.0, 1.0]], &device),
            1,
        );
        let expected = 0.5 * (1.0 + 2.0 / std::f32::consts::E - 1.0);
        assert!((kl.into_scalar::<f32>() - expected).abs() < 1e-6);
    }

    #[test]
    fn levels_have_their_columns_and_dims() {
        let device = Device::flex();
        let h = hierarchy(&device);
        assert_eq!(h.dims, [2, 2, 2]);
        assert_eq!(h.columns(2), 4..6);
        let bottleneck = Tensor::<4>::random(
            [3, 4, 1, 4],
            burn::tensor::Distribution::Normal(0.0, 1.0),
            &device,
        );
        let phrase = (
            Tensor::zeros([3, 2], &device),
            Tensor::zeros([3, 2], &device),
        );
        let (mu, logvar) = h.encode(bottleneck, phrase);
        assert_eq!(mu.dims(), [3, 6]);
        let kl = h.prior_kl(mu, logvar);
        assert_eq!(kl.per_dim.dims(), [3, 6]);
        let rest: Vec<f32> = crate::training::batch::to_vec(kl.rest);
        assert!(
            rest.iter().all(|r| *r >= -1e-5),
            "mixture term is a KL: {rest:?}"
        );
    }
}
