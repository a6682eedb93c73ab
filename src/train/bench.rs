//! `tailor bench`: training throughput at the seed's configuration
//! (vocabulary 10,000, embedding 300, hidden 512, batch 32, sequence 64)
//! and at the default size on prompt-and-description rows, and generation
//! latency for 8 candidates of 48 tokens at the default
//! size. `benches/torch_gru.py` measures the same in PyTorch.

use crate::config::Config;
use crate::model::adamw::{AdamWParams, FusedAdamW};
use crate::model::sample::{SamplingParams, sample_token};
use crate::model::{LanguageModel, ModelConfig, init_varmap};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::time::Instant;

/// Training steps per second of `cfg` on random tokens, after one warm-up
/// step. The first `prompt` positions of each row are the prompt: no loss
/// there, and with a history context the row opens with its token, as in
/// `tailor train`. With `prompt` 0 every position is a target, as in the
/// PyTorch sketch. Tokens per second count every position.
fn train_speed(
    cfg: &ModelConfig,
    batch: usize,
    seq: usize,
    prompt: usize,
    steps: usize,
) -> candle_core::Result<serde_json::Value> {
    let varmap = init_varmap(cfg, 1)?;
    let model = LanguageModel::new(
        cfg,
        VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu),
    )?;
    let mut opt = FusedAdamW::new(varmap.all_vars(), AdamWParams::default());
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut ids: Vec<u32> = (0..batch * (seq + 1))
        .map(|_| rng.random_range(1..cfg.vocab_size as u32))
        .collect();
    if let (Some(hist), true) = (cfg.context_token, prompt > 0) {
        ids.iter_mut().step_by(seq + 1).for_each(|id| *id = hist);
    }
    let all = Tensor::from_vec(ids, (batch, seq + 1), &Device::Cpu)?;
    let tokens = all.narrow(1, 0, seq)?.contiguous()?;
    let targets = all.narrow(1, 1, seq)?.contiguous()?;
    let mask: Vec<f32> = (0..batch * seq)
        .map(|i| if i % seq < prompt { 0.0 } else { 1.0 })
        .collect();
    let mask = Tensor::from_vec(mask, (batch, seq), &Device::Cpu)?;
    let mut step = || -> candle_core::Result<f32> {
        // The training loop's step: loss, backward, global norm, clipped AdamW.
        let (loss, grads) = model.loss_and_grads(&tokens, &targets, &mask)?;
        let norm = opt.grad_norm(&grads)?;
        opt.step(&grads, if norm > 1.0 { 1.0 / norm } else { 1.0 })?;
        Ok(loss)
    };
    step()?;
    let started = Instant::now();
    let mut last = 0.0;
    for _ in 0..steps {
        last = step()?;
    }
    let secs = started.elapsed().as_secs_f64();
    let tokens_per_s = (batch * seq * steps) as f64 / secs;
    let (v, e, h) = (
        cfg.vocab_size as f64,
        cfg.embed_dim as f64,
        cfg.hidden_dim as f64,
    );
    // Forward and backward, 6 FLOP per weight: the GRU at every position,
    // the output layer only where the mask selects a target (with a
    // prompt, a counted output layer at every position gave more
    // "effective" GFLOP/s than the machine's matrix peak).
    let targets_per_row = seq - prompt.min(seq);
    let flops_per_token =
        6.0 * (3.0 * h * e + 3.0 * h * h + h * v * targets_per_row as f64 / seq.max(1) as f64);
    Ok(json!({
        "vocab": cfg.vocab_size, "embed": cfg.embed_dim, "hidden": cfg.hidden_dim,
        "layers": cfg.layers, "history_context": cfg.context_token.is_some(),
        "batch": batch, "seq": seq, "prompt": prompt, "steps": steps,
        "tokens_per_s": tokens_per_s,
        "step_ms": secs * 1e3 / steps as f64,
        "effective_gflops": tokens_per_s * flops_per_token / 1e9,
        "final_loss": last,
    }))
}

