//! Embedding → GRU → Linear: the language model that writes product copy.

use std::sync::Arc;

use candle_core::{DType, Result, Tensor, bail};
use candle_nn::VarBuilder;

use super::config::ModelConfig;
use super::cross_entropy::OutputNll;
use super::decode::{FrozenLm, GenState};
use super::gru::Gru;

mod grads;

/// The network, holding its parameters as tensors (variables when built
/// from a `VarMap`).
#[derive(Clone, Debug)]
pub struct LanguageModel {
    cfg: ModelConfig,
    /// `embed.weight`, [V, E].
    embed: Tensor,
    gru: Gru,
    /// `out.weight`, [V, H].
    out_w: Tensor,
    /// `out.bias`, [V].
    out_b: Tensor,
}

/// Masked positions of a batch, flattened to `b·T + t`, with their targets.
struct Selected {
    positions: Vec<u32>,
    targets: Vec<u32>,
    seq: usize,
    /// Per row, the last prompt position: the first masked one (or the last
    /// position when nothing is masked). The history context ends there.
    prompt_ends: Vec<usize>,
}

/// Per row `[B, T]`, the weights that average a row's history context: the
/// positions after its first `open` token up to and including `ends[b]`.
/// A row without `open`, or with nothing after it, gets all zeros.
pub(crate) fn context_weights(ids: &[u32], seq: usize, open: u32, ends: &[usize]) -> Vec<f32> {
    let mut weights = vec![0f32; ids.len()];
    for ((row, w), &end) in ids.chunks(seq).zip(weights.chunks_mut(seq)).zip(ends) {
        let Some(start) = row.iter().position(|&t| t == open).map(|p| p + 1) else {
            continue;
        };
        let end = end.min(seq.saturating_sub(1));
        if start > end {
            continue;
        }
        let share = 1.0 / (end + 1 - start) as f32;
        w[start..=end].fill(share);
    }
    weights
}

impl LanguageModel {
    /// Fetches `embed.weight`, `gru.*` and `out.*` from `vb`.
    pub fn new(cfg: &ModelConfig, vb: VarBuilder) -> Result<Self> {
        cfg.validate()?;
        let (v, e, h) = (cfg.vocab_size, cfg.embed_dim, cfg.hidden_dim);
        Ok(Self {
            cfg: cfg.clone(),
            embed: vb.pp("embed").get((v, e), "weight")?,
            gru: Gru::new(cfg.input_dim(), h, cfg.layers, vb.pp("gru"))?,
            out_w: vb.pp("out").get((v, cfg.output_input_dim()), "weight")?,
            out_b: vb.pp("out").get(v, "bias")?,
        })
    }

    /// The sizes this model was built with.
    pub fn config(&self) -> &ModelConfig {
        &self.cfg
    }

    /// The GRU stack.
    pub fn gru(&self) -> &Gru {
        &self.gru
    }

    /// Top-layer GRU states `[B, T, H]` for token ids `[B, T]` (u32). With a
    /// history context, each row's context is its tokens after the history
    /// opener up to the row's end.
    pub fn hidden(&self, tokens: &Tensor) -> Result<Tensor> {
        Ok(self.hidden_with(tokens, true, None)?.0)
    }

    /// The top GRU states `[B, T, H]` and, with a history context, each row's
    /// context `[B, E]`, which ends at `prompt_ends[b]` (the row's last
    /// position when `None`).
    fn hidden_with(
        &self,
        tokens: &Tensor,
        track: bool,
        prompt_ends: Option<&[usize]>,
    ) -> Result<(Tensor, Option<Tensor>)> {
        let (batch, seq) = tokens.dims2()?;
        if tokens.dtype() != DType::U32 {
            bail!("token ids must be u32, got {:?}", tokens.dtype());
        }
        let flat = tokens.flatten_all()?;
        let ids = flat.to_vec1::<u32>()?;
        self.check_ids(&ids, "token")?;
        let embed = if track {
            self.embed.clone()
        } else {
            self.embed.detach()
        };
        let e = self.cfg.embed_dim;
        let x = embed.index_select(&flat, 0)?.reshape((batch, seq, e))?;
        let context = match self.cfg.context_token {
            None => None,
            Some(open) => {
                let all_ends = vec![seq.saturating_sub(1); batch];
                let ends = prompt_ends.unwrap_or(&all_ends);
                let weights = context_weights(&ids, seq, open, ends);
                let weights = Tensor::from_vec(weights, (batch, 1, seq), tokens.device())?;
                Some(weights.matmul(&x)?)
            }
        };
        let context = context.map(|c| c.squeeze(1)).transpose()?;
        let hidden = match &context {
            Some(c) => self.gru.forward_conditioned(&x, c, track)?,
            None if track => self.gru.forward(&x)?,
            None => self.gru.forward_untracked(&x)?,
        };
        Ok((hidden, context))
    }

