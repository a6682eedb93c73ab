//! AdamW fused over all parameters: one pass per parameter that reads the
//! gradient once and updates the weights, first and second moments in place,
//! with the global-norm clipping factor folded in.
//!
//! candle-nn's `AdamW` builds about ten tensors per parameter per step
//! (moments, their corrections, the update, the decayed weights) and then
//! copies the result into the variable; clipping first allocated a scaled copy
//! of every gradient. Here nothing is allocated after the first step.
//!
//! Off the CPU (or for a non-`f32` variable) it falls back to the same
//! arithmetic in candle ops.

use super::raw::with_f32;
use candle_core::backprop::GradStore;
use candle_core::{CpuStorage, InplaceOp2, Layout, Result, Var, bail};
use rayon::prelude::*;
use std::sync::Mutex;

/// Elements per parallel task of the update and the norm.
const CHUNK: usize = 1 << 15;

/// `Σ x²` in `f64`. Fixed blocks summed in eight lanes each, then the
/// blocks in order: vectorised, on every thread, and the same sum whatever
/// the thread count.
fn sum_of_squares(x: &[f32]) -> f64 {
    let blocks: Vec<f64> = x
        .par_chunks(CHUNK)
        .map(|block| {
            let mut lanes = [0.0f64; 8];
            let chunks = block.chunks_exact(8);
            let tail = chunks.remainder();
            for chunk in chunks {
                for (acc, &v) in lanes.iter_mut().zip(chunk) {
                    *acc += f64::from(v) * f64::from(v);
                }
            }
            tail.iter()
                .map(|&v| f64::from(v) * f64::from(v))
                .chain(lanes)
                .sum::<f64>()
        })
        .collect();
    blocks.iter().sum()
}

/// AdamW hyper-parameters (candle-nn's defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWParams {
    /// Learning rate.
    pub lr: f64,
    /// First-moment decay.
    pub beta1: f64,
    /// Second-moment decay.
    pub beta2: f64,
    /// Added to the root of the second moment.
    pub eps: f64,
    /// Decoupled weight decay.
    pub weight_decay: f64,
}

impl Default for AdamWParams {
    fn default() -> Self {
        AdamWParams {
            lr: 0.001,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
        }
    }
}

/// The optimizer over a fixed list of variables.
pub struct FusedAdamW {
    vars: Vec<Var>,
    /// First and second moments of each variable.
    moments: Vec<Mutex<(Vec<f32>, Vec<f32>)>>,
    step: i32,
    params: AdamWParams,
}

/// One parameter's update; the moments live in the optimizer.
struct Update<'a> {
    moments: &'a Mutex<(Vec<f32>, Vec<f32>)>,
    /// Multiplies the gradient first (clipping).
    grad_scale: f32,
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    /// `1 − lr · weight_decay`.
    decay: f32,
    /// `1 / (1 − β₁ᵗ)` and `1 / (1 − β₂ᵗ)`.
    correct1: f32,
    correct2: f32,
}

impl InplaceOp2 for Update<'_> {
    fn name(&self) -> &'static str {
        "fused-adamw"
    }

    fn cpu_fwd(
        &self,
        s1: &mut CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<()> {
        let (CpuStorage::F32(weights), CpuStorage::F32(grads)) = (s1, s2) else {
            bail!("fused AdamW needs f32 weights and gradients");
        };
        let (Some((w0, w1)), Some((g0, g1))) = (l1.contiguous_offsets(), l2.contiguous_offsets())
        else {
            bail!("fused AdamW needs contiguous weights and gradients");
        };
        let (w, g) = (&mut weights[w0..w1], &grads[g0..g1]);
        if w.len() != g.len() {
            bail!("fused AdamW: {} weights but {} gradients", w.len(), g.len());
        }
        let mut guard = self.moments.lock().expect("moments lock");
        let (m, v) = &mut *guard;
        if m.len() != w.len() {
            *m = vec![0.0; w.len()];
            *v = vec![0.0; w.len()];
        }
        let (b1, b2) = (self.beta1, self.beta2);
        let step = self.lr * self.correct1;
        // Element-wise, so blocks on any thread give the one-thread result.
        w.par_chunks_mut(CHUNK)
            .zip(g.par_chunks(CHUNK))
            .zip(m.par_chunks_mut(CHUNK))
            .zip(v.par_chunks_mut(CHUNK))
            .for_each(|(((w, g), m), v)| {
                for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                    let g = g * self.grad_scale;
                    *m = b1 * *m + (1.0 - b1) * g;
                    *v = b2 * *v + (1.0 - b2) * g * g;
                    let denom = (*v * self.correct2).sqrt() + self.eps;
                    *w = *w * self.decay - step * *m / denom;
                }
            });
        Ok(())
    }
}

impl FusedAdamW {
    /// An optimizer for `vars`.
    pub fn new(vars: Vec<Var>, params: AdamWParams) -> Self {
        let moments = vars
            .iter()
            .map(|_| Mutex::new((Vec::new(), Vec::new())))
            .collect();
        FusedAdamW {
            vars,
            moments,
            step: 0,
            params,
        }
    }

    /// Changes the learning rate for the next steps.
    pub fn set_learning_rate(&mut self, lr: f64) {
        self.params.lr = lr;
    }

    /// The global L2 norm of the gradients of the variables, in one pass
    /// over each gradient.
    pub fn grad_norm(&self, grads: &GradStore) -> Result<f64> {
        let mut sum = 0.0f64;
        for var in &self.vars {
            if let Some(g) = grads.get(var) {
                sum += with_f32(g, "gradient", |x| Ok(sum_of_squares(x)))?;
            }
        }
        Ok(sum.sqrt())
    }

