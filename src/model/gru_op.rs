//! The fused GRU recurrence: one candle op for the whole sequence, with a
//! hand-written backward (backpropagation through time).
//!
//! The op takes the input projection `xw = x·W_ihᵀ` ([B,T,3H], computed by one
//! large product under ordinary autograd), `W_hh` ([3H,H]) and both biases
//! stacked (`[b_ih; b_hh]`, [2,3H]: a bias added outside would cost a
//! broadcast and, in the backward, candle's slow reduction over rows), and
//! returns every hidden state `hs` ([B,T,H]) from a zero initial state. With
//! per-row input biases the biases are `[b_ih(row 0); …; b_ih(row B−1); b_hh]`,
//! [B+1,3H]: a term that is constant along a sequence (the history context's
//! share of the input projection) rides on the bias instead of being
//! broadcast over every position. Gates
//! follow PyTorch's `nn.GRU` (order r, z, n):
//!
//! ```text
//! r = σ(xr + hr)   z = σ(xz + hz)   n = tanh(xn + r ⊙ hn)   h = (1 − z) ⊙ n + z ⊙ h_prev
//! ```
//!
//! where `[xr, xz, xn] = xw + b_ih` and `[hr, hz, hn] = h_prev·W_hhᵀ + b_hh`
//! (so `b_hn` sits inside the `r` product). There is no padding mask: sequences are right-padded, so padding
//! only ever follows the real tokens, and the loss ignores padded positions;
//! their states are computed and never used.
//!
//! Only `f32` on the CPU is implemented; [`crate::model::Gru`] takes the
//! step-by-step reference path on other devices.

use std::sync::Mutex;

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor, bail};

use rayon::prelude::*;

use super::raw::{
    MatMut, MatRef, fast_exp, matmul, matmul_serial, storage_f32, transpose, with_f32,
    worth_threads,
};

/// Sizes of one recurrence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Dims {
    pub batch: usize,
    pub seq: usize,
    pub hidden: usize,
    /// Each row has its own input bias (biases are [B+1,3H], not [2,3H]).
    pub per_row: bool,
}

impl Dims {
    fn from_layouts(xw: &Layout, w_hh: &Layout, biases: &Layout, per_row: bool) -> Result<Dims> {
        let (batch, seq, gates) = xw.shape().dims3()?;
        let (w_rows, hidden) = w_hh.shape().dims2()?;
        let b_dims = biases.shape().dims2()?;
        let b_rows = if per_row { batch + 1 } else { 2 };
        if gates != 3 * hidden || w_rows != 3 * hidden || b_dims != (b_rows, 3 * hidden) {
            bail!(
                "fused gru: shapes disagree: xw {:?}, w_hh {:?}, biases {:?} (want [B,T,3H], [3H,H], [{b_rows},3H])",
                xw.shape(),
                w_hh.shape(),
                biases.shape()
            );
        }
        Ok(Dims {
            batch,
            seq,
            hidden,
            per_row,
        })
    }

    /// Row `b`'s input bias and the shared hidden bias, from the stacked biases.
    fn biases<'a>(&self, biases: &'a [f32], b: usize) -> (&'a [f32], &'a [f32]) {
        let g3 = 3 * self.hidden;
        let (inputs, hidden) = biases.split_at(biases.len() - g3);
        let row = if self.per_row { b } else { 0 };
        (&inputs[row * g3..][..g3], hidden)
    }
}

/// One cell update for one row. `xw` is this row's `x·W_ihᵀ` and `hh` its
/// `h_prev·W_hhᵀ`, both without bias; `h` holds `h_prev` and receives the new
/// state; `gates` receives `[r, z, n, hn]` for the backward.
#[inline]
pub(crate) fn cell(
    xw: &[f32],
    hh: &[f32],
    b_ih: &[f32],
    b_hh: &[f32],
    h: &mut [f32],
    gates: &mut [f32],
) {
    let n_h = h.len();
    // Slices of exactly `n_h` let the compiler drop bounds checks and vectorise.
    let [xr, xz, xn] = thirds(xw, n_h);
    let [hr, hz, hn_raw] = thirds(hh, n_h);
    let [bir, biz, bin] = thirds(b_ih, n_h);
    let [bhr, bhz, bhn] = thirds(b_hh, n_h);
    let (gr, rest) = gates.split_at_mut(n_h);
    let (gz, rest) = rest.split_at_mut(n_h);
    let (gn, ghn) = rest.split_at_mut(n_h);
    let ghn = &mut ghn[..n_h];
    for j in 0..n_h {
        let r = sigmoid(xr[j] + bir[j] + hr[j] + bhr[j]);
        let z = sigmoid(xz[j] + biz[j] + hz[j] + bhz[j]);
        let hn = hn_raw[j] + bhn[j];
        let n = tanh(xn[j] + bin[j] + r * hn);
        h[j] = (1.0 - z) * n + z * h[j];
        gr[j] = r;
        gz[j] = z;
        gn[j] = n;
        ghn[j] = hn;
    }
}

