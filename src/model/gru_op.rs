//! The fused GRU layer: one candle op for the whole sequence, input
//! projection included, with a hand-written backward (backpropagation
//! through time).
//!
//! The op takes the layer's input `x` ([B,T,I]), both weight matrices side
//! by side (`[W_ih | W_hh]`, [3H,I+H]) and both biases stacked (`[b_ih;
//! b_hh]`, [2,3H]: a bias added outside would cost a broadcast and, in the
//! backward, candle's slow reduction over rows), and returns every hidden
//! state `hs` ([B,T,H]) from a zero initial state. The input projection
//! `xw = x·W_ihᵀ` ([B,T,3H], the largest tensor of a step) stays inside the
//! op: under candle's autograd it cost a product node, two reshapes and,
//! for each, a zeroed gradient buffer and an addition in the backward. With
//! per-row input biases the biases are `[b_ih(row 0); …; b_ih(row B−1); b_hh]`,
//! [B+1,3H]: a term that is constant along a sequence (the history context's
//! share of the input projection) rides on the bias instead of being
//! broadcast over every position. The raw training path (`lm/grads.rs`)
//! gives the first layer its input as rows of a table of the batch's
//! distinct tokens ([`Input::Rows`]), so the input projection and its
//! gradients run once per distinct token. Gates follow PyTorch's `nn.GRU` (order
//! r, z, n):
//!
//! ```text
//! r = σ(xr + hr)   z = σ(xz + hz)   n = tanh(xn + r ⊙ hn)   h = (1 − z) ⊙ n + z ⊙ h_prev
//! ```
//!
//! where `[xr, xz, xn] = x·W_ihᵀ + b_ih` and `[hr, hz, hn] = h_prev·W_hhᵀ + b_hh`
//! (so `b_hn` sits inside the `r` product). There is no padding mask:
//! sequences are right-padded, so padding only ever follows the real
//! tokens, and the loss ignores padded positions; their states are
//! computed and never used.
//!
//! Only `f32` on the CPU is implemented; [`crate::model::Gru`] takes the
//! step-by-step reference path on other devices.

use std::sync::Mutex;

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor, bail};
use rayon::prelude::*;

use super::raw::reduce::{column_sums_serial, group_sums};
use super::raw::{
    MatMut, MatRef, PackedRhs, Scratch, add_into, fast_exp, matmul, matmul_packed, product,
    storage_f32, with_f32, worth_threads,
};

/// Sizes of one layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Dims {
    pub batch: usize,
    pub seq: usize,
    /// Width of the layer's input.
    pub input: usize,
    pub hidden: usize,
    /// Each row has its own input bias (biases are [B+1,3H], not [2,3H]).
    pub per_row: bool,
}

impl Dims {
    /// Sizes of a layer of `hidden` units over `[batch, seq, input]` inputs.
    pub(crate) fn new(
        batch: usize,
        seq: usize,
        input: usize,
        hidden: usize,
        per_row: bool,
    ) -> Dims {
        Dims {
            batch,
            seq,
            input,
            hidden,
            per_row,
        }
    }

    fn from_layouts(x: &Layout, w: &Layout, biases: &Layout, per_row: bool) -> Result<Dims> {
        let (batch, seq, input) = x.shape().dims3()?;
        let (w_rows, w_cols) = w.shape().dims2()?;
        let hidden = w_rows / 3;
        let b_rows = if per_row { batch + 1 } else { 2 };
        if hidden == 0
            || w_rows != 3 * hidden
            || w_cols != input + hidden
            || biases.shape().dims2()? != (b_rows, 3 * hidden)
        {
            bail!(
                "fused gru: shapes disagree: x {:?}, weights {:?}, biases {:?} (want [B,T,I], [3H,I+H], [{b_rows},3H])",
                x.shape(),
                w.shape(),
                biases.shape()
            );
        }
        Ok(Dims {
            batch,
            seq,
            input,
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

    /// `W_ihᵀ` ([I,3H]) inside the side-by-side weights, without copying.
    fn w_ih_t<'a>(&self, w: &'a [f32]) -> MatRef<'a> {
        MatRef::strided(w, self.input, 3 * self.hidden, 1, self.input + self.hidden)
    }

    /// `W_ih` ([3H,I]) inside the side-by-side weights.
    fn w_ih<'a>(&self, w: &'a [f32]) -> MatRef<'a> {
        MatRef::rows(w, 3 * self.hidden, self.input, self.input + self.hidden)
    }

    /// `W_hhᵀ` ([H,3H]) inside the side-by-side weights, without copying.
    fn w_hh_t<'a>(&self, w: &'a [f32]) -> MatRef<'a> {
        MatRef::strided(
            &w[self.input..],
            self.hidden,
            3 * self.hidden,
            1,
            self.input + self.hidden,
        )
    }

    /// `W_hh` ([3H,H]) inside the side-by-side weights.
    fn w_hh<'a>(&self, w: &'a [f32]) -> MatRef<'a> {
        MatRef::rows(
            &w[self.input..],
            3 * self.hidden,
            self.hidden,
            self.input + self.hidden,
        )
    }
}

