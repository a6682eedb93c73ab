//! The language model: Embedding → GRU → Linear in candle, trained on the CPU
//! with a fused GRU recurrence and a fused output cross-entropy, and a
//! graph-free step for generation.
//!
//! - [`gru`]: the GRU stack behind one interface (fused forward, step-by-step
//!   reference, generation step); the fused op and its hand-written backward
//!   live in `gru_op`.
//! - [`lm`]: the language model, its loss and per-token log-probabilities.
//! - [`decode`]: frozen weights and per-candidate state for sampling, one
//!   token at a time.
//! - [`init_varmap`]: deterministic initial weights from a seed.
//! - [`checkpoint`], [`sample`], [`generate`]: model folders on disk, the
//!   sampling rules, and batched candidate generation.
//!
//! Only `f32` on the CPU has fused kernels; on another device the GRU and
//! the loss fall back to plain candle ops (slower, same numbers).

pub mod adamw;
pub mod checkpoint;
pub mod config;
mod cross_entropy;
pub mod decode;
pub mod generate;
pub mod gru;
mod gru_op;
mod init;
pub mod lm;
mod raw;
pub mod sample;

pub use config::ModelConfig;

/// The best of `rounds` timed `n`×`n`×`n` products through the same `gemm`
/// path the model uses, in GFLOP/s: the machine's attainable matrix peak,
/// against which `tailor bench` reports its effective rate.
pub fn matmul_gflops(n: usize, rounds: usize) -> f64 {
    let a: Vec<f32> = (0..n * n).map(|i| (i % 7) as f32 * 0.1).collect();
    let b: Vec<f32> = (0..n * n).map(|i| (i % 5) as f32 * 0.1).collect();
    let mut c = vec![0f32; n * n];
    let mut best = f64::INFINITY;
    for _ in 0..rounds.max(1) + 1 {
        let started = std::time::Instant::now();
        raw::matmul(
            raw::MatMut::dense(&mut c, n, n),
            false,
            raw::MatRef::dense(&a, n, n),
            raw::MatRef::dense(&b, n, n),
        );
        best = best.min(started.elapsed().as_secs_f64());
    }
    2.0 * (n * n * n) as f64 / best / 1e9
}
pub use decode::{FrozenLm, GenState};
pub use gru::{FrozenGru, Gru};
pub use init::init_varmap;
pub use lm::LanguageModel;

#[cfg(test)]
mod tests;
