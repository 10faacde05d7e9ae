//! The detail loss: the reconstruction's local high-frequency energy should match the input's.
//!
//! MSE pays a decoder to blur whatever detail it cannot place exactly (thin lines, fractal
//! dust, aliased stripes): the average of the possible places is a soft smear. This term compares
//! the root-mean-square Laplacian over small cells instead of the pixels, so drawing crisp detail
//! a pixel off costs nothing here, and drawing it blurred does. It is the evaluation's sharpness
//! (the variance of the Laplacian) made local and differentiable.

use burn::prelude::*;

/// Side, in pixels, of the square cells whose detail energy is compared.
pub const CELL: usize = 4;

/// Mean L1 distance between the cells' RMS Laplacians of `recon` and `target`, per channel.
///
/// # Shapes
/// - recon, target: `[batch, channels, h, w]` with h, w >= CELL + 2
pub fn detail_loss(recon: Tensor<4>, target: Tensor<4>) -> Tensor<1> {
    (cell_rms_laplacian(recon) - cell_rms_laplacian(target))
        .abs()
        .mean()
}

/// `[batch, channels, (h - 2) / CELL, (w - 2) / CELL]`: the RMS of the 4-neighbour Laplacian in
/// each cell of the interior (a partial last cell is left out).
fn cell_rms_laplacian(x: Tensor<4>) -> Tensor<4> {
    let [batch, channels, h, w] = x.dims();
    let (rows, cols) = ((h - 2) / CELL, (w - 2) / CELL);
    let (ih, iw) = (rows * CELL, cols * CELL);
    let at = |dr: usize, dc: usize| {
        x.clone()
            .slice([0..batch, 0..channels, dr..dr + ih, dc..dc + iw])
    };
    let laplacian = at(0, 1) + at(2, 1) + at(1, 0) + at(1, 2) - at(1, 1).mul_scalar(4.0);
    let energy: Tensor<6> = laplacian
        .square()
        .reshape([batch, channels, rows, CELL, cols, CELL]);
    let energy: Tensor<4> = energy
        .mean_dim(5)
        .mean_dim(3)
        .reshape([batch, channels, rows, cols]);
    // The epsilon keeps the square root's gradient finite on flat cells.
    energy.add_scalar(1e-6).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(side: usize, pixel: impl Fn(usize, usize) -> f32) -> Tensor<4> {
        let data: Vec<f32> = (0..side * side)
            .map(|i| pixel(i / side, i % side))
            .collect();
        Tensor::from_data(TensorData::new(data, [1, 1, side, side]), &Device::flex())
    }

    fn loss(a: &Tensor<4>, b: &Tensor<4>) -> f32 {
        detail_loss(a.clone(), b.clone()).into_scalar()
    }

    #[test]
    fn detail_in_another_place_costs_nothing_and_blur_costs_its_energy() {
        let checker = image(18, |r, c| ((r + c) % 2) as f32);
        let shifted = image(18, |r, c| ((r + c + 1) % 2) as f32);
        let grey = image(18, |_, _| 0.5);
        assert!(loss(&checker, &checker) < 1e-6);
        // Every pixel differs by 1, yet the detail is the same.
        assert!(loss(&checker, &shifted) < 1e-6);
        // A checkerboard's Laplacian is ±4 everywhere: RMS 4 against the flat grey's 0.
        assert!((loss(&grey, &checker) - 4.0).abs() < 1e-3);
    }

    #[test]
    fn a_gradient_step_gives_a_flat_picture_detail() {
        let target = image(10, |r, c| ((r * 3 + c) % 2) as f32);
        let flat = image(10, |r, c| 0.5 + 0.01 * ((r + c) % 2) as f32);
        let recon = flat.clone().autodiff().require_grad();
        let grads = detail_loss(recon.clone(), target.clone().autodiff()).backward();
        let grad = recon.grad(&grads).expect("recon requires a gradient");
        let stepped = flat.clone() - grad.mul_scalar(0.05);
        assert!(loss(&stepped, &target) < loss(&flat, &target) - 1e-3);
    }
}