/// A layer's input.
#[derive(Clone, Copy)]
pub(crate) enum Input<'a> {
    /// One row per position, [B,T,I].
    Dense(&'a [f32]),
    /// Position `p`'s input is row `index[p]` of `table` ([U,I]): the first
    /// layer's embedding rows, one per distinct token of the batch. The
    /// input projection is then one product per distinct token instead of
    /// one per position, and its weight and input gradients come from the
    /// gradients summed per token (a default training batch on the demo
    /// shop has about 3,900 positions and 830 distinct tokens).
    Rows { table: &'a [f32], index: &'a [u32] },
}

impl Input<'_> {
    /// Rows of `x·W_ihᵀ` the layer keeps: one per position, or per table row.
    fn projected_rows(&self, d: Dims) -> usize {
        match self {
            Input::Dense(_) => d.batch * d.seq,
            Input::Rows { table, .. } => table.len() / d.input.max(1),
        }
    }
}

/// Where a block of rows finds its input projection.
enum BlockInput<'a> {
    /// The block's inputs ([rows,T,I]), and room for their projection.
    Dense { x: &'a [f32], xw: &'a mut [f32] },
    /// The projected table ([U,3H]) and the block's positions' rows in it.
    Rows { xw: &'a [f32], index: &'a [u32] },
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

/// Blocks per thread: with one each, a core slowed by a neighbour on this
/// shared machine left the other idle; with two, the faster core can take a
/// third block.
const BLOCKS_PER_THREAD: usize = 2;

/// Rows of the packed kernel's tile: fewer would leave it part empty.
const MIN_BLOCK_ROWS: usize = 8;

/// How many rows each block takes. The batch is split into a few blocks of
/// rows per thread, and each thread runs its blocks through the whole
/// sequence, so the threads never wait for each other between positions
/// (one product per position split over threads would, twice per step) and
/// the cells run in parallel too. Small recurrences stay on one thread.
fn rows_per_block(d: Dims) -> usize {
    let threads = rayon::current_num_threads().min(d.batch);
    if threads < 2 || d.seq == 0 || !worth_threads(d.batch * d.hidden * 3 * d.hidden) {
        d.batch
    } else {
        let per = d.batch.div_ceil(threads * BLOCKS_PER_THREAD);
        if per >= MIN_BLOCK_ROWS {
            per
        } else {
            d.batch.div_ceil(threads)
        }
    }
}