/// Latency of `n` candidates of exactly `len` tokens after a 32-token
/// prompt, prompt included: sampled (temperature 0.9, top-p 0.95), or
/// greedy.
fn generation_speed(
    cfg: &ModelConfig,
    n: usize,
    len: usize,
    rounds: usize,
    greedy: bool,
) -> candle_core::Result<serde_json::Value> {
    let varmap = init_varmap(cfg, 3)?;
    let model = LanguageModel::new(
        cfg,
        VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu),
    )?;
    let frozen = model.freeze()?;
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let prompt: Vec<u32> = (0..32)
        .map(|_| rng.random_range(1..cfg.vocab_size as u32))
        .collect();
    let params = SamplingParams {
        temperature: 0.9,
        top_p: 0.95,
        no_repeat_ngram: 0,
        min_tokens: len,
        max_tokens: len,
        pool: 1,
    };
    let v = cfg.vocab_size;
    let argmax = |row: &[f32]| {
        row.iter()
            .enumerate()
            .fold((0usize, f32::NEG_INFINITY), |best, (i, &x)| {
                if x > best.1 { (i, x) } else { best }
            })
            .0 as u32
    };
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds + 1 {
        let started = Instant::now();
        let mut state = frozen.prefill(&prompt, n)?;
        for _ in 0..len {
            let logits = state.logits();
            let next: Vec<u32> = (0..n)
                .map(|r| {
                    let row = &logits[r * v..(r + 1) * v];
                    if greedy {
                        argmax(row)
                    } else {
                        sample_token(row, &params, &[], &mut rng).0
                    }
                })
                .collect();
            state.step(&next)?;
        }
        times.push(started.elapsed().as_secs_f64());
    }
    times.remove(0);
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    Ok(json!({
        "vocab": cfg.vocab_size, "embed": cfg.embed_dim, "hidden": cfg.hidden_dim,
        "layers": cfg.layers, "candidates": n, "tokens": len, "rounds": rounds,
        "greedy": greedy,
        "latency_ms": median * 1e3,
        "tokens_per_s": (n * len) as f64 / median,
    }))
}

/// Runs both measurements; `quick` shrinks them for tests.
pub fn run(config: &Config, quick: bool) -> candle_core::Result<serde_json::Value> {
    let seed_cfg = ModelConfig {
        vocab_size: 10_000,
        embed_dim: 300,
        hidden_dim: 512,
        layers: 1,
        pad_id: 0,
        context_token: None,
    };
    let default_cfg = ModelConfig {
        vocab_size: config.model.vocab_size,
        embed_dim: config.model.embed_dim,
        hidden_dim: config.model.hidden_dim,
        layers: config.model.layers,
        pad_id: 0,
        // Generation cost does not depend on which token opens the history.
        context_token: config.model.history_context.then_some(1),
    };
    let (train, train_default, generate, seed_sampled, seed_greedy, peak) = if quick {
        let tiny = ModelConfig {
            vocab_size: 64,
            embed_dim: 8,
            hidden_dim: 16,
            layers: 1,
            pad_id: 0,
            context_token: None,
        };
        let tiny_context = ModelConfig {
            context_token: Some(1),
            ..tiny.clone()
        };
        (
            train_speed(&tiny, 4, 8, 0, 2)?,
            train_speed(&tiny_context, 4, 8, 5, 2)?,
            generation_speed(&tiny, 2, 4, 1, false)?,
            generation_speed(&tiny, 2, 4, 1, false)?,
            generation_speed(&tiny, 2, 4, 1, true)?,
            crate::model::matmul_gflops(64, 1),
        )
    } else {
        (
            train_speed(&seed_cfg, 32, 64, 0, 5)?,
            // About the demo shop's examples: a 112-token prompt, 48 targets.
            train_speed(&default_cfg, 32, 160, 112, 10)?,
            generation_speed(&default_cfg, 8, 48, 9, false)?,
            generation_speed(&seed_cfg, 8, 48, 5, false)?,
            generation_speed(&seed_cfg, 8, 48, 5, true)?,
            crate::model::matmul_gflops(1024, 5),
        )
    };
    Ok(json!({
        "threads": candle_core::utils::get_num_threads(),
        "matmul_peak_gflops": peak,
        "train_seed_config": train,
        "train_default": train_default,
        "generate_default": generate,
        "generate_seed_config_sampled": seed_sampled,
        "generate_seed_config_greedy": seed_greedy,
    }))
}
