//! The pre-training step's loss and every parameter's gradient, without
//! candle's graph.
//!
//! `loss().backward()` walks a graph of a dozen nodes around the two fused
//! ops. For each node candle allocates a zeroed gradient and adds into it
//! (the GRU states, its input, the selected rows, the split weights), and
//! its parallel element-wise ops wait on each other: about 14 ms of an
//! 87 ms default step. Here the chain rule between the fused kernels is
//! written out once: the embedding lookup, the history context, the row
//! selection and the split weights, each a loop or one product.
//!
//! The same raw forward scores targets without a graph
//! ([`LanguageModel::target_logprobs`]: validation, evaluation), with the
//! weights borrowed from their tensors instead of copied.
//!
//! Tests check the loss and every gradient against `loss().backward()`.

use candle_core::backprop::GradStore;
use candle_core::{DType, Device, Result, Tensor, bail};

use super::{LanguageModel, Selected, context_weights};
use crate::model::cross_entropy::OutputNll;
use crate::model::gru_op::{self, Dims};
use crate::model::raw::reduce::column_sums;
use crate::model::raw::{F32Ref, MatMut, MatRef, Scratch, matmul};

/// One GRU layer's forward, kept for its backward.
struct LayerRun<'a> {
    dims: Dims,
    /// `W_ih`, [3H, in] (the context's columns included).
    w_ih: F32Ref<'a>,
    /// `[W_ih | W_hh]` without the context's columns, [3H, I+H].
    w: Scratch,
    gates: Scratch,
}

/// A batch's forward on raw buffers, the weights borrowed from their
/// tensors: what the backward needs, and each selected position's NLL.
struct Forward<'a> {
    sel: Selected,
    ids: Vec<u32>,
    /// The batch's distinct tokens, in order of first use: the rows of
    /// `states[0]`.
    distinct: Vec<u32>,
    /// Per position, its token's row in `distinct`.
    index: Vec<u32>,
    batch: usize,
    embed: F32Ref<'a>,
    out_w: F32Ref<'a>,
    /// Per position, its share of its row's history context; per row, the
    /// context [B, E].
    context: Option<(Vec<f32>, Vec<f32>)>,
    /// `states[k]` is layer k's input, `states[k + 1]` its output; the
    /// first layer's input is the embedding of each distinct token, [U, E],
    /// and `index` places them.
    states: Vec<Scratch>,
    runs: Vec<LayerRun<'a>>,
    /// The top states at the selected positions, [M, H].
    picked: Scratch,
    op: OutputNll,
    /// The output bias: [V], or one row per sequence [B, V] with a context.
    bias: Vec<f32>,
    probs: Scratch,
    nll: Vec<f32>,
}

impl LanguageModel {
    /// Whether the raw CPU path applies: `f32` weights on the CPU.
    pub(super) fn raw_path(&self, tokens: &Tensor) -> bool {
        tokens.device().is_cpu() && self.embed.dtype() == DType::F32
    }

    /// The NLL at each selected position by the raw forward, for scoring
    /// without a graph. The caller checks [`LanguageModel::raw_path`].
    pub(super) fn raw_nll(&self, tokens: &Tensor, sel: Selected) -> Result<Vec<f32>> {
        Ok(self.raw_forward(tokens, sel)?.nll)
    }

    /// The embedding, history context, GRU stack and output layer on raw
    /// buffers, for the selected positions.
    fn raw_forward(&self, tokens: &Tensor, mut sel: Selected) -> Result<Forward<'_>> {
        let (batch, seq) = tokens.dims2()?;
        if tokens.dtype() != DType::U32 {
            bail!("token ids must be u32, got {:?}", tokens.dtype());
        }
        let ids = tokens.flatten_all()?.to_vec1::<u32>()?;
        self.check_ids(&ids, "token")?;
        let cfg = &self.cfg;
        let (e, h, vocab) = (cfg.embed_dim, cfg.hidden_dim, cfg.vocab_size);
        let c_dim = cfg.context_dim();
        let g3 = 3 * h;

