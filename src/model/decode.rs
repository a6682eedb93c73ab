//! Decoding state: a frozen copy of the weights and, per candidate, the GRU
//! states and the current next-token logits; batched candidates are sampled
//! over it in `generate.rs`.

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
    /// [H, V]: the output weight's columns that read the GRU state.
    out_w_t: Vec<f32>,
    /// [V, C]: its columns that read the history context (empty without one).
    out_w_context: Vec<f32>,
    /// [V]
    out_b: Vec<f32>,
}

impl FrozenLm {
    /// `out_w` is the output weight as stored, [V, H + C].
    pub(crate) fn new(
        cfg: ModelConfig,
        embed: Vec<f32>,
        gru: FrozenGru,
        out_w: &[f32],
        out_b: Vec<f32>,
    ) -> Self {
        let (v, h, c) = (cfg.vocab_size, cfg.hidden_dim, cfg.context_dim());
        let width = h + c;
        let state_part: Vec<f32> = out_w
            .chunks_exact(width)
            .flat_map(|r| &r[..h])
            .copied()
            .collect();
        let out_w_context: Vec<f32> = out_w
            .chunks_exact(width)
            .flat_map(|r| &r[h..])
            .copied()
            .collect();
        let out_w_t = transpose(&state_part, v, h);
        Self {
            cfg,
            embed,
            gru,
            out_w_t,
            out_w_context,
            out_b,
        }
    }

    /// The prompt's history context: the mean embedding of its tokens after
    /// the first history opener, as in training (empty without a context).
    fn context_of(&self, prompt: &[u32]) -> Vec<f32> {
        let Some(open) = self.cfg.context_token else {
            return Vec::new();
        };
        let e = self.cfg.embed_dim;
        let weights = super::lm::context_weights(prompt, prompt.len(), open, &[prompt.len() - 1]);
        let mut context = vec![0.0; e];
        for (&token, &w) in prompt.iter().zip(&weights) {
            if w != 0.0 {
                let row = &self.embed[token as usize * e..][..e];
                for (c, x) in context.iter_mut().zip(row) {
                    *c += w * x;
                }
            }
        }
        context
    }

    /// The output bias for a prompt: the bias plus the context's share of
    /// the output layer, constant while its candidates are generated.
    fn bias_for(&self, context: &[f32]) -> Vec<f32> {
        let mut bias = self.out_b.clone();
        if !context.is_empty() {
            for (b, row) in bias
                .iter_mut()
                .zip(self.out_w_context.chunks_exact(context.len()))
            {
                *b += row.iter().zip(context).map(|(w, c)| w * c).sum::<f32>();
            }
        }
        bias
    }

    /// Token embeddings, each followed by the context, as the first GRU layer reads them.
    fn input_into(&self, tokens: &[u32], context: &[f32], x: &mut [f32]) {
        let e = self.cfg.embed_dim;
        for (row, &token) in x.chunks_exact_mut(e + context.len()).zip(tokens) {
            row[..e].copy_from_slice(&self.embed[token as usize * e..][..e]);
            row[e..].copy_from_slice(context);
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
        let context = self.context_of(prompt);
        let bias = self.bias_for(&context);
        let mut states = vec![vec![0.0; hidden]; self.cfg.layers];
        let mut x = vec![0.0; self.cfg.input_dim()];
        for &token in prompt {
            self.input_into(&[token], &context, &mut x);
            self.gru.step(&x, 1, &mut states);
        }
        let mut logits = vec![0.0; self.cfg.vocab_size];
        self.logits_into(&states[states.len() - 1], 1, &bias, &mut logits);
        Ok(GenState {
            model: Arc::clone(self),
            n,
            h: states.iter().map(|s| s.repeat(n)).collect(),
            logits: logits.repeat(n),
            context,
            bias,
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

    fn logits_into(&self, top: &[f32], rows: usize, bias: &[f32], logits: &mut [f32]) {
        let (h, v) = (self.cfg.hidden_dim, self.cfg.vocab_size);
        let w = MatRef::dense(&self.out_w_t, h, v);
        matmul(
            MatMut::dense(logits, rows, v),
            false,
            MatRef::dense(top, rows, h),
            w,
        );
        for row in logits.chunks_exact_mut(v) {
            for (x, b) in row.iter_mut().zip(bias) {
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
    /// [C]: the prompt's history context, the same for every candidate.
    context: Vec<f32>,
    /// [V]: the output bias with the context's share added.
    bias: Vec<f32>,
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
        let mut x = vec![0.0; self.n * model.cfg.input_dim()];
        model.input_into(tokens, &self.context, &mut x);
        model.gru.step(&x, self.n, &mut self.h);
        let top = &self.h[self.h.len() - 1];
        model.logits_into(top, self.n, &self.bias, &mut self.logits);
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