    fn check_ids(&self, ids: &[u32], what: &str) -> Result<()> {
        match ids.iter().find(|&&id| id as usize >= self.cfg.vocab_size) {
            Some(bad) => bail!(
                "{what} id {bad} is outside the vocabulary of {}",
                self.cfg.vocab_size
            ),
            None => Ok(()),
        }
    }

    fn select(&self, tokens: &Tensor, targets: &Tensor, mask: &Tensor) -> Result<Selected> {
        let (batch, seq) = tokens.dims2()?;
        if targets.dims() != [batch, seq] || mask.dims() != [batch, seq] {
            bail!(
                "tokens {:?}, targets {:?} and mask {:?} must have the same [B, T] shape",
                tokens.shape(),
                targets.shape(),
                mask.shape()
            );
        }
        let all_targets = targets
            .to_dtype(DType::U32)?
            .flatten_all()?
            .to_vec1::<u32>()?;
        let mask = mask.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
        let mut selected = Selected {
            positions: Vec::new(),
            targets: Vec::new(),
            seq,
            prompt_ends: vec![seq.saturating_sub(1); batch],
        };
        for (i, (&m, &target)) in mask.iter().zip(&all_targets).enumerate() {
            if m == 1.0 {
                let end = &mut selected.prompt_ends[i / seq];
                *end = (*end).min(i % seq);
                selected.positions.push(i as u32);
                selected.targets.push(target);
            } else if m != 0.0 {
                bail!(
                    "mask value {m} at [{}, {}] is neither 0 nor 1",
                    i / seq,
                    i % seq
                );
            }
        }
        self.check_ids(&selected.targets, "target")?;
        Ok(selected)
    }

    /// Per-position negative log-likelihood `[M]` at the selected positions.
    /// The output layer runs on those rows only: most positions are prompt
    /// tokens, and the output layer is most of the work.
    fn selected_nll(&self, tokens: &Tensor, sel: Selected, track: bool) -> Result<Tensor> {
        let (hidden, context) = self.hidden_with(tokens, track, Some(&sel.prompt_ends))?;
        let rows = sel.positions.len();
        let owners: Vec<u32> = sel.positions.iter().map(|&p| p / sel.seq as u32).collect();
        let index = Tensor::from_vec(sel.positions, rows, hidden.device())?;
        let picked = hidden
            .reshape(((), self.cfg.hidden_dim))?
            .index_select(&index, 0)?;
        let (out_w, out_b) = if track {
            (self.out_w.clone(), self.out_b.clone())
        } else {
            (self.out_w.detach(), self.out_b.detach())
        };
        let h = self.cfg.hidden_dim;
        if !picked.device().is_cpu() {
            // No fused kernel off the CPU: plain ops.
            let picked = match &context {
                Some(c) => {
                    let owners = Tensor::from_vec(owners, rows, picked.device())?;
                    Tensor::cat(&[&picked, &c.index_select(&owners, 0)?], 1)?
                }
                None => picked,
            };
            let logits = picked.matmul(&out_w.t()?)?.broadcast_add(&out_b)?;
            let log_probs = candle_nn::ops::log_softmax(&logits, 1)?;
            let targets = Tensor::from_vec(sel.targets, (rows, 1), picked.device())?;
            return log_probs.gather(&targets, 1)?.squeeze(1)?.neg();
        }
        // The output layer reads the state and, beside it, the row's
        // context; the context's share is one bias row per sequence.
        let (out_w, out_b, op) = match &context {
            Some(c) => {
                let c_dim = self.cfg.context_dim();
                let per_row = c
                    .matmul(&out_w.narrow(1, h, c_dim)?.t()?)?
                    .broadcast_add(&out_b)?;
                let op = OutputNll::new(sel.targets, track).with_bias_rows(owners);
                (out_w.narrow(1, 0, h)?, per_row, op)
            }
            None => (out_w, out_b, OutputNll::new(sel.targets, track)),
        };
        let (out_w, out_b) = (out_w.contiguous()?, out_b.contiguous()?);
        if track {
            picked.apply_op3(&out_w, &out_b, op)
        } else {
            picked.apply_op3_no_bwd(&out_w, &out_b, &op)
        }
    }

    /// Mean cross-entropy (nats) over the positions where `mask` ([B, T] f32)
    /// is 1, predicting `targets[b, t]` (u32) from `tokens[b, ..=t]`. Errors
    /// when the mask selects nothing.
    pub fn loss(&self, tokens: &Tensor, targets: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let sel = self.select(tokens, targets, mask)?;
        if sel.positions.is_empty() {
            bail!("the loss mask selects no positions");
        }
        self.selected_nll(tokens, sel, true)?.mean_all()
    }

