//! The output layer fused with cross-entropy: one candle op from hidden rows
//! to per-row negative log-likelihood, with a hand-written backward.
//!
//! Done with plain ops, `log_softmax` under autograd keeps several [M,V]
//! tensors alive and walks them again in the backward; here the only large
//! buffer is the softmax, kept from the forward for the backward
//! (PERFORMANCE-FACTS.md measured about 1.9× on training at the L size).

use std::sync::Mutex;

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor, bail};
use rayon::prelude::*;

use super::raw::{MatMut, MatRef, Scratch, fast_exp, matmul, storage_f32, with_f32};

/// Rows of the softmax per parallel task: enough to outweigh handing out
/// the task.
const ROWS_PER_TASK: usize = 16;

/// `nll[m] = −log softmax(h[m]·Wᵀ + b)[targets[m]]` over rows `h` [M,H], with
/// `W` [V,H] and `b` [V]; the output is [M]. With bias rows, `b` is [G,V]
/// and row `m` adds bias row `bias_rows[m]`: a per-sequence bias computed
/// once per sequence instead of once per position.
pub(crate) struct OutputNll {
    targets: Vec<u32>,
    bias_rows: Option<Vec<u32>>,
    keep_probs: bool,
    probs: Mutex<Option<Scratch>>,
}

impl OutputNll {
    /// `keep_probs` keeps the [M,V] softmax for the backward; without it the
    /// backward recomputes it.
    pub(crate) fn new(targets: Vec<u32>, keep_probs: bool) -> Self {
        Self {
            targets,
            bias_rows: None,
            keep_probs,
            probs: Mutex::new(None),
        }
    }

    /// Row `m` takes its bias from row `bias_rows[m]` of a [G,V] bias.
    pub(crate) fn with_bias_rows(mut self, bias_rows: Vec<u32>) -> Self {
        self.bias_rows = Some(bias_rows);
        self
    }

    /// Where row `m`'s bias starts in the bias buffer.
    fn bias_at(&self, m: usize, vocab: usize) -> usize {
        self.bias_rows
            .as_ref()
            .map_or(0, |rows| rows[m] as usize * vocab)
    }

    /// The bias gradient (`len` floats: [V], or [G,V] with bias rows): the
    /// sum of each bias row's rows of `dlogits` [M,V]. Threads take blocks of
    /// columns, and each adds its rows in order, so the sums are exactly the
    /// one-thread sums whatever the thread count.
    fn bias_gradient(&self, dlogits: &[f32], len: usize, vocab: usize) -> Vec<f32> {
        const COLUMNS: usize = 512;
        let groups = len / vocab.max(1);
        let blocks: Vec<Vec<f32>> = (0..vocab.div_ceil(COLUMNS))
            .into_par_iter()
            .map(|block| {
                let first = block * COLUMNS;
                let width = COLUMNS.min(vocab - first);
                let mut sums = vec![0.0; groups * width];
                for (m, row) in dlogits.chunks_exact(vocab).enumerate() {
                    let at = self.bias_at(m, vocab) / vocab * width;
                    for (acc, x) in sums[at..][..width].iter_mut().zip(&row[first..]) {
                        *acc += x;
                    }
                }
                sums
            })
            .collect();
        let mut db = vec![0.0; len];
        for (block, sums) in blocks.iter().enumerate() {
            let first = block * COLUMNS;
            let width = COLUMNS.min(vocab - first);
            for (group, part) in sums.chunks_exact(width).enumerate() {
                db[group * vocab + first..][..width].copy_from_slice(part);
            }
        }
        db
    }

    fn dims(&self, h: &Layout, w: &Layout, b: &Layout) -> Result<(usize, usize, usize)> {
        let (rows, hidden) = h.shape().dims2()?;
        let (vocab, w_hidden) = w.shape().dims2()?;
        let (groups, b_len) = match &self.bias_rows {
            None => (1, b.shape().dims1()?),
            Some(_) => b.shape().dims2()?,
        };
        let rows_ok = self
            .bias_rows
            .as_ref()
            .is_none_or(|r| r.len() == rows && r.iter().all(|&g| (g as usize) < groups));
        if w_hidden != hidden || b_len != vocab || rows != self.targets.len() || !rows_ok {
            bail!(
                "output cross-entropy: shapes disagree: h {:?}, w {:?}, b {:?}, {} targets",
                h.shape(),
                w.shape(),
                b.shape(),
                self.targets.len()
            );
        }
        if let Some(&bad) = self.targets.iter().find(|&&t| t as usize >= vocab) {
            bail!("output cross-entropy: target {bad} is outside the vocabulary of {vocab}");
        }
        Ok((rows, hidden, vocab))
    }

    /// The softmax ([M,V]) and the per-row NLL; `w` is the [V,H] weight.
    pub(crate) fn forward_rows(
        &self,
        h: &[f32],
        w: MatRef<'_>,
        b: &[f32],
        dims: (usize, usize, usize),
    ) -> (Scratch, Vec<f32>) {
        let (rows, hidden, vocab) = dims;
        // Every element is written: the product, then the softmax.
        let mut probs = Scratch::to_overwrite(rows * vocab);
        let lhs = MatRef::dense(h, rows, hidden);
        matmul(MatMut::dense(&mut probs, rows, vocab), false, lhs, w.t());
        // Rows are independent: one pass per row on whichever thread is free.
        let nll = probs
            .par_chunks_exact_mut(vocab.max(1))
            .zip(&self.targets)
            .enumerate()
            .with_min_len(ROWS_PER_TASK)
            .map(|(m, (row, &target))| {
                softmax_nll(row, &b[self.bias_at(m, vocab)..][..vocab], target as usize)
            })
            .collect();
        (probs, nll)
    }