/// Runs the layer over the whole batch: fills `xw` (`x·W_ihᵀ`, one row
/// per [`Input::projected_rows`], scratch), `hs` ([B,T,H]) and `gates`
/// ([B,T,4H]: r, z, n, hn). `w` is `[W_ih | W_hh]` and `w_hh_t` is `W_hhᵀ`
/// ([H,3H]), packed once for every position.
#[allow(clippy::too_many_arguments)]
pub(crate) fn forward(
    d: Dims,
    input: Input<'_>,
    w: &[f32],
    w_hh_t: &PackedRhs,
    biases: &[f32],
    xw: &mut [f32],
    hs: &mut [f32],
    gates: &mut [f32],
) {
    let g3 = 3 * d.hidden;
    let per = rows_per_block(d);
    if let Input::Rows { table, .. } = input {
        // The distinct tokens' projection, once, before the blocks.
        let rows = input.projected_rows(d);
        matmul(
            MatMut::dense(xw, rows, g3),
            false,
            MatRef::dense(table, rows, d.input),
            d.w_ih_t(w),
        );
    }
    if per >= d.batch {
        let block = match input {
            Input::Dense(x) => BlockInput::Dense { x, xw },
            Input::Rows { index, .. } => BlockInput::Rows { xw, index },
        };
        return forward_block(d, 0, block, w, w_hh_t, biases, hs, gates, true);
    }
    // Floats per batch row of each buffer.
    let (row_h, row_g4) = (d.seq * d.hidden, d.seq * 4 * d.hidden);
    let states = hs
        .par_chunks_mut(per * row_h)
        .zip(gates.par_chunks_mut(per * row_g4))
        .enumerate();
    let run = |k: usize, block_input: BlockInput<'_>, hs: &mut [f32], gates: &mut [f32]| {
        let block = Dims {
            batch: hs.len() / row_h,
            ..d
        };
        forward_block(
            block,
            k * per,
            block_input,
            w,
            w_hh_t,
            biases,
            hs,
            gates,
            false,
        );
    };
    match input {
        Input::Dense(x) => {
            let (row_x, row_g3) = (d.seq * d.input, d.seq * g3);
            x.par_chunks(per * row_x)
                .zip(xw.par_chunks_mut(per * row_g3))
                .zip(states)
                .for_each(|((x, xw), (k, (hs, gates)))| {
                    run(k, BlockInput::Dense { x, xw }, hs, gates)
                });
        }
        Input::Rows { index, .. } => {
            let xw = &*xw;
            index
                .par_chunks(per * d.seq)
                .zip(states)
                .for_each(|(index, (k, (hs, gates)))| {
                    run(k, BlockInput::Rows { xw, index }, hs, gates)
                });
        }
    }
}

/// [`forward`] for the rows `first_row..first_row + d.batch` of the batch;
/// the slices (but `w`, `w_hh_t`, `biases` and a projected table) hold only
/// those rows. `threads`: whether its products may use the thread pool.
#[allow(clippy::too_many_arguments)]
fn forward_block(
    d: Dims,
    first_row: usize,
    input: BlockInput<'_>,
    w: &[f32],
    w_hh_t: &PackedRhs,
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
    let (xw, index): (&[f32], Option<&[u32]>) = match input {
        BlockInput::Dense { x, xw } => {
            // The block's whole input projection as one product.
            product(threads)(
                MatMut::dense(xw, batch * seq, g3),
                false,
                MatRef::dense(x, batch * seq, d.input),
                d.w_ih_t(w),
            );
            (xw, None)
        }
        BlockInput::Rows { xw, index } => (xw, Some(index)),
    };
    // Zero at the first step: the initial state is zero.
    let mut hh = vec![0.0; batch * g3];
    for t in 0..seq {
        if t > 0 {
            let h_prev = MatRef::rows(&hs[(t - 1) * hidden..], batch, hidden, seq * hidden);
            matmul_packed(MatMut::dense(&mut hh, batch, g3), false, h_prev, w_hh_t);
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
            let xw_at = index.map_or(at, |index| index[at] as usize);
            let xw_row = &xw[xw_at * g3..][..g3];
            let gates_row = &mut gates[at * g4..][..g4];
            let (b_ih, b_hh) = d.biases(biases, first_row + b);
            cell(xw_row, &hh[b * g3..][..g3], b_ih, b_hh, h, gates_row);
        }
    }
}

/// Gradients of the layer's inputs.
pub(crate) struct Grads {
    /// Per position ([B,T,I]), or per table row ([U,I]) for [`Input::Rows`].
    pub x: Scratch,
    /// `[dW_ih | dW_hh]`, [3H,I+H].
    pub w: Scratch,
    /// `[db_ih; db_hh]`, [2,3H], or with per-row input biases [B+1,3H].
    pub biases: Vec<f32>,
}