    /// `log p(target)` at each masked position, one vector per batch row in
    /// position order (empty for rows with nothing masked). No graph.
    pub fn target_logprobs(
        &self,
        tokens: &Tensor,
        targets: &Tensor,
        mask: &Tensor,
    ) -> Result<Vec<Vec<f32>>> {
        let sel = self.select(tokens, targets, mask)?;
        let batch = tokens.dim(0)?;
        let mut out = vec![Vec::new(); batch];
        if sel.positions.is_empty() {
            return Ok(out);
        }
        let seq = sel.seq;
        let rows: Vec<usize> = sel.positions.iter().map(|&p| p as usize / seq).collect();
        let nll = if self.raw_path(tokens) {
            self.raw_nll(tokens, sel)?
        } else {
            self.selected_nll(tokens, sel, false)?.to_vec1::<f32>()?
        };
        for (row, value) in rows.into_iter().zip(nll) {
            out[row].push(-value);
        }
        Ok(out)
    }

    /// The whole next-token distribution, as log-probabilities `[M, V]`, at
    /// each of the `M` positions where `mask` is 1 (row-major order). No
    /// graph. Comparing two versions' distributions (the promotion gate's
    /// drift) needs every token, not only the target's.
    pub fn masked_log_softmax(
        &self,
        tokens: &Tensor,
        targets: &Tensor,
        mask: &Tensor,
    ) -> Result<Tensor> {
        let sel = self.select(tokens, targets, mask)?;
        let rows = sel.positions.len();
        let (hidden, context) = self.hidden_with(tokens, false, Some(&sel.prompt_ends))?;
        let owners: Vec<u32> = sel.positions.iter().map(|&p| p / sel.seq as u32).collect();
        let index = Tensor::from_vec(sel.positions, rows, hidden.device())?;
        let picked = hidden
            .reshape(((), self.cfg.hidden_dim))?
            .index_select(&index, 0)?;
        let picked = match &context {
            Some(c) => {
                let owners = Tensor::from_vec(owners, rows, picked.device())?;
                Tensor::cat(&[&picked, &c.index_select(&owners, 0)?], 1)?
            }
            None => picked,
        };
        let logits = picked
            .matmul(&self.out_w.detach().t()?)?
            .broadcast_add(&self.out_b.detach())?;
        candle_nn::ops::log_softmax(&logits, 1)
    }

    /// `log p(target sequence)` of each batch row `[B]`: the sum of the
    /// masked positions' log-probabilities, with the graph kept so that a
    /// sequence-level loss (KTO, DPO) can be backpropagated. Rows with
    /// nothing masked get 0.
    pub fn sequence_logprobs(
        &self,
        tokens: &Tensor,
        targets: &Tensor,
        mask: &Tensor,
    ) -> Result<Tensor> {
        let sel = self.select(tokens, targets, mask)?;
        let batch = tokens.dim(0)?;
        let rows = sel.positions.len();
        if rows == 0 {
            return Tensor::zeros(batch, DType::F32, tokens.device());
        }
        // A [B, M] indicator that sums each row's positions in one product.
        let mut owner = vec![0f32; batch * rows];
        for (m, &p) in sel.positions.iter().enumerate() {
            owner[(p as usize / sel.seq) * rows + m] = 1.0;
        }
        let owner = Tensor::from_vec(owner, (batch, rows), tokens.device())?;
        let nll = self.selected_nll(tokens, sel, true)?;
        owner.matmul(&nll.unsqueeze(1)?)?.squeeze(1)?.neg()
    }

    /// A detached snapshot of the weights for generation. Take one and call
    /// [`FrozenLm::prefill`] for many prompts; [`LanguageModel::prefill`]
    /// takes a new one each call.
    pub fn freeze(&self) -> Result<Arc<FrozenLm>> {
        let flat = |t: &Tensor| t.detach().flatten_all()?.to_vec1::<f32>();
        Ok(Arc::new(FrozenLm::new(
            self.cfg.clone(),
            flat(&self.embed)?,
            self.gru.freeze()?,
            &flat(&self.out_w)?,
            flat(&self.out_b)?,
        )))
    }

    /// Runs `prompt` once and returns its state repeated for `n` candidates;
    /// [`GenState::logits`] then holds the next-token logits after the prompt.
    /// The state keeps the weights as they are now.
    pub fn prefill(&self, prompt: &[u32], n: usize) -> Result<GenState> {
        self.freeze()?.prefill(prompt, n)
    }

    /// Feeds one token per candidate and returns the next logits `[n, V]`
    /// row-major. Uses the weights `state` was prefilled with; no graph.
    pub fn step(&self, state: &mut GenState, tokens: &[u32]) -> Result<Vec<f32>> {
        state.step(tokens)?;
        Ok(state.logits().to_vec())
    }
}