/// The r, z and n parts of a gate vector, each exactly `n` long.
#[inline(always)]
fn thirds(v: &[f32], n: usize) -> [&[f32]; 3] {
    [&v[..n], &v[n..2 * n], &v[2 * n..3 * n]]
}

#[inline(always)]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + fast_exp(-x))
}

/// `tanh` through one exponential; absolute error about 1e-7.
#[inline(always)]
fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (fast_exp(2.0 * x) + 1.0)
}

/// The backward of [`cell`] for one row. `carry` holds the gradient reaching
/// this state from the next step and receives the part that flows directly
/// to `h_prev` (`dh ⊙ z`); the part through `W_hh` is added by the caller
/// from `dhh`.
#[inline]
fn cell_backward(
    grad_out: &[f32],
    carry: &mut [f32],
    h_prev: &[f32],
    gates: &[f32],
    dxw: &mut [f32],
    dhh: &mut [f32],
) {
    let hidden = carry.len();
    let (gr, rest) = gates.split_at(hidden);
    let (gz, rest) = rest.split_at(hidden);
    let (gn, ghn) = rest.split_at(hidden);
    let (dx_r, rest) = dxw.split_at_mut(hidden);
    let (dx_z, dx_n) = rest.split_at_mut(hidden);
    let (dh_r, rest) = dhh.split_at_mut(hidden);
    let (dh_z, dh_n) = rest.split_at_mut(hidden);
    for j in 0..hidden {
        let dh = grad_out[j] + carry[j];
        let (r, z, n, hn) = (gr[j], gz[j], gn[j], ghn[j]);
        let da_n = dh * (1.0 - z) * (1.0 - n * n);
        let da_z = dh * (h_prev[j] - n) * z * (1.0 - z);
        let da_r = da_n * hn * r * (1.0 - r);
        dx_r[j] = da_r;
        dx_z[j] = da_z;
        dx_n[j] = da_n;
        dh_r[j] = da_r;
        dh_z[j] = da_z;
        dh_n[j] = da_n * r;
        carry[j] = dh * z;
    }
}

/// How many rows each thread takes. The batch is split into one block of
/// rows per thread, and each thread runs its block through the whole
/// sequence, so the threads never wait for each other between positions
/// (one product per position split over threads would, twice per step) and
/// the cells run in parallel too. Small recurrences stay on one thread.
fn rows_per_block(d: Dims) -> usize {
    let threads = rayon::current_num_threads().min(d.batch);
    if threads < 2 || d.seq == 0 || !worth_threads(d.batch * d.hidden * 3 * d.hidden) {
        d.batch
    } else {
        d.batch.div_ceil(threads)
    }
}

/// Runs the recurrence over the whole batch: fills `hs` ([B,T,H]) and
/// `gates` ([B,T,4H]: r, z, n, hn). `w_hh_t` is `W_hhᵀ`, dense [H,3H].
pub(crate) fn forward(
    d: Dims,
    xw: &[f32],
    w_hh_t: &[f32],
    biases: &[f32],
    hs: &mut [f32],
    gates: &mut [f32],
) {
    let per = rows_per_block(d);
    if per >= d.batch {
        return forward_block(d, 0, xw, w_hh_t, biases, hs, gates, true);
    }
    let (h, g3, g4) = (d.seq * d.hidden, d.seq * 3 * d.hidden, d.seq * 4 * d.hidden);
    xw.par_chunks(per * g3)
        .zip(hs.par_chunks_mut(per * h))
        .zip(gates.par_chunks_mut(per * g4))
        .enumerate()
        .for_each(|(i, ((xw, hs), gates))| {
            let block = Dims {
                batch: hs.len() / h,
                ..d
            };
            forward_block(block, i * per, xw, w_hh_t, biases, hs, gates, false);
        });
}

