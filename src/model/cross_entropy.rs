//! The output layer fused with cross-entropy: one candle op from hidden rows
//! to per-row negative log-likelihood, with a hand-written backward.
//!
//! Done with plain ops, `log_softmax` under autograd keeps several [M,V]
//! tensors alive and walks them again in the backward; here the only large
//! buffer is the softmax, kept from the forward for the backward
//! (PERFORMANCE-FACTS.md measured about 1.9× on training at the L size).

use std::ops::Range;
use std::sync::Mutex;

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor, bail};
use rayon::prelude::*;

use super::raw::{
    MatMut, MatRef, Product, Scratch, fast_exp, product, storage_f32, with_f32, worth_threads,
};

/// Fewest rows per block: enough to outweigh handing out the task.
const ROWS_PER_TASK: usize = 16;

/// Blocks per thread. One block each left a core idle whenever a neighbour
/// on this shared machine slowed the other (12% of a default training
/// step's samples were idle); with several, the faster core takes more.
const BLOCKS_PER_THREAD: usize = 4;

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

    /// Row `m`'s bias row: 0 without bias rows.
    fn bias_group(&self, m: usize) -> usize {
        self.bias_rows.as_ref().map_or(0, |rows| rows[m] as usize)
    }

    /// Where row `m`'s bias starts in the bias buffer.
    fn bias_at(&self, m: usize, vocab: usize) -> usize {
        self.bias_group(m) * vocab
    }

    /// Columns `cols` of the bias gradient, [G, cols.len()] (G = 1
    /// without bias rows): each row of `dlogits` ([M,V]) added to its bias
    /// row, in row order.
    fn bias_gradient_cols(
        &self,
        dlogits: &[f32],
        cols: Range<usize>,
        groups: usize,
        vocab: usize,
    ) -> Vec<f32> {
        let width = cols.len();
        let mut db = vec![0.0; groups * width];
        for (m, row) in dlogits.chunks_exact(vocab.max(1)).enumerate() {
            let at = self.bias_group(m) * width;
            for (acc, x) in db[at..][..width].iter_mut().zip(&row[cols.clone()]) {
                *acc += x;
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
    /// Blocks of rows go to the threads: each its product, then its softmax.
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
        let (per, product) = row_blocks(rows, hidden, vocab);
        let nll = probs
            .par_chunks_mut((per * vocab).max(1))
            .zip(h.par_chunks((per * hidden).max(1)))
            .zip(self.targets.par_chunks(per.max(1)))
            .enumerate()
            .flat_map_iter(|(k, ((probs, h), targets))| {
                let n = targets.len();
                product(
                    MatMut::dense(probs, n, vocab),
                    false,
                    MatRef::dense(h, n, hidden),
                    w.t(),
                );
                probs
                    .chunks_exact_mut(vocab.max(1))
                    .zip(targets)
                    .enumerate()
                    .map(|(i, (row, &target))| {
                        let bias = &b[self.bias_at(k * per + i, vocab)..][..vocab];
                        softmax_nll(row, bias, target as usize)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        (probs, nll)
    }

    /// The gradients `(dh [M,H], db)` from the forward's softmax `probs`
    /// (consumed) and the gradient `g` [M] of the per-row NLL, with `dW`
    /// ([V,H], every element) written to `dw`; `w` is the [V,H] weight and
    /// `bias_len` the bias's length ([V], or [G,V] with bias rows).
    ///
    /// Two parallel passes: blocks of rows turn the softmax into `dlogits`
    /// and take their rows of `dh`; then blocks of the vocabulary take their
    /// rows of `dW` and columns of `db`, each a sum over all rows in row
    /// order. No thread's share has to be added to another's afterwards, and
    /// the result does not depend on the number of threads.
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
        // Written whole by the blocks' products.
        let mut dh = Scratch::to_overwrite(rows * hidden);
        let (per, product) = row_blocks(rows, hidden, vocab);
        dlogits
            .par_chunks_mut((per * vocab).max(1))
            .zip(dh.par_chunks_mut((per * hidden).max(1)))
            .zip(self.targets.par_chunks(per.max(1)))
            .zip(g.par_chunks(per.max(1)))
            .for_each(|(((dl, dh), targets), g)| {
                let n = targets.len();
                // d nll / d logits = softmax − one-hot(target), scaled per row.
                for ((row, &target), &gm) in dl.chunks_exact_mut(vocab).zip(targets).zip(g) {
                    row[target as usize] -= 1.0;
                    for x in row.iter_mut() {
                        *x *= gm;
                    }
                }
                product(
                    MatMut::dense(dh, n, hidden),
                    false,
                    MatRef::dense(dl, n, vocab),
                    w,
                );
            });

        let groups = bias_len / vocab.max(1);
        let (cols_per, product) = row_blocks(vocab, hidden, rows);
        let dl: &[f32] = &dlogits;
        let db_blocks: Vec<(Range<usize>, Vec<f32>)> = dw
            .row_blocks(cols_per)
            .into_par_iter()
            .enumerate()
            .map(|(k, dw)| {
                let cols = k * cols_per..(k * cols_per + cols_per).min(vocab);
                // dW[cols] = dlogits[:, cols]ᵀ · h.
                product(
                    dw,
                    false,
                    MatRef::strided(&dl[cols.start..], cols.len(), rows, 1, vocab),
                    MatRef::dense(h, rows, hidden),
                );
                let db = self.bias_gradient_cols(dl, cols.clone(), groups, vocab);
                (cols, db)
            })
            .collect();
        drop(dlogits);
        let mut db = vec![0.0; bias_len];
        for (cols, block) in db_blocks {
            for (group, part) in block.chunks_exact(cols.len()).enumerate() {
                db[group * vocab + cols.start..][..cols.len()].copy_from_slice(part);
            }
        }
        (dh, db)
    }
}

/// Rows per block for `rows` × `hidden` × `vocab` products: a few blocks
/// per thread when the product is worth splitting, each block's product on
/// the thread that takes it; else one block whose products may use the
/// pool.
fn row_blocks(rows: usize, hidden: usize, vocab: usize) -> (usize, Product) {
    let threads = rayon::current_num_threads().max(1);
    let per = rows
        .div_ceil(threads * BLOCKS_PER_THREAD)
        .max(ROWS_PER_TASK);
    if per < rows && worth_threads(rows * hidden * vocab) {
        (per, product(false))
    } else {
        (rows.max(1), product(true))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in about [-0.5, 0.5).
    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n)
            .map(|i| ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 8) as f32)
            .map(|v| v / (1u32 << 24) as f32 - 0.5)
            .collect()
    }

    /// Row blocks on two threads give the one-block result: the NLL, the
    /// softmax, and every gradient, with a bias row per sequence.
    #[test]
    fn row_blocks_on_threads_give_the_one_thread_result() {
        let (rows, hidden, vocab, groups) = (70, 64, 300, 3);
        let h = values(rows * hidden, 1);
        let w = values(vocab * hidden, 2);
        let b = values(groups * vocab, 3);
        let g = values(rows, 4);
        let targets: Vec<u32> = (0..rows as u32).map(|i| i * 37 % vocab as u32).collect();
        let owners: Vec<u32> = (0..rows as u32)
            .map(|i| i * groups as u32 / rows as u32)
            .collect();
        let dims = (rows, hidden, vocab);
        let run = || {
            let op = OutputNll::new(targets.clone(), true).with_bias_rows(owners.clone());
            let w = MatRef::dense(&w, vocab, hidden);
            let (probs, nll) = op.forward_rows(&h, w, &b, dims);
            let probs_copy = probs.to_vec();
            let mut dw = vec![f32::NAN; vocab * hidden];
            let (dh, db) = op.gradients(
                probs,
                &h,
                w,
                &g,
                b.len(),
                dims,
                MatMut::dense(&mut dw, vocab, hidden),
            );
            (nll, probs_copy, dh.to_vec(), dw, db)
        };
        let pool = |n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
        };
        let one = pool(1).install(run);
        let two = pool(2).install(run);
        let close = |a: &[f32], b: &[f32]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5)
        };
        assert!(close(&one.0, &two.0), "nll differs");
        assert!(close(&one.1, &two.1), "softmax differs");
        assert!(close(&one.2, &two.2), "dh differs");
        assert!(close(&one.3, &two.3), "dW differs");
        assert!(close(&one.4, &two.4), "db differs");
        assert!(one.3.iter().all(|x| x.is_finite()), "dW not written whole");
        assert!(one.4.iter().any(|x| x.abs() > 1e-3), "a trivial test");
        assert!(one.0.iter().all(|&x| x > 0.0), "a trivial test");
    }
}