        // The embedding rows of the distinct tokens, then the history context.
        let embed = F32Ref::new(&self.embed, "embedding")?;
        let (distinct, index) = distinct_tokens(&ids, vocab);
        let mut x = Scratch::to_overwrite(distinct.len() * e);
        for (row, &id) in x.chunks_exact_mut(e).zip(&distinct) {
            row.copy_from_slice(&embed[id as usize * e..][..e]);
        }
        let context = match cfg.context_token {
            Some(open) => {
                let weights = context_weights(&ids, seq, open, &sel.prompt_ends);
                let mut c = vec![0f32; batch * e];
                for (at, (&share, &id)) in weights.iter().zip(&ids).enumerate() {
                    if share != 0.0 {
                        axpy(
                            share,
                            &embed[id as usize * e..][..e],
                            &mut c[at / seq * e..][..e],
                        );
                    }
                }
                Some((weights, c))
            }
            None => None,
        };

        // The GRU stack.
        let mut states = vec![x];
        let mut runs = Vec::new();
        for (k, [w_ih, w_hh, b_ih, b_hh]) in self.gru.layer_params().into_iter().enumerate() {
            let w_ih = F32Ref::new(w_ih, "gru input weight")?;
            let w_hh = F32Ref::new(w_hh, "gru hidden weight")?;
            let b_ih = F32Ref::new(b_ih, "gru input bias")?;
            let b_hh = F32Ref::new(b_hh, "gru hidden bias")?;
            let in_total = w_ih.len() / g3;
            let conditioned = k == 0 && context.is_some();
            let width = if conditioned {
                in_total - c_dim
            } else {
                in_total
            };
            // Every row is copied over.
            let mut w = Scratch::to_overwrite(g3 * (width + h));
            for ((row, ih), hh) in w
                .chunks_exact_mut(width + h)
                .zip(w_ih.chunks_exact(in_total))
                .zip(w_hh.chunks_exact(h))
            {
                row[..width].copy_from_slice(&ih[..width]);
                row[width..].copy_from_slice(hh);
            }
            // The context's share of the input projection rides on a
            // per-row input bias: [c·W_ihᵀ + b_ih per row; b_hh].
            let biases = match (&context, conditioned) {
                (Some((_, c)), true) => {
                    let mut biases = vec![0f32; (batch + 1) * g3];
                    let (rows, last) = biases.split_at_mut(batch * g3);
                    matmul(
                        MatMut::dense(rows, batch, g3),
                        false,
                        MatRef::dense(c, batch, c_dim),
                        MatRef::strided(&w_ih[width..], c_dim, g3, 1, in_total),
                    );
                    for row in rows.chunks_exact_mut(g3) {
                        axpy(1.0, &b_ih, row);
                    }
                    last.copy_from_slice(&b_hh);
                    biases
                }
                _ => [&b_ih[..], &b_hh[..]].concat(),
            };
            let dims = Dims::new(batch, seq, width, h, conditioned);
            let input = layer_input(&states, &index, k);
            let (hs, gates) = gru_op::run_forward(dims, input, &w, &biases);
            states.push(hs);
            runs.push(LayerRun {
                dims,
                w_ih,
                w,
                gates,
            });
        }

