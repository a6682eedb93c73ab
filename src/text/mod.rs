//! Text for the language model: the byte-level BPE vocabulary with our own
//! special tokens, the prompt built from a shopper's history and a product's
//! facts, the fact slots that keep generated copy true to the catalog, and
//! the faithfulness checks that refuse copy untrue to its product or shopper.
//!
//! Special tokens are not `tokenizers` added tokens: the BPE covers plain text
//! only and our specials take the ids after it, so no input text can ever
//! encode to a special id and every string round-trips exactly.

pub mod faithful;
pub mod personal;
pub mod prompt;
pub mod slot_plan;
pub mod slots;
pub mod tokenizer;

#[cfg(test)]
mod tests;

pub use faithful::{Findings, Lexicon};
pub use personal::{PersonalWords, personal_lines, title_ends};
pub use prompt::{
    PromptConfig, Target, fit_prompt, history_before, prompt_pieces, prompt_pieces_for,
    prompt_pieces_with, target_pieces,
};
pub use slot_plan::{PlanLearner, SlotPlan};
pub use slots::{FactChecker, Facts, Slot, fill, to_pieces};
pub use tokenizer::{Decoded, Piece, Special, Vocab};

use std::path::PathBuf;

/// What can go wrong building, loading or saving a vocabulary.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// The requested size leaves no room for the 256 byte tokens and the specials.
    #[error("vocabulary size {requested} is too small, it must be at least {min}")]
    VocabTooSmall {
        /// The size asked for, specials included.
        requested: usize,
        /// 256 byte tokens plus the specials.
        min: usize,
    },
    /// The `tokenizers` trainer failed.
    #[error("training the tokenizer failed: {0}")]
    Train(String),
    /// The tokenizer JSON does not parse or cannot be written.
    #[error("tokenizer json: {0}")]
    Json(String),
    /// The tokenizer parses but is not the byte-level BPE this crate builds.
    #[error("unsupported tokenizer: {0}")]
    Unsupported(String),
    /// Reading or writing a tokenizer file failed.
    #[error("tokenizer file {path:?}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}