    /// One step with every gradient multiplied by `grad_scale` first.
    pub fn step(&mut self, grads: &GradStore, grad_scale: f64) -> Result<()> {
        self.step += 1;
        let p = self.params;
        let update = |moments| Update {
            moments,
            grad_scale: grad_scale as f32,
            lr: p.lr as f32,
            beta1: p.beta1 as f32,
            beta2: p.beta2 as f32,
            eps: p.eps as f32,
            decay: (1.0 - p.lr * p.weight_decay) as f32,
            correct1: (1.0 / (1.0 - p.beta1.powi(self.step))) as f32,
            correct2: (1.0 / (1.0 - p.beta2.powi(self.step))) as f32,
        };
        for (var, moments) in self.vars.iter().zip(&self.moments) {
            let Some(g) = grads.get(var) else { continue };
            let g = g.contiguous()?;
            if var.device().is_cpu()
                && var.dtype() == candle_core::DType::F32
                && var.is_contiguous()
            {
                var.as_tensor().inplace_op2(&g, &update(moments))?;
            } else {
                bail!("fused AdamW runs on contiguous f32 CPU variables only");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};
    use candle_nn::{AdamW, Optimizer, ParamsAdamW};

    /// Same starting weights, same gradients: the fused optimizer must
    /// follow candle-nn's AdamW step for step, clipping included.
    #[test]
    fn matches_candle_nn_adamw_with_clipping() {
        let dev = Device::Cpu;
        let init = |seed: u64| {
            let data: Vec<f32> = (0..60)
                .map(|i| (((i as u64 * 2654435761 + seed) % 1000) as f32 / 500.0) - 1.0)
                .collect();
            Var::from_tensor(&Tensor::from_vec(data, (6, 10), &dev).unwrap()).unwrap()
        };
        let (a, b) = (init(1), init(1));
        let (a2, b2) = (init(7), init(7));
        let params = ParamsAdamW {
            lr: 0.01,
            weight_decay: 0.05,
            ..Default::default()
        };
        let mut reference = AdamW::new(vec![a.clone(), a2.clone()], params.clone()).unwrap();
        let mut fused = FusedAdamW::new(
            vec![b.clone(), b2.clone()],
            AdamWParams {
                lr: 0.01,
                weight_decay: 0.05,
                ..Default::default()
            },
        );
        for step in 0..5 {
            let target = Tensor::full(step as f32 * 0.1, (6, 10), &dev).unwrap();
            let loss = |x: &Var, y: &Var| -> Tensor {
                ((x.as_tensor() - &target)
                    .unwrap()
                    .sqr()
                    .unwrap()
                    .sum_all()
                    .unwrap()
                    + (y.as_tensor() * 3.0).unwrap().sum_all().unwrap())
                .unwrap()
            };
            // candle-nn: clip by scaling a copy of each gradient.
            let mut ga = loss(&a, &a2).backward().unwrap();
            let gb = loss(&b, &b2).backward().unwrap();
            let norm = fused.grad_norm(&gb).unwrap();
            let scale = if norm > 1.0 { 1.0 / norm } else { 1.0 };
            for v in [&a, &a2] {
                let g = ga.remove(v).unwrap();
                ga.insert(v, (g * scale).unwrap());
            }
            reference.step(&ga).unwrap();
            fused.step(&gb, scale).unwrap();
            for (x, y) in [(&a, &b), (&a2, &b2)] {
                let diff = (x.as_tensor() - y.as_tensor())
                    .unwrap()
                    .abs()
                    .unwrap()
                    .max_all()
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap();
                assert!(diff < 1e-6, "step {step}: {diff}");
            }
        }
    }

    #[test]
    fn blocks_of_a_large_parameter_match_the_plain_formulas() {
        let dev = Device::Cpu;
        let n = 3 * CHUNK + 5;
        let values = |seed: u64| -> Vec<f32> {
            (0..n as u64)
                .map(|i| (((i * 2654435761 + seed) % 1000) as f32 / 500.0) - 1.0)
                .collect()
        };
        let (w0, g) = (values(3), values(9));
        let naive: f64 = g.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        assert!((sum_of_squares(&g) - naive).abs() < 1e-9 * naive);

        let var = Var::from_tensor(&Tensor::from_vec(w0.clone(), n, &dev).unwrap()).unwrap();
        // The gradient of Σ w·g with respect to w is g.
        let g_tensor = Tensor::from_vec(g.clone(), n, &dev).unwrap();
        let grads = (var.as_tensor() * &g_tensor)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let p = AdamWParams::default();
        let mut opt = FusedAdamW::new(vec![var.clone()], p);
        opt.step(&grads, 0.5).unwrap();
        let got = var.as_tensor().to_vec1::<f32>().unwrap();
        // First step: m = (1 − β₁)g', v = (1 − β₂)g'², both bias-corrected.
        for i in [0, CHUNK - 1, CHUNK, 2 * CHUNK + 7, n - 1] {
            let g = f64::from(g[i]) * 0.5;
            let want = f64::from(w0[i]) * (1.0 - p.lr * p.weight_decay)
                - p.lr * g / ((g * g).sqrt() + p.eps);
            assert!((f64::from(got[i]) - want).abs() < 1e-6, "element {i}");
        }
    }
}
