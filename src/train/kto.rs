//! The feedback losses: KTO for single up/down labels (Ethayarajh et al.,
//! ICML 2024, arXiv:2402.01306) and DPO for prompts labelled both ways.
//!
//! With `r = log π(y|x) − log π_ref(y|x)` and a reference point `z₀`, the
//! detached mean of `r` over mismatched (x, y′) pairs floored at 0:
//!
//! - up:   `λ_D · (1 − σ(β(r − z₀)))`
//! - down: `λ_U · (1 − σ(β(z₀ − r)))`
//!
//! Both are written as `λ / (1 + exp(s·β(r − z₀)))` with `s = +1` for up and
//! `−1` for down, using only ops candle can differentiate.

use candle_core::{Result, Tensor};
use serde::{Deserialize, Serialize};

/// The loss weights: β from `[finetune]`, the λs from each run's counts
/// ([`KtoWeights::balanced`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KtoWeights {
    /// β: how sharply the loss saturates in the log-ratio.
    pub beta: f64,
    /// λ_D: weight of desirable (up) examples.
    pub lambda_desirable: f64,
    /// λ_U: weight of undesirable (down) examples.
    pub lambda_undesirable: f64,
}

impl KtoWeights {
    /// Weights for `n_up` desirable and `n_down` undesirable examples such
    /// that `λ_D·n_D / (λ_U·n_U) = ratio` (the KTO paper advises 1 to 4/3)
    /// and the mean weight over all examples is 1, so the loss keeps its
    /// scale whatever the balance. With 13 up and 387 down at ratio 1:
    /// λ_D ≈ 15.4 and λ_U ≈ 0.52. A kind that is absent weighs 1.
    pub fn balanced(beta: f64, ratio: f64, n_up: usize, n_down: usize) -> Self {
        let n = (n_up + n_down) as f64;
        let (lambda_desirable, lambda_undesirable) = match (n_up, n_down) {
            (0, _) | (_, 0) => (1.0, 1.0),
            (u, d) => (
                ratio * n / ((1.0 + ratio) * u as f64),
                n / ((1.0 + ratio) * d as f64),
            ),
        };
        KtoWeights {
            beta,
            lambda_desirable,
            lambda_undesirable,
        }
    }
}

/// The reference point `z₀`: the mean of `policy − reference` over
/// mismatched pairs, floored at 0 (and 0 when there are none). Plain
/// numbers: it is detached by construction.
pub fn reference_point(policy: &[f32], reference: &[f32]) -> f32 {
    let n = policy.len().min(reference.len());
    if n == 0 {
        return 0.0;
    }
    let mean = policy
        .iter()
        .zip(reference)
        .map(|(&p, &r)| (p - r) as f64)
        .sum::<f64>()
        / n as f64;
    (mean.max(0.0)) as f32
}

/// Per-example KTO losses `[B]` for sequence log-probabilities `policy`
/// (`[B]`, with graph), the reference's (`[B]`, constants), labels (`true`
/// = up) and the reference point `z0`.
pub fn kto_losses(
    policy: &Tensor,
    reference: &[f32],
    up: &[bool],
    z0: f32,
    w: &KtoWeights,
) -> Result<Tensor> {
    let device = policy.device();
    let n = up.len();
    let reference = Tensor::from_slice(reference, n, device)?;
    // s·β per row, and λ per row.
    let scale: Vec<f32> = up
        .iter()
        .map(|&u| (if u { w.beta } else { -w.beta }) as f32)
        .collect();
    let lambda: Vec<f32> = up
        .iter()
        .map(|&u| {
            (if u {
                w.lambda_desirable
            } else {
                w.lambda_undesirable
            }) as f32
        })
        .collect();
    let scale = Tensor::from_vec(scale, n, device)?;
    let lambda = Tensor::from_vec(lambda, n, device)?;
    let margin = ((policy - &reference)? - z0 as f64)?;
    // λ / (1 + exp(s·β·margin))
    let denom = ((margin * scale)?.exp()? + 1.0)?;
    lambda / denom
}