        // The output layer on the selected rows.
        let top = states.last().expect("at least one layer");
        let rows = sel.positions.len();
        let mut picked = Scratch::to_overwrite(rows * h);
        for (row, &p) in picked.chunks_exact_mut(h).zip(&sel.positions) {
            row.copy_from_slice(&top[p as usize * h..][..h]);
        }
        let out_w = F32Ref::new(&self.out_w, "output weight")?;
        let out_b = F32Ref::new(&self.out_b, "output bias")?;
        let wide = h + c_dim;
        // The targets go to the output op; the backward needs only positions.
        let targets = std::mem::take(&mut sel.targets);
        let (op, bias) = match &context {
            Some((_, c)) => {
                let owners = sel.positions.iter().map(|&p| p / seq as u32).collect();
                let mut bias = vec![0f32; batch * vocab];
                matmul(
                    MatMut::dense(&mut bias, batch, vocab),
                    false,
                    MatRef::dense(c, batch, c_dim),
                    MatRef::strided(&out_w[h..], c_dim, vocab, 1, wide),
                );
                for row in bias.chunks_exact_mut(vocab) {
                    axpy(1.0, &out_b, row);
                }
                (OutputNll::new(targets, true).with_bias_rows(owners), bias)
            }
            None => (OutputNll::new(targets, true), out_b.to_vec()),
        };
        // The output weight's state columns, in place.
        let w_state = MatRef::rows(&out_w, vocab, h, wide);
        let (probs, nll) = op.forward_rows(&picked, w_state, &bias, (rows, h, vocab));
        Ok(Forward {
            sel,
            ids,
            distinct,
            index,
            batch,
            embed,
            out_w,
            context,
            states,
            runs,
            picked,
            op,
            bias,
            probs,
            nll,
        })
    }

    /// The mean loss of [`LanguageModel::loss`] and the gradients its
    /// `backward()` would give, for a training step. Off the CPU, or for
    /// weights that are not `f32`, it is exactly `loss().backward()`.
    pub fn loss_and_grads(
        &self,
        tokens: &Tensor,
        targets: &Tensor,
        mask: &Tensor,
    ) -> Result<(f32, GradStore)> {
        if !self.raw_path(tokens) {
            let loss = self.loss(tokens, targets, mask)?;
            return Ok((loss.to_scalar::<f32>()?, loss.backward()?));
        }
        let sel = self.select(tokens, targets, mask)?;
        if sel.positions.is_empty() {
            bail!("the loss mask selects no positions");
        }
        let seq = sel.seq;
        let fwd = self.raw_forward(tokens, sel)?;
        // The embedding is not read again; the optimizer will write it.
        drop(fwd.embed);
        let cfg = &self.cfg;
        let (e, h, vocab) = (cfg.embed_dim, cfg.hidden_dim, cfg.vocab_size);
        let c_dim = cfg.context_dim();
        let (g3, wide) = (3 * h, h + c_dim);
        let rows = fwd.sel.positions.len();
        let loss = fwd.nll.iter().sum::<f32>() / rows as f32;

        // Backward: the output layer, from d loss / d nll = 1/M per row.
        let per_row = vec![1.0 / rows as f32; rows];
        // The context's columns are written below; the state's here.
        let mut d_out_w = vec![0f32; vocab * wide];
        let w_state = MatRef::rows(&fwd.out_w, vocab, h, wide);
        let (d_picked, d_bias) = fwd.op.gradients(
            fwd.probs,
            &fwd.picked,
            w_state,
            &per_row,
            fwd.bias.len(),
            (rows, h, vocab),
            MatMut::rows(&mut d_out_w, vocab, h, wide),
        );
        drop(fwd.picked);
        let mut grads = empty_grad_store()?;
        let dev = self.embed.device();
        let mut put = |t: &Tensor, g: Vec<f32>| -> Result<()> {
            grads.insert(t, Tensor::from_vec(g, t.shape(), dev)?);
            Ok(())
        };
        // d loss / d context, from the output bias rows and the first layer.
        let mut d_context = vec![0f32; fwd.batch * c_dim];
        let d_out_b = match &fwd.context {
            Some((_, c)) => {
                matmul(
                    MatMut::rows(&mut d_out_w[h..], vocab, c_dim, wide),
                    false,
                    MatRef::transposed(&d_bias, vocab, fwd.batch),
                    MatRef::dense(c, fwd.batch, c_dim),
                );
                matmul(
                    MatMut::dense(&mut d_context, fwd.batch, c_dim),
                    true,
                    MatRef::dense(&d_bias, fwd.batch, vocab),
                    MatRef::rows(&fwd.out_w[h..], vocab, c_dim, wide),
                );
                column_sums(&d_bias, vocab)
            }
            None => d_bias,
        };
        drop(fwd.out_w);
        put(&self.out_w, d_out_w)?;
        put(&self.out_b, d_out_b)?;

        // The GRU stack, top layer first.
        let mut d_out = Scratch::zeroed(fwd.batch * seq * h);
        for (row, &p) in d_picked.chunks_exact(h).zip(&fwd.sel.positions) {
            axpy(1.0, row, &mut d_out[p as usize * h..][..h]);
        }
        drop(d_picked);
        let params = self.gru.layer_params();
        for (k, run) in fwd.runs.into_iter().enumerate().rev() {
            let LayerRun {
                dims,
                w_ih,
                w,
                gates,
            } = run;
            let input = layer_input(&fwd.states, &fwd.index, k);
            let g = gru_op::backward(dims, input, &w, &fwd.states[k + 1], &gates, &d_out);
            drop((gates, w));
            let width = dims.input;
            let in_total = w_ih.len() / g3;
            let mut d_w_ih = vec![0f32; g3 * in_total];
            let mut d_w_hh = vec![0f32; g3 * h];
            for ((row, ih), hh) in
                g.w.chunks_exact(width + h)
                    .zip(d_w_ih.chunks_exact_mut(in_total))
                    .zip(d_w_hh.chunks_exact_mut(h))
            {
                ih[..width].copy_from_slice(&row[..width]);
                hh.copy_from_slice(&row[width..]);
            }
            let (d_b_ih, d_b_hh) = match (&fwd.context, dims.per_row) {
                (Some((_, c)), true) => {
                    let (d_rows, d_b_hh) = g.biases.split_at(fwd.batch * g3);
                    matmul(
                        MatMut::rows(&mut d_w_ih[width..], g3, c_dim, in_total),
                        false,
                        MatRef::transposed(d_rows, g3, fwd.batch),
                        MatRef::dense(c, fwd.batch, c_dim),
                    );
                    matmul(
                        MatMut::dense(&mut d_context, fwd.batch, c_dim),
                        true,
                        MatRef::dense(d_rows, fwd.batch, g3),
                        MatRef::rows(&w_ih[width..], g3, c_dim, in_total),
                    );
                    (column_sums(d_rows, g3), d_b_hh.to_vec())
                }
                _ => (g.biases[..g3].to_vec(), g.biases[g3..].to_vec()),
            };
            drop(w_ih);
            let [w_ih_t, w_hh_t, b_ih_t, b_hh_t] = params[k];
            put(w_ih_t, d_w_ih)?;
            put(w_hh_t, d_w_hh)?;
            put(b_ih_t, d_b_ih)?;
            put(b_hh_t, d_b_hh)?;
            d_out = g.x;
        }
        drop(fwd.states);

        // The embedding: each distinct token's input gradient (its
        // positions' already summed), plus each position's share of the
        // context's, added to its token's row.
        let mut d_embed = vec![0f32; vocab * e];
        for (dx, &id) in d_out.chunks_exact(e).zip(&fwd.distinct) {
            d_embed[id as usize * e..][..e].copy_from_slice(dx);
        }
        if let Some((weights, _)) = &fwd.context {
            for (at, (&share, &id)) in weights.iter().zip(&fwd.ids).enumerate() {
                if share != 0.0 {
                    let d_c = &d_context[at / seq * e..][..e];
                    axpy(share, d_c, &mut d_embed[id as usize * e..][..e]);
                }
            }
        }
        put(&self.embed, d_embed)?;
        Ok((loss, grads))
    }
}