/// Backpropagation through time, from the forward's `hs` and `gates` and the
/// gradient of the loss with respect to every state, `grad_hs` ([B,T,H]).
/// Like the forward, blocks of rows go through the whole sequence, each
/// with its input gradient and its share of the bias gradients (added in
/// block order); then blocks of gate rows take the weight gradients over
/// every position.
pub(crate) fn backward(
    d: Dims,
    input: Input<'_>,
    w: &[f32],
    hs: &[f32],
    gates: &[f32],
    grad_hs: &[f32],
) -> Grads {
    let Dims {
        batch, seq, hidden, ..
    } = d;
    let g3 = 3 * hidden;
    // Every element of both is written by the time loop.
    let mut dxw = Scratch::to_overwrite(batch * seq * g3);
    // Gradient of the pre-activations `h_prev·W_hhᵀ + b_hh`, per position.
    let mut dhh = Scratch::to_overwrite(batch * seq * g3);
    // Written whole by the product `dxw · W_ih` (per position, or per
    // table row from the sums of `dxw` per row).
    let dense = matches!(input, Input::Dense(_));
    let mut dx = Scratch::to_overwrite(input.projected_rows(d) * d.input);
    let w_hh = PackedRhs::new(d.w_hh(w));
    let per = rows_per_block(d);
    let parts: Vec<BlockGrads> = if per >= batch {
        let bufs = (&mut dxw[..], &mut dhh[..], dense.then_some(&mut dx[..]));
        vec![backward_block(
            d,
            w,
            &w_hh,
            (hs, gates, grad_hs),
            bufs,
            true,
        )]
    } else {
        // Floats per batch row of each buffer.
        let (row_x, row_h, row_g3, row_g4) =
            (seq * d.input, seq * hidden, seq * g3, seq * 4 * hidden);
        // Per-position input gradients only for dense inputs.
        let dx_blocks: Vec<Option<&mut [f32]>> = if dense {
            dx.chunks_mut(per * row_x).map(Some).collect()
        } else {
            (0..batch.div_ceil(per)).map(|_| None).collect()
        };
        hs.par_chunks(per * row_h)
            .zip(gates.par_chunks(per * row_g4))
            .zip(grad_hs.par_chunks(per * row_h))
            .zip(dxw.par_chunks_mut(per * row_g3))
            .zip(dhh.par_chunks_mut(per * row_g3))
            .zip(dx_blocks)
            .map(|(((((hs, gates), grad_hs), dxw), dhh), dx)| {
                let block = Dims {
                    batch: hs.len() / row_h,
                    ..d
                };
                let inputs = (hs, gates, grad_hs);
                backward_block(block, w, &w_hh, inputs, (dxw, dhh, dx), false)
            })
            .collect()
    };
    let dw = match input {
        Input::Dense(x) => weight_gradients(d, (&dxw, x), hs, &dhh, per < batch),
        Input::Rows { table, index } => {
            // Each table row's share: the gradients at its positions, summed.
            let rows = input.projected_rows(d);
            let sums = group_sums(&dxw, g3, index, rows);
            matmul(
                MatMut::dense(&mut dx, rows, d.input),
                false,
                MatRef::dense(&sums, rows, g3),
                d.w_ih(w),
            );
            weight_gradients(d, (&sums, table), hs, &dhh, per < batch)
        }
    };
    drop((dxw, dhh));
    let mut parts = parts.into_iter();
    let first = parts.next().expect("at least one block");
    let (mut b_ih, mut b_hh) = (first.b_ih, first.b_hh);
    for part in parts {
        add_into(&mut b_hh, &part.b_hh);
        if d.per_row {
            b_ih.extend_from_slice(&part.b_ih);
        } else {
            add_into(&mut b_ih, &part.b_ih);
        }
    }
    b_ih.extend_from_slice(&b_hh);
    Grads {
        x: dx,
        w: dw,
        biases: b_ih,
    }
}