    /// The gradients `(dh [M,H], db)` from the forward's softmax `probs`
    /// (consumed) and the gradient `g` [M] of the per-row NLL, with `dW`
    /// ([V,H], every element) written to `dw`; `w` is the [V,H] weight and
    /// `bias_len` the bias's length ([V], or [G,V] with bias rows).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn gradients(
        &self,
        mut dlogits: Scratch,
        h: &[f32],
        w: MatRef<'_>,
        g: &[f32],
        bias_len: usize,
        dims: (usize, usize, usize),
        dw: MatMut<'_>,
    ) -> (Scratch, Vec<f32>) {
        let (rows, hidden, vocab) = dims;
        // d nll / d logits = softmax − one-hot(target), scaled per row.
        dlogits
            .par_chunks_exact_mut(vocab.max(1))
            .zip(&self.targets)
            .zip(g)
            .with_min_len(ROWS_PER_TASK)
            .for_each(|((row, &target), &gm)| {
                row[target as usize] -= 1.0;
                for x in row.iter_mut() {
                    *x *= gm;
                }
            });
        let db = self.bias_gradient(&dlogits, bias_len, vocab);
        // Both products write every element.
        let mut dh = Scratch::to_overwrite(rows * hidden);
        let dl = MatRef::dense(&dlogits, rows, vocab);
        matmul(MatMut::dense(&mut dh, rows, hidden), false, dl, w);
        let dl_t = MatRef::transposed(&dlogits, vocab, rows);
        matmul(dw, false, dl_t, MatRef::dense(h, rows, hidden));
        (dh, db)
    }
}

/// Turns one row of logits (without bias) into its softmax in place and
/// returns `−log softmax[target]`. Written as separate passes with lane-wise
/// reductions so that each pass vectorises.
fn softmax_nll(row: &mut [f32], bias: &[f32], target: usize) -> f32 {
    for (x, b) in row.iter_mut().zip(bias) {
        *x += b;
    }
    let target_logit = row[target];
    let max = lanes(row, f32::NEG_INFINITY, f32::max);
    for x in row.iter_mut() {
        *x = fast_exp(*x - max);
    }
    let sum = lanes(row, 0.0, |a, b| a + b);
    let inv = 1.0 / sum;
    for x in row.iter_mut() {
        *x *= inv;
    }
    max + sum.ln() - target_logit
}

/// Folds `data` with `f` in 16 independent lanes, then folds the lanes.
fn lanes(data: &[f32], init: f32, f: impl Fn(f32, f32) -> f32) -> f32 {
    let mut acc = [init; 16];
    let chunks = data.chunks_exact(16);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (a, &x) in acc.iter_mut().zip(chunk) {
            *a = f(*a, x);
        }
    }
    tail.iter().chain(&acc).fold(init, |a, &x| f(a, x))
}

impl CustomOp3 for OutputNll {
    fn name(&self) -> &'static str {
        "output-cross-entropy"
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
        let dims = self.dims(l1, l2, l3)?;
        let h = storage_f32(s1, l1, "output hidden rows")?;
        let w = storage_f32(s2, l2, "output weight")?;
        let b = storage_f32(s3, l3, "output bias")?;
        let w = MatRef::dense(w, dims.2, dims.1);
        let (probs, nll) = self.forward_rows(h, w, b, dims);
        if self.keep_probs
            && let Ok(mut slot) = self.probs.lock()
        {
            *slot = Some(probs);
        }
        Ok((CpuStorage::F32(nll), Shape::from(dims.0)))
    }

    fn bwd(
        &self,
        h: &Tensor,
        w: &Tensor,
        b: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let dims = self.dims(h.layout(), w.layout(), b.layout())?;
        let (rows, hidden, vocab) = dims;
        let cached = self.probs.lock().ok().and_then(|mut slot| slot.take());
        // The product writes every element.
        let mut dw = Scratch::to_overwrite(vocab * hidden);
        let (dh, db) = with_f32(h, "output hidden rows", |h| {
            with_f32(w, "output weight", |w| {
                let w = MatRef::dense(w, vocab, hidden);
                let dlogits = match cached {
                    Some(probs) => probs,
                    None => with_f32(b, "output bias", |b| Ok(self.forward_rows(h, w, b, dims).0))?,
                };
                with_f32(grad_res, "output cross-entropy gradient", |g| {
                    let dw = MatMut::dense(&mut dw, vocab, hidden);
                    Ok(self.gradients(dlogits, h, w, g, b.elem_count(), dims, dw))
                })
            })
        })?;
        let dev = h.device();
        Ok((
            Some(Tensor::from_vec(dh.into_vec(), (rows, hidden), dev)?),
            Some(Tensor::from_vec(dw.into_vec(), (vocab, hidden), dev)?),
            Some(Tensor::from_vec(db, b.shape(), dev)?),
        ))
    }
}