/// Per-pair DPO losses `−log σ(β((π_up − ref_up) − (π_down − ref_down)))`
/// for prompts with both an up and a down label, as `log(1 + exp(−x))`
/// with `x` clamped to ±30 so that `exp` cannot overflow.
pub fn dpo_losses(
    policy_up: &Tensor,
    ref_up: &[f32],
    policy_down: &Tensor,
    ref_down: &[f32],
    beta: f64,
) -> Result<Tensor> {
    let device = policy_up.device();
    let n = ref_up.len();
    let ref_margin: Vec<f32> = ref_up.iter().zip(ref_down).map(|(u, d)| u - d).collect();
    let ref_margin = Tensor::from_vec(ref_margin, n, device)?;
    let x = (((policy_up - policy_down)? - ref_margin)? * beta)?;
    let x = x.clamp(-30f32, 30f32)?;
    (x.neg()?.exp()? + 1.0)?.log()
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-5
    }

    const W: KtoWeights = KtoWeights {
        beta: 0.5,
        lambda_desirable: 1.0,
        lambda_undesirable: 2.0,
    };

    #[test]
    fn balanced_weights_give_the_up_labels_their_share_whatever_the_counts() {
        // The analyst of issue 21: 13 up, 387 down.
        let w = KtoWeights::balanced(0.1, 1.0, 13, 387);
        let (up, down) = (w.lambda_desirable * 13.0, w.lambda_undesirable * 387.0);
        assert!((up / down - 1.0).abs() < 1e-9, "{w:?}");
        assert!(
            ((up + down) / 400.0 - 1.0).abs() < 1e-9,
            "mean weight 1: {w:?}"
        );
        assert!(
            w.lambda_desirable > 15.0 && w.lambda_undesirable < 0.6,
            "{w:?}"
        );
        let w = KtoWeights::balanced(0.1, 4.0 / 3.0, 30, 30);
        assert!((w.lambda_desirable / w.lambda_undesirable - 4.0 / 3.0).abs() < 1e-9);
        let w = KtoWeights::balanced(0.1, 1.0, 0, 9);
        assert_eq!((w.lambda_desirable, w.lambda_undesirable), (1.0, 1.0));
    }

    #[test]
    fn reference_point_is_the_floored_mean_ratio() {
        // Ratios 1 and 3: mean 2.
        assert!(close(reference_point(&[-1.0, -2.0], &[-2.0, -5.0]), 2.0));
        // Ratios −1 and −3: floored at 0.
        assert!(close(reference_point(&[-2.0, -5.0], &[-1.0, -2.0]), 0.0));
        assert_eq!(reference_point(&[], &[]), 0.0);
    }

    #[test]
    fn kto_matches_hand_computed_values() {
        let dev = Device::Cpu;
        // Policy −10 and −12, reference −11 and −11: r = 1 and −1; z0 = 0.5.
        let policy = Tensor::new(&[-10f32, -12.0], &dev).unwrap();
        let losses = kto_losses(&policy, &[-11.0, -11.0], &[true, false], 0.5, &W)
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        // Up: 1·(1 − σ(0.5·(1 − 0.5))) = 1 − σ(0.25) = 0.437823.
        assert!(close(losses[0], 0.437_823), "{losses:?}");
        // Down: 2·(1 − σ(0.5·(0.5 − (−1)))) = 2·(1 − σ(0.75)) = 0.641_642.
        assert!(close(losses[1], 0.641_642), "{losses:?}");
    }

    #[test]
    fn kto_gradient_raises_up_and_lowers_down() {
        let dev = Device::Cpu;
        let policy = Var::new(&[-10f32, -10.0], &dev).unwrap();
        let loss = kto_losses(policy.as_tensor(), &[-10.0, -10.0], &[true, false], 0.0, &W)
            .unwrap()
            .sum_all()
            .unwrap();
        let grads = loss.backward().unwrap();
        let g = grads.get(&policy).unwrap().to_vec1::<f32>().unwrap();
        // d/dr λ(1 − σ(βr)) at r = 0 is −λβ/4; down: +λβ/4.
        assert!(close(g[0], -0.125), "{g:?}");
        assert!(close(g[1], 0.25), "{g:?}");
    }

    #[test]
    fn dpo_matches_hand_computed_values() {
        let dev = Device::Cpu;
        let up = Tensor::new(&[-9f32], &dev).unwrap();
        let down = Tensor::new(&[-12f32], &dev).unwrap();
        // Policy margin 3, reference margin 1: −log σ(0.5·2) = log(1 + e^−1) = 0.313262.
        let l = dpo_losses(&up, &[-10.0], &down, &[-11.0], 0.5)
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        assert!(close(l[0], 0.313_262), "{l:?}");
    }
}