/// `[dW_ih | dW_hh]` ([3H, I+H]) from the whole batch's `dhh` (whose rows
/// at t = 0 the blocks have cleared) and `(dxw, x)`: the gradient of the
/// input projection and the inputs, row for row (per position, or per
/// table row). With `split`, blocks of gate rows go to the threads, each a
/// sum over every row in order: no share to add to another afterwards, and
/// the same sums on any number of threads.
fn weight_gradients(
    d: Dims,
    (dxw, x): (&[f32], &[f32]),
    hs: &[f32],
    dhh: &[f32],
    split: bool,
) -> Scratch {
    let Dims {
        batch,
        seq,
        input,
        hidden,
        ..
    } = d;
    let g3 = 3 * hidden;
    let wide = input + hidden;
    let positions = batch * seq;
    let x_rows = x.len() / input.max(1);
    // Both products write every element; without a pair of positions the
    // `W_hh` columns are cleared instead.
    let mut dw = Scratch::to_overwrite(g3 * wide);
    let rows_per = if split {
        let threads = rayon::current_num_threads().max(1);
        // Two blocks per thread measured no better than four; nor did
        // fixed ranges of positions through all gate rows, added after
        // (the transposed gradients are packed once either way).
        g3.div_ceil(threads * 4).max(16)
    } else {
        g3
    };
    let block = |k: usize, dw: &mut [f32]| {
        let product = product(!split);
        let gates = k * rows_per..(k * rows_per + rows_per).min(g3);
        let n = gates.len();
        // dW_ih = Σ dxw[r]ᵀ · x[r], one product over every row of `x`.
        product(
            MatMut::rows(dw, n, input, wide),
            false,
            MatRef::strided(&dxw[gates.start..], n, x_rows, 1, g3),
            MatRef::dense(x, x_rows, input),
        );
        // dW_hh = Σ dhh[b,t]ᵀ · hs[b,t-1] as ONE product: row i of `dhh`
        // pairs with row i-1 of `hs`. At t = 0 the previous state is zero,
        // and row i-1 there belongs to the previous sequence, so the blocks
        // cleared those rows of `dhh`.
        let pairs = positions.saturating_sub(1);
        if pairs > 0 {
            product(
                MatMut::rows(&mut dw[input..], n, hidden, wide),
                false,
                MatRef::strided(&dhh[g3 + gates.start..], n, pairs, 1, g3),
                MatRef::dense(&hs[..pairs * hidden], pairs, hidden),
            );
        } else {
            for row in dw.chunks_exact_mut(wide) {
                row[input..].fill(0.0);
            }
        }
    };
    if split {
        dw.par_chunks_mut(rows_per * wide)
            .enumerate()
            .for_each(|(k, dw)| block(k, dw));
    } else {
        block(0, &mut dw);
    }
    dw
}

/// One block's share of the bias gradients.
struct BlockGrads {
    /// [3H], or one row per sequence with per-row input biases.
    b_ih: Vec<f32>,
    b_hh: Vec<f32>,
}

/// [`backward`] for a block of rows (the slices but `w` and `w_hh`, `W_hh`
/// packed, hold only those rows): the time loop fills `dxw`, `dhh` and the
/// input gradient `dx`, then the block's bias gradients, and clears the
/// rows of `dhh` at t = 0 for [`weight_gradients`].
fn backward_block(
    d: Dims,
    w: &[f32],
    w_hh: &PackedRhs,
    (hs, gates, grad_hs): (&[f32], &[f32], &[f32]),
    (dxw, dhh, dx): (&mut [f32], &mut [f32], Option<&mut [f32]>),
    threads: bool,
) -> BlockGrads {
    let Dims {
        batch,
        seq,
        input,
        hidden,
        ..
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
            matmul_packed(MatMut::dense(&mut carry, batch, hidden), true, lhs, w_hh);
        }
    }
    // dx = dxw · W_ih for the block's positions (dense inputs only).
    if let Some(dx) = dx {
        product(threads)(
            MatMut::dense(dx, batch * seq, input),
            false,
            MatRef::dense(dxw, batch * seq, g3),
            d.w_ih(w),
        );
    }

    let b_ih = if d.per_row {
        dxw.chunks_exact((seq * g3).max(1))
            .flat_map(|row| column_sums_serial(row, g3))
            .collect()
    } else {
        column_sums_serial(dxw, g3)
    };
    let b_hh = column_sums_serial(dhh, g3);

    // For the weight gradients: at t = 0 the previous state is zero (see
    // `weight_gradients`); the bias gradient is already summed above.
    for b in 0..batch {
        dhh[b * seq * g3..][..g3].fill(0.0);
    }
    BlockGrads { b_ih, b_hh }
}

