//! The language model: Embedding → GRU → Linear in candle, trained on the CPU
//! with a fused GRU recurrence and a fused output cross-entropy, and a
//! graph-free step for generation.
//!
//! - [`gru`]: the GRU stack behind one interface (fused forward, step-by-step
//!   reference, generation step); the fused op and its hand-written backward
//!   live in `gru_op`.
//! - [`lm`]: the language model, its loss and per-token log-probabilities.
//! - [`generation`]: frozen weights and per-candidate state for sampling.
//! - [`init_varmap`]: deterministic initial weights from a seed.
//! - [`checkpoint`], [`sample`], [`generate`]: model folders on disk, the
//!   sampling rules, and batched candidate generation.
//!
//! Only `f32` on the CPU has fused kernels; on another device the GRU and
//! the loss fall back to plain candle ops (slower, same numbers).

pub mod checkpoint;
pub mod config;
mod cross_entropy;
pub mod generate;
pub mod generation;
pub mod gru;
mod gru_op;
mod init;
pub mod lm;
mod raw;
pub mod sample;

pub use config::ModelConfig;
pub use generation::{FrozenLm, GenState};
pub use gru::{FrozenGru, Gru};
pub use init::init_varmap;
pub use lm::LanguageModel;

#[cfg(test)]
mod tests;
