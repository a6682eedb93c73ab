//! The network's sizes: what `config.json` beside the weights records.

use candle_core::{Result, bail};
use serde::{Deserialize, Serialize};

/// Sizes of an Embedding → GRU → Linear language model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Number of token ids, special tokens included.
    pub vocab_size: usize,
    /// Embedding width.
    pub embed_dim: usize,
    /// GRU hidden width.
    pub hidden_dim: usize,
    /// Stacked GRU layers.
    pub layers: usize,
    /// The padding token; padded positions are masked out of every loss.
    pub pad_id: u32,
    /// The token that opens the shopper's history in a prompt (`<hist>`), when
    /// the model conditions on it directly: the mean embedding of the prompt
    /// tokens after it is fed to the GRU beside every token and to the output
    /// layer beside every state. `None` is the plain Embedding → GRU → Linear.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_token: Option<u32>,
}

impl ModelConfig {
    /// Refuses sizes the model cannot be built with.
    pub fn validate(&self) -> Result<()> {
        for (name, value) in [
            ("vocab_size", self.vocab_size),
            ("embed_dim", self.embed_dim),
            ("hidden_dim", self.hidden_dim),
            ("layers", self.layers),
        ] {
            if value == 0 {
                bail!("model {name} must be at least 1, got 0");
            }
        }
        if u32::try_from(self.vocab_size).is_err() {
            bail!(
                "model vocab_size {} does not fit token ids (u32)",
                self.vocab_size
            );
        }
        if self.pad_id as usize >= self.vocab_size {
            bail!(
                "model pad_id {} is outside the vocabulary of {}",
                self.pad_id,
                self.vocab_size
            );
        }
        if let Some(id) = self.context_token
            && id as usize >= self.vocab_size
        {
            bail!(
                "model context_token {id} is outside the vocabulary of {}",
                self.vocab_size
            );
        }
        Ok(())
    }

    /// Width of the history context: the embedding width, or 0 without one.
    pub fn context_dim(&self) -> usize {
        if self.context_token.is_some() {
            self.embed_dim
        } else {
            0
        }
    }

    /// Width of the first GRU layer's input: a token's embedding, then the context.
    pub fn input_dim(&self) -> usize {
        self.embed_dim + self.context_dim()
    }

    /// Width of the output layer's input: the top GRU state, then the context.
    pub fn output_input_dim(&self) -> usize {
        self.hidden_dim + self.context_dim()
    }

    /// Every parameter's name and shape, in a fixed order: the names of
    /// PyTorch's `state_dict` for the same network.
    pub fn parameters(&self) -> Vec<(String, Vec<usize>)> {
        let (v, e, h) = (self.vocab_size, self.embed_dim, self.hidden_dim);
        let mut out = vec![("embed.weight".to_string(), vec![v, e])];
        for layer in 0..self.layers {
            let input = if layer == 0 { self.input_dim() } else { h };
            out.push((format!("gru.weight_ih_l{layer}"), vec![3 * h, input]));
            out.push((format!("gru.weight_hh_l{layer}"), vec![3 * h, h]));
            out.push((format!("gru.bias_ih_l{layer}"), vec![3 * h]));
            out.push((format!("gru.bias_hh_l{layer}"), vec![3 * h]));
        }
        out.push(("out.weight".to_string(), vec![v, self.output_input_dim()]));
        out.push(("out.bias".to_string(), vec![v]));
        out
    }
}