/// The candle op. `keep_gates` caches the gates from the forward for the
/// backward (4 floats per state); without it the backward recomputes them.
pub(crate) struct FusedGruLayer {
    keep_gates: bool,
    per_row: bool,
    gates: Mutex<Option<Scratch>>,
}

impl FusedGruLayer {
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

/// The states ([B,T,H]) and gates ([B,T,4H]) of a layer. `w` is `[W_ih |
/// W_hh]` ([3H,I+H]); `biases` [2,3H], or [B+1,3H] with per-row input biases.
pub(crate) fn run_forward(
    d: Dims,
    input: Input<'_>,
    w: &[f32],
    biases: &[f32],
) -> (Scratch, Scratch) {
    let g3 = 3 * d.hidden;
    let w_hh_t = PackedRhs::new(d.w_hh_t(w));
    let positions = d.batch * d.seq;
    // Every element of all three is written: the product, then the cells.
    let mut xw = Scratch::to_overwrite(input.projected_rows(d) * g3);
    let mut hs = Scratch::to_overwrite(positions * d.hidden);
    let mut gates = Scratch::to_overwrite(positions * 4 * d.hidden);
    forward(d, input, w, &w_hh_t, biases, &mut xw, &mut hs, &mut gates);
    (hs, gates)
}

impl CustomOp3 for FusedGruLayer {
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
        let x = storage_f32(s1, l1, "fused gru input")?;
        let w = storage_f32(s2, l2, "fused gru weights")?;
        let biases = storage_f32(s3, l3, "fused gru biases")?;
        let (hs, gates) = run_forward(d, Input::Dense(x), w, biases);
        if self.keep_gates
            && let Ok(mut slot) = self.gates.lock()
        {
            *slot = Some(gates);
        }
        Ok((
            CpuStorage::F32(hs.into_vec()),
            Shape::from((d.batch, d.seq, d.hidden)),
        ))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        biases: &Tensor,
        res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let d = Dims::from_layouts(x.layout(), w.layout(), biases.layout(), self.per_row)?;
        // Taken, not cloned: a second backward over the same graph recomputes.
        let cached = self.gates.lock().ok().and_then(|mut slot| slot.take());
        let grads = with_f32(x, "fused gru input", |x| {
            with_f32(w, "fused gru weights", |w| {
                let gates = match cached {
                    Some(gates) => gates,
                    None => with_f32(biases, "fused gru biases", |b| {
                        Ok(run_forward(d, Input::Dense(x), w, b).1)
                    })?,
                };
                let grads = with_f32(res, "fused gru output", |hs| {
                    with_f32(grad_res, "fused gru output gradient", |g| {
                        Ok(backward(d, Input::Dense(x), w, hs, &gates, g))
                    })
                });
                drop(gates);
                grads
            })
        })?;
        let dev = x.device();
        Ok((
            Some(Tensor::from_vec(grads.x.into_vec(), x.shape(), dev)?),
            Some(Tensor::from_vec(grads.w.into_vec(), w.shape(), dev)?),
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

    /// Five rows with per-row input biases, large enough that two threads
    /// split them (3 + 2).
    const TEST_DIMS: Dims = Dims {
        batch: 5,
        seq: 24,
        input: 8,
        hidden: 256,
        per_row: true,
    };

    /// Weights, biases and a gradient of every state for `d`.
    fn layer(d: Dims) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let (h, g3) = (d.hidden, 3 * d.hidden);
        let w = values(g3 * (d.input + h), 2)
            .iter()
            .map(|v| v * 0.1)
            .collect();
        let biases = values((d.batch + 1) * g3, 3);
        let grad_hs = values(d.batch * d.seq * h, 4);
        (w, biases, grad_hs)
    }

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    fn close(a: &[f32], b: &[f32], tolerance: f32) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < tolerance)
    }

