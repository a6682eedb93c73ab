//! Generation state: a frozen copy of the weights and, per candidate, the GRU
//! states and the current next-token logits.

use std::sync::Arc;

use candle_core::{Result, bail};

use super::config::ModelConfig;
use super::gru::FrozenGru;
use super::raw::{MatMut, MatRef, matmul, transpose};

/// A detached copy of a [`super::LanguageModel`]'s weights in the layout the
/// few-row generation products want (output weight transposed to [H, V]).
#[derive(Clone, Debug)]
pub struct FrozenLm {
    cfg: ModelConfig,
    /// [V, E]
    embed: Vec<f32>,
    gru: FrozenGru,
    /// [H, V]
    out_w_t: Vec<f32>,
    /// [V]
    out_b: Vec<f32>,
}

impl FrozenLm {
    /// `out_w` is the output weight as stored, [V, H].
    pub(crate) fn new(
        cfg: ModelConfig,
        embed: Vec<f32>,
        gru: FrozenGru,
        out_w: &[f32],
        out_b: Vec<f32>,
    ) -> Self {
        let out_w_t = transpose(out_w, cfg.vocab_size, cfg.hidden_dim);
        Self {
            cfg,
            embed,
            gru,
            out_w_t,
            out_b,
        }
    }

    /// The sizes of the model this was taken from.
    pub fn config(&self) -> &ModelConfig {
        &self.cfg
    }

    /// Runs `prompt` (batch 1) and returns its state repeated for `n`
    /// candidates, with the logits after the prompt's last token.
    pub fn prefill(self: &Arc<Self>, prompt: &[u32], n: usize) -> Result<GenState> {
        if prompt.is_empty() {
            bail!("cannot prefill an empty prompt");
        }
        if n == 0 {
            bail!("prefill needs at least one candidate");
        }
        self.check_ids(prompt)?;
        let hidden = self.cfg.hidden_dim;
        let mut states = vec![vec![0.0; hidden]; self.cfg.layers];
        let mut x = vec![0.0; self.cfg.embed_dim];
        for &token in prompt {
            self.embed_into(&[token], &mut x);
            self.gru.step(&x, 1, &mut states);
        }
        let mut logits = vec![0.0; self.cfg.vocab_size];
        self.logits_into(&states[states.len() - 1], 1, &mut logits);
        Ok(GenState {
            model: Arc::clone(self),
            n,
            h: states.iter().map(|s| s.repeat(n)).collect(),
            logits: logits.repeat(n),
        })
    }

    fn check_ids(&self, ids: &[u32]) -> Result<()> {
        match ids.iter().find(|&&id| id as usize >= self.cfg.vocab_size) {
            Some(bad) => bail!(
                "token id {bad} is outside the vocabulary of {}",
                self.cfg.vocab_size
            ),
            None => Ok(()),
        }
    }

    fn embed_into(&self, tokens: &[u32], x: &mut [f32]) {
        let e = self.cfg.embed_dim;
        for (row, &token) in x.chunks_exact_mut(e).zip(tokens) {
            row.copy_from_slice(&self.embed[token as usize * e..][..e]);
        }
    }

    fn logits_into(&self, top: &[f32], rows: usize, logits: &mut [f32]) {
        let (h, v) = (self.cfg.hidden_dim, self.cfg.vocab_size);
        let w = MatRef::dense(&self.out_w_t, h, v);
        matmul(
            MatMut::dense(logits, rows, v),
            false,
            MatRef::dense(top, rows, h),
            w,
        );
        for row in logits.chunks_exact_mut(v) {
            for (x, b) in row.iter_mut().zip(&self.out_b) {
                *x += b;
            }
        }
    }
}

/// The state of `n` candidates being generated from one prompt.
#[derive(Clone, Debug)]
pub struct GenState {
    model: Arc<FrozenLm>,
    n: usize,
    /// Per layer, [n, H].
    h: Vec<Vec<f32>>,
    /// [n, V]: next-token logits at the current position.
    logits: Vec<f32>,
}

impl GenState {
    /// Number of candidates still in the state.
    pub fn n_candidates(&self) -> usize {
        self.n
    }

    /// Next-token logits `[n, V]` row-major at the current position.
    pub fn logits(&self) -> &[f32] {
        &self.logits
    }

    /// The weights this state generates with.
    pub fn model(&self) -> &Arc<FrozenLm> {
        &self.model
    }

    /// Feeds one token per candidate and updates [`GenState::logits`].
    pub fn step(&mut self, tokens: &[u32]) -> Result<()> {
        if tokens.len() != self.n {
            bail!(
                "step wants one token per candidate ({}), got {}",
                self.n,
                tokens.len()
            );
        }
        let model = Arc::clone(&self.model);
        model.check_ids(tokens)?;
        let mut x = vec![0.0; self.n * model.cfg.embed_dim];
        model.embed_into(tokens, &mut x);
        model.gru.step(&x, self.n, &mut self.h);
        let top = &self.h[self.h.len() - 1];
        model.logits_into(top, self.n, &mut self.logits);
        Ok(())
    }

    /// Keeps only candidates `rows` (in that order), e.g. to drop finished
    /// ones. Errors on an index that is not a current candidate.
    pub fn select(&mut self, rows: &[usize]) -> Result<()> {
        if let Some(bad) = rows.iter().find(|&&r| r >= self.n) {
            bail!("candidate {bad} does not exist; there are {}", self.n);
        }
        let pick = |data: &[f32], width: usize| -> Vec<f32> {
            rows.iter()
                .flat_map(|&r| &data[r * width..][..width])
                .copied()
                .collect()
        };
        let hidden = self.model.cfg.hidden_dim;
        self.h = self.h.iter().map(|layer| pick(layer, hidden)).collect();
        self.logits = pick(&self.logits, self.model.cfg.vocab_size);
        self.n = rows.len();
        Ok(())
    }
}