/// [`forward`] for the rows `first_row..first_row + d.batch` of the batch;
/// the slices hold only those rows. `threads`: whether its products may use
/// the thread pool.
#[allow(clippy::too_many_arguments)]
fn forward_block(
    d: Dims,
    first_row: usize,
    xw: &[f32],
    w_hh_t: &[f32],
    biases: &[f32],
    hs: &mut [f32],
    gates: &mut [f32],
    threads: bool,
) {
    let Dims {
        batch, seq, hidden, ..
    } = d;
    let g3 = 3 * hidden;
    let g4 = 4 * hidden;
    // Zero at the first step: the initial state is zero.
    let mut hh = vec![0.0; batch * g3];
    for t in 0..seq {
        if t > 0 {
            let h_prev = MatRef::rows(&hs[(t - 1) * hidden..], batch, hidden, seq * hidden);
            let w = MatRef::dense(w_hh_t, hidden, g3);
            product(threads)(MatMut::dense(&mut hh, batch, g3), false, h_prev, w);
        }
        for b in 0..batch {
            let at = b * seq + t;
            let (before, current) = hs.split_at_mut(at * hidden);
            let h = &mut current[..hidden];
            if t > 0 {
                h.copy_from_slice(&before[(at - 1) * hidden..]);
            } else {
                h.fill(0.0);
            }
            let xw_row = &xw[at * g3..][..g3];
            let gates_row = &mut gates[at * g4..][..g4];
            let (b_ih, b_hh) = d.biases(biases, first_row + b);
            cell(xw_row, &hh[b * g3..][..g3], b_ih, b_hh, h, gates_row);
        }
    }
}