    #[test]
    fn row_blocks_on_threads_give_the_one_thread_result() {
        let d = TEST_DIMS;
        let (one, two) = (pool(1), pool(2));
        assert_eq!(two.install(|| rows_per_block(d)), 3);
        assert_eq!(one.install(|| rows_per_block(d)), 5);
        let x = values(d.batch * d.seq * d.input, 1);
        let (w, biases, grad_hs) = layer(d);
        let run = || {
            // Pooled buffers hold stale values; NaN ones would show in any
            // element the op read before writing.
            for _ in 0..4 {
                super::super::raw::recycle(vec![f32::NAN; 200_000]);
            }
            let (hs, gates) = run_forward(d, Input::Dense(&x), &w, &biases);
            let grads = backward(d, Input::Dense(&x), &w, &hs, &gates, &grad_hs);
            (hs, grads)
        };
        let (hs_one, grads_one) = one.install(run);
        let (hs_two, grads_two) = two.install(run);

        let close = |a: &[f32], b: &[f32]| close(a, b, 1e-5);
        for v in [&hs_one[..], &grads_one.x, &grads_one.w, &grads_one.biases] {
            assert!(v.iter().all(|x| x.is_finite()), "a stale value was read");
        }
        assert!(close(&hs_two, &hs_one), "states differ");
        assert!(close(&grads_two.x, &grads_one.x), "input gradients differ");
        assert!(close(&grads_two.w, &grads_one.w), "weight gradients differ");
        assert!(
            close(&grads_two.biases, &grads_one.biases),
            "bias gradients differ"
        );
        assert!(hs_one.iter().any(|v| v.abs() > 0.1), "a trivial test");
        assert!(grads_one.x.iter().any(|v| v.abs() > 1e-3), "a trivial test");
    }

    /// The first layer's inputs as rows of a table of distinct tokens give
    /// what the same inputs written out per position give: the states, the
    /// weight and bias gradients, and per token the sum of its positions'
    /// input gradients; on one thread and on two (blocks of rows).
    #[test]
    fn table_rows_give_the_dense_result() {
        let d = TEST_DIMS;
        let table = values(7 * d.input, 5);
        // Every table row used, most of them many times, one only once.
        let index: Vec<u32> = (0..d.batch * d.seq)
            .map(|p| if p == 17 { 6 } else { (p * p % 11 % 6) as u32 })
            .collect();
        let x: Vec<f32> = index
            .iter()
            .flat_map(|&u| table[u as usize * d.input..][..d.input].to_vec())
            .collect();
        let (w, biases, grad_hs) = layer(d);
        let close = |a: &[f32], b: &[f32]| close(a, b, 1e-4);
        for threads in [1, 2] {
            pool(threads).install(|| {
                let rows = Input::Rows {
                    table: &table,
                    index: &index,
                };
                let (hs, gates) = run_forward(d, Input::Dense(&x), &w, &biases);
                let (hs_rows, gates_rows) = run_forward(d, rows, &w, &biases);
                assert!(close(&hs_rows, &hs), "states differ on {threads} threads");
                assert!(close(&gates_rows, &gates), "gates differ");
                let dense = backward(d, Input::Dense(&x), &w, &hs, &gates, &grad_hs);
                let by_row = backward(d, rows, &w, &hs, &gates, &grad_hs);
                assert!(close(&by_row.w, &dense.w), "weight gradients differ");
                assert!(
                    close(&by_row.biases, &dense.biases),
                    "bias gradients differ"
                );
                let mut summed = vec![0f32; table.len()];
                for (dx, &u) in dense.x.chunks_exact(d.input).zip(&index) {
                    add_into(&mut summed[u as usize * d.input..][..d.input], dx);
                }
                assert_eq!(by_row.x.len(), table.len());
                assert!(close(&by_row.x, &summed), "input gradients differ");
                assert!(summed.iter().any(|v| v.abs() > 1e-2), "a trivial test");
            });
        }
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