/// The distinct ids in order of first use, and for each id its place
/// among them. Ids are below `vocab` (checked by the caller).
fn distinct_tokens(ids: &[u32], vocab: usize) -> (Vec<u32>, Vec<u32>) {
    let mut place = vec![u32::MAX; vocab];
    let mut distinct = Vec::new();
    let index = ids
        .iter()
        .map(|&id| {
            let slot = &mut place[id as usize];
            if *slot == u32::MAX {
                *slot = distinct.len() as u32;
                distinct.push(id);
            }
            *slot
        })
        .collect();
    (distinct, index)
}

/// Layer `k`'s input: the first layer's is the distinct tokens' embedding
/// rows, placed by `index`; the others' are the states below, per position.
fn layer_input<'a>(states: &'a [Scratch], index: &'a [u32], k: usize) -> gru_op::Input<'a> {
    if k == 0 {
        gru_op::Input::Rows {
            table: &states[0],
            index,
        }
    } else {
        gru_op::Input::Dense(&states[k])
    }
}

/// `y += a·x`.
fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

/// An empty gradient store. candle has no public constructor; the backward
/// of a constant holds only the constant's own entry, which is removed.
fn empty_grad_store() -> Result<GradStore> {
    let seed = Tensor::zeros((), DType::F32, &Device::Cpu)?;
    let mut store = seed.backward()?;
    store.remove(&seed);
    Ok(store)
}