type Product = fn(MatMut<'_>, bool, MatRef<'_>, MatRef<'_>);

fn product(threads: bool) -> Product {
    if threads { matmul } else { matmul_serial }
}

/// Gradients of the recurrence's inputs.
pub(crate) struct Grads {
    pub xw: Vec<f32>,
    pub w_hh: Vec<f32>,
    /// `[db_ih; db_hh]`, [2,3H], or with per-row input biases [B+1,3H].
    pub biases: Vec<f32>,
}

/// Backpropagation through time, from the forward's `hs` and `gates` and the
/// gradient of the loss with respect to every state, `grad_hs` ([B,T,H]).
/// Like the forward, each thread takes a block of rows through the whole
/// sequence; the weight and bias gradients are then summed over all rows.
pub(crate) fn backward(d: Dims, w_hh: &[f32], hs: &[f32], gates: &[f32], grad_hs: &[f32]) -> Grads {
    let Dims {
        batch, seq, hidden, ..
    } = d;
    let g3 = 3 * hidden;
    let mut dxw = vec![0.0; batch * seq * g3];
    // Gradient of the pre-activations `h_prev·W_hhᵀ + b_hh`, per position.
    let mut dhh = vec![0.0; batch * seq * g3];
    let per = rows_per_block(d);
    if per >= batch {
        backward_block(d, w_hh, hs, gates, grad_hs, &mut dxw, &mut dhh, true);
    } else {
        let (h, g4) = (seq * hidden, seq * 4 * hidden);
        let g3 = seq * g3;
        hs.par_chunks(per * h)
            .zip(gates.par_chunks(per * g4))
            .zip(grad_hs.par_chunks(per * h))
            .zip(dxw.par_chunks_mut(per * g3))
            .zip(dhh.par_chunks_mut(per * g3))
            .for_each(|((((hs, gates), grad_hs), dxw), dhh)| {
                let block = Dims {
                    batch: hs.len() / h,
                    ..d
                };
                backward_block(block, w_hh, hs, gates, grad_hs, dxw, dhh, false);
            });
    }

    let mut biases = if d.per_row {
        dxw.chunks_exact((seq * g3).max(1))
            .flat_map(|row| column_sums(row, g3))
            .collect()
    } else {
        column_sums(&dxw, g3)
    };
    biases.extend(column_sums(&dhh, g3));

    // dW_hh = Σ dhh[b,t]ᵀ · hs[b,t-1] as ONE product: row i of `dhh` pairs
    // with row i-1 of `hs`. At t = 0 the previous state is zero, and row i-1
    // there belongs to the previous sequence, so those rows of `dhh` are
    // zeroed first (their bias gradient is already summed above).
    for b in 0..batch {
        dhh[b * seq * g3..][..g3].fill(0.0);
    }
    let mut dw_hh = vec![0.0; g3 * hidden];
    let pairs = (batch * seq).saturating_sub(1);
    if pairs > 0 {
        let lhs = MatRef::strided(&dhh[g3..], g3, pairs, 1, g3);
        let rhs = MatRef::dense(&hs[..pairs * hidden], pairs, hidden);
        matmul(MatMut::dense(&mut dw_hh, g3, hidden), false, lhs, rhs);
    }
    Grads {
        xw: dxw,
        w_hh: dw_hh,
        biases,
    }
}

/// The time loop of [`backward`] for a block of rows (the slices hold only
/// those rows): fills `dxw` and `dhh`.
#[allow(clippy::too_many_arguments)]
fn backward_block(
    d: Dims,
    w_hh: &[f32],
    hs: &[f32],
    gates: &[f32],
    grad_hs: &[f32],
    dxw: &mut [f32],
    dhh: &mut [f32],
    threads: bool,
) {
    let Dims {
        batch, seq, hidden, ..
    } = d;
    let g3 = 3 * hidden;
    let g4 = 4 * hidden;
    let mut carry = vec![0.0; batch * hidden];
    let zeros = vec![0.0; hidden];
    for t in (0..seq).rev() {
        for b in 0..batch {
            let at = b * seq + t;
            let h_prev = if t > 0 {
                &hs[(at - 1) * hidden..][..hidden]
            } else {
                &zeros
            };
            cell_backward(
                &grad_hs[at * hidden..][..hidden],
                &mut carry[b * hidden..][..hidden],
                h_prev,
                &gates[at * g4..][..g4],
                &mut dxw[at * g3..][..g3],
                &mut dhh[at * g3..][..g3],
            );
        }
        if t > 0 {
            let lhs = MatRef::rows(&dhh[t * g3..], batch, g3, seq * g3);
            let w = MatRef::dense(w_hh, g3, hidden);
            product(threads)(MatMut::dense(&mut carry, batch, hidden), true, lhs, w);
        }
    }
}

/// Sums of the columns of a row-major matrix `width` wide.
fn column_sums(data: &[f32], width: usize) -> Vec<f32> {
    let mut sums = vec![0.0; width];
    for row in data.chunks_exact(width) {
        for (acc, v) in sums.iter_mut().zip(row) {
            *acc += v;
        }
    }
    sums
}

/// The candle op. `keep_gates` caches the gates from the forward for the
/// backward (4 floats per state); without it the backward recomputes them.
pub(crate) struct GruRecurrence {
    keep_gates: bool,
    per_row: bool,
    gates: Mutex<Option<Vec<f32>>>,
}

impl GruRecurrence {
    pub(crate) fn new(keep_gates: bool) -> Self {
        Self {
            keep_gates,
            per_row: false,
            gates: Mutex::new(None),
        }
    }

    /// Biases are [B+1,3H]: one input bias per row, then the hidden bias.
    pub(crate) fn with_per_row_input_bias(mut self) -> Self {
        self.per_row = true;
        self
    }
}

fn run_forward(d: Dims, xw: &[f32], w_hh: &[f32], biases: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let w_hh_t = transpose(w_hh, 3 * d.hidden, d.hidden);
    let mut hs = vec![0.0; d.batch * d.seq * d.hidden];
    let mut gates = vec![0.0; d.batch * d.seq * 4 * d.hidden];
    forward(d, xw, &w_hh_t, biases, &mut hs, &mut gates);
    (hs, gates)
}

impl CustomOp3 for GruRecurrence {
    fn name(&self) -> &'static str {
        "fused-gru"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let d = Dims::from_layouts(l1, l2, l3, self.per_row)?;
        let xw = storage_f32(s1, l1, "fused gru input projection")?;
        let w_hh = storage_f32(s2, l2, "fused gru w_hh")?;
        let biases = storage_f32(s3, l3, "fused gru biases")?;
        let (hs, gates) = run_forward(d, xw, w_hh, biases);
        if self.keep_gates
            && let Ok(mut slot) = self.gates.lock()
        {
            *slot = Some(gates);
        }
        Ok((CpuStorage::F32(hs), Shape::from((d.batch, d.seq, d.hidden))))
    }

    fn bwd(
        &self,
        xw: &Tensor,
        w_hh: &Tensor,
        biases: &Tensor,
        res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let d = Dims::from_layouts(xw.layout(), w_hh.layout(), biases.layout(), self.per_row)?;
        // Taken, not cloned: a second backward over the same graph recomputes.
        let cached = self.gates.lock().ok().and_then(|mut slot| slot.take());
        let grads = with_f32(w_hh, "fused gru w_hh", |w| {
            let recomputed;
            let gates = match &cached {
                Some(gates) => gates,
                None => {
                    recomputed = with_f32(xw, "fused gru input projection", |x| {
                        with_f32(
                            biases,
                            "fused gru biases",
                            |b| Ok(run_forward(d, x, w, b).1),
                        )
                    })?;
                    &recomputed
                }
            };
            with_f32(res, "fused gru output", |hs| {
                with_f32(grad_res, "fused gru output gradient", |g| {
                    Ok(backward(d, w, hs, gates, g))
                })
            })
        })?;
        let dev = xw.device();
        let g3 = 3 * d.hidden;
        Ok((
            Some(Tensor::from_vec(grads.xw, (d.batch, d.seq, g3), dev)?),
            Some(Tensor::from_vec(grads.w_hh, (g3, d.hidden), dev)?),
            Some(Tensor::from_vec(grads.biases, biases.shape(), dev)?),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in about [-0.5, 0.5).
    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let x = (i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed);
                (x >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect()
    }

    #[test]
    fn row_blocks_on_threads_give_the_one_thread_result() {
        // Five rows split 3 + 2 over two threads, with per-row input biases;
        // large enough that the split is taken.
        let d = Dims {
            batch: 5,
            seq: 4,
            hidden: 256,
            per_row: true,
        };
        let (h, g3) = (d.hidden, 3 * d.hidden);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        assert_eq!(pool.install(|| rows_per_block(d)), 3);
        let xw = values(d.batch * d.seq * g3, 1);
        let w_hh: Vec<f32> = values(g3 * h, 2).iter().map(|v| v * 0.1).collect();
        let biases = values((d.batch + 1) * g3, 3);
        let grad_hs = values(d.batch * d.seq * h, 4);

        let (hs, gates) = pool.install(|| run_forward(d, &xw, &w_hh, &biases));
        let grads = pool.install(|| backward(d, &w_hh, &hs, &gates, &grad_hs));

        let w_hh_t = transpose(&w_hh, g3, h);
        let mut hs_one = vec![0.0; hs.len()];
        let mut gates_one = vec![0.0; gates.len()];
        forward_block(
            d,
            0,
            &xw,
            &w_hh_t,
            &biases,
            &mut hs_one,
            &mut gates_one,
            true,
        );
        let mut dxw_one = vec![0.0; grads.xw.len()];
        let mut dhh_one = vec![0.0; grads.xw.len()];
        backward_block(
            d,
            &w_hh,
            &hs_one,
            &gates_one,
            &grad_hs,
            &mut dxw_one,
            &mut dhh_one,
            true,
        );

        let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5);
        assert!(close(&hs, &hs_one), "states differ");
        assert!(close(&grads.xw, &dxw_one), "input gradients differ");
        // Each row's own input-bias gradient is its column sums.
        let row4 = column_sums(&dxw_one[4 * d.seq * g3..], g3);
        assert!(close(&grads.biases[4 * g3..][..g3], &row4));
        assert!(hs.iter().any(|v| v.abs() > 0.1), "a trivial test");
    }

    #[test]
    fn fast_exp_sigmoid_and_tanh_are_accurate() {
        let mut worst = (0.0f64, 0.0f64, 0.0f64);
        for i in 0..350_000 {
            let x = -87.0 + i as f32 * 0.0005;
            let exact = f64::from(x).exp();
            let rel = ((f64::from(fast_exp(x)) - exact) / exact).abs();
            let sig = 1.0 / (1.0 + (-f64::from(x)).exp());
            let th = f64::from(x).tanh();
            worst.0 = worst.0.max(rel);
            worst.1 = worst.1.max((f64::from(sigmoid(x)) - sig).abs());
            worst.2 = worst.2.max((f64::from(tanh(x)) - th).abs());
        }
        assert!(worst.0 < 2e-7, "exp relative error {}", worst.0);
        assert!(worst.1 < 2e-7, "sigmoid absolute error {}", worst.1);
        assert!(worst.2 < 3e-7, "tanh absolute error {}", worst.2);
        assert_eq!(fast_exp(-1000.0), fast_exp(-87.0));
        assert!(fast_exp(f32::NAN).is_nan());
        assert_eq!(tanh(100.0), 1.0);
        assert_eq!(tanh(-100.0), -1.0);
    }
}
