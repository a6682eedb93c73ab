//! Choosing the next token from a row of logits: temperature, nucleus
//! (top-p) without a full sort, a no-repeat-n-gram rule and a minimum length.

use super::raw::fast_exp;
use crate::config::{BadSetting, rules};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// How candidates are sampled; stored with every candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamplingParams {
    /// Softmax temperature; 0 means greedy.
    pub temperature: f32,
    /// Nucleus mass kept, in (0, 1].
    pub top_p: f32,
    /// No n-gram of this length repeats within a candidate (0 turns it off).
    pub no_repeat_ngram: usize,
    /// End-of-text is forbidden before this many tokens.
    pub min_tokens: usize,
    /// A candidate stops at this many tokens.
    pub max_tokens: usize,
    /// Faithful candidates drawn for each one kept: the kept ones are those
    /// the shopper's history makes most likely against a shopper with no
    /// history (1: keep the first drawn).
    #[serde(default = "one")]
    pub pool: usize,
}

fn one() -> usize {
    1
}

/// The `[generate]` section of the config: how many candidates, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamplingDefaults {
    /// Candidates per request.
    pub n_candidates: usize,
    /// See [`SamplingParams::temperature`].
    pub temperature: f32,
    /// See [`SamplingParams::top_p`].
    pub top_p: f32,
    /// See [`SamplingParams::no_repeat_ngram`].
    pub no_repeat_ngram: usize,
    /// See [`SamplingParams::min_tokens`].
    pub min_tokens: usize,
    /// See [`SamplingParams::max_tokens`].
    pub max_tokens: usize,
    /// See [`SamplingParams::pool`].
    pub pool: usize,
}

impl SamplingDefaults {
    /// The sampling parameters alone.
    pub fn params(&self) -> SamplingParams {
        SamplingParams {
            temperature: self.temperature,
            top_p: self.top_p,
            no_repeat_ngram: self.no_repeat_ngram,
            min_tokens: self.min_tokens,
            max_tokens: self.max_tokens,
            pool: self.pool,
        }
    }

    /// Checks `[generate]`: at least one candidate of at least one token,
    /// a temperature ≥ 0 (0 is greedy), a nucleus in (0, 1], and no minimum
    /// length past the maximum.
    pub fn validate(&self) -> Result<(), BadSetting> {
        const S: &str = "generate";
        rules::at_least(S, "n_candidates", self.n_candidates, 1)?;
        rules::non_negative(S, "temperature", f64::from(self.temperature))?;
        rules::require(
            self.top_p > 0.0 && self.top_p <= 1.0,
            S,
            "top_p",
            self.top_p,
            "must be in (0, 1]",
        )?;
        rules::at_least(S, "max_tokens", self.max_tokens, 1)?;
        rules::at_least(S, "pool", self.pool, 1)?;
        rules::require(
            self.min_tokens <= self.max_tokens,
            S,
            "min_tokens",
            self.min_tokens,
            format!("must be at most max_tokens ({})", self.max_tokens),
        )
        .map_err(|bad| BadSetting {
            other_key: Some("max_tokens"),
            ..bad
        })
    }
}

/// The tokens that would complete an n-gram already present in `generated`.
pub fn repeated_ngram_bans(generated: &[u32], n: usize) -> Vec<u32> {
    if n == 0 || generated.len() < n {
        return Vec::new();
    }
    let prefix = &generated[generated.len() - (n - 1)..];
    generated
        .windows(n)
        .filter(|w| &w[..n - 1] == prefix)
        .map(|w| w[n - 1])
        .collect()
}

/// Σ xᵢ over the elements with xᵢ ≥ `from`, in 16 lanes so that it
/// vectorises.
fn sum_from(xs: &[f32], from: f32) -> f32 {
    let mut lanes = [0f32; 16];
    let mut chunks = xs.chunks_exact(16);
    for c in &mut chunks {
        for (l, &x) in lanes.iter_mut().zip(c) {
            *l += if x >= from { x } else { 0.0 };
        }
    }
    let rest: f32 = chunks
        .remainder()
        .iter()
        .map(|&x| if x >= from { x } else { 0.0 })
        .sum();
    lanes.iter().sum::<f32>() + rest
}

/// log Σ exp(x).
fn log_sum_exp(xs: &[f32]) -> f32 {
    let max = xs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if !max.is_finite() {
        return max;
    }
    let e: Vec<f32> = xs.iter().map(|&x| fast_exp(x - max)).collect();
    max + sum_from(&e, 0.0).ln()
}

/// Samples one token from `logits` (one row, the model's raw scores).
///
/// `banned` tokens get no probability. Returns the token and its
/// log-probability under the model (temperature 1, before any ban), which
/// is what a candidate's stored log-probability sums.
pub fn sample_token(
    logits: &[f32],
    params: &SamplingParams,
    banned: &[u32],
    rng: &mut impl Rng,
) -> (u32, f32) {
    let norm = log_sum_exp(logits);
    // Scores with banned and non-finite entries at −∞.
    let mut scores: Vec<f32> = logits
        .iter()
        .map(|&x| if x.is_finite() { x } else { f32::NEG_INFINITY })
        .collect();
    for &b in banned {
        if let Some(s) = scores.get_mut(b as usize) {
            *s = f32::NEG_INFINITY;
        }
    }
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if max == f32::NEG_INFINITY {
        // Everything banned: fall back to the model's favourite.
        let best = argmax(logits);
        return (best, logits[best as usize] - norm);
    }
    let token = if params.temperature <= 0.0 {
        argmax(&scores)
    } else {
        nucleus_sample(scores, max, params.temperature, params.top_p, rng)
    };
    (token, logits[token as usize] - norm)
}

fn argmax(xs: &[f32]) -> u32 {
    let mut best = 0;
    for (i, x) in xs.iter().enumerate() {
        if *x > xs[best] {
            best = i;
        }
    }
    best as u32
}

/// Top-p sampling without sorting: the nucleus is every token whose
/// probability is at least a threshold τ, the largest τ whose set still
/// holds `top_p` of the mass, found by bisection in O(V) vectorised passes.
/// Sorting (even partially, growing k) was the cost on flat distributions,
/// where the nucleus is most of the vocabulary. Sampling within the nucleus
/// needs no order: it walks the kept tokens once. `scores` has −∞ for
/// tokens that may not be drawn and `max` as its largest value.
fn nucleus_sample(
    mut scores: Vec<f32>,
    max: f32,
    temperature: f32,
    top_p: f32,
    rng: &mut impl Rng,
) -> u32 {
    let inv_t = 1.0 / temperature;
    // Unnormalised probabilities in place; the most likely token has 1.
    for s in scores.iter_mut() {
        *s = if *s == f32::NEG_INFINITY {
            0.0
        } else {
            fast_exp((*s - max) * inv_t)
        };
    }
    let p = scores;
    let total = sum_from(&p, 0.0);
    let want = top_p.clamp(f32::MIN_POSITIVE, 1.0) * total;
    // Invariant: mass(p ≥ lo) ≥ want > mass(p ≥ hi); lo > 0 keeps the
    // banned (zero) tokens out.
    let (mut lo, mut hi) = (f32::MIN_POSITIVE, 1.0f32.next_up());
    if top_p < 1.0 {
        while hi - lo > hi * 1e-5 {
            let mid = 0.5 * (lo + hi);
            if sum_from(&p, mid) >= want {
                lo = mid;
            } else {
                hi = mid;
            }
        }
    }
    let mut x = rng.random::<f32>() * sum_from(&p, lo);
    let mut last = None;
    for (i, &q) in p.iter().enumerate() {
        if q >= lo {
            last = Some(i);
            x -= q;
            if x <= 0.0 {
                return i as u32;
            }
        }
    }
    last.unwrap_or(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn params(temperature: f32, top_p: f32) -> SamplingParams {
        SamplingParams {
            temperature,
            top_p,
            no_repeat_ngram: 3,
            min_tokens: 0,
            max_tokens: 10,
            pool: 1,
        }
    }

    #[test]
    fn greedy_takes_the_best_allowed_token_and_reports_its_logprob() {
        let logits = [0.0, 2.0, 1.0];
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let (t, lp) = sample_token(&logits, &params(0.0, 1.0), &[], &mut rng);
        assert_eq!(t, 1);
        let expected = 2.0 - (1.0f32 + 2.0f32.exp() + 1.0f32.exp()).ln();
        assert!((lp - expected).abs() < 1e-6);
        let (t, _) = sample_token(&logits, &params(0.0, 1.0), &[1], &mut rng);
        assert_eq!(t, 2);
    }

    #[test]
    fn top_p_keeps_only_the_nucleus() {
        // p = softmax: token 0 has 0.789 of the mass; top_p 0.75 keeps it alone.
        let logits = [3.0, 1.0, 0.5, 0.0];
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for _ in 0..200 {
            let (t, _) = sample_token(&logits, &params(1.0, 0.75), &[], &mut rng);
            assert_eq!(t, 0);
        }
        // With top_p 1 every token turns up, in proportion.
        let mut counts = [0u32; 4];
        for _ in 0..4000 {
            counts[sample_token(&logits, &params(1.0, 1.0), &[], &mut rng).0 as usize] += 1;
        }
        assert!(counts.iter().all(|&c| c > 0), "{counts:?}");
        let p0 = counts[0] as f32 / 4000.0;
        assert!((p0 - 0.789).abs() < 0.03, "{p0}");
    }

    #[test]
    fn a_wide_nucleus_is_the_most_likely_prefix() {
        // 100 tokens, each a little less likely than the one before: the
        // nucleus for 0.9 is the shortest prefix holding 0.9 of the mass.
        let logits: Vec<f32> = (0..100).map(|i| -0.01 * i as f32).collect();
        let p: Vec<f64> = logits.iter().map(|&x| (x as f64).exp()).collect();
        let total: f64 = p.iter().sum();
        let mut mass = 0.0;
        let len = p.iter().take_while(|&&x| {
            let before = mass;
            mass += x;
            before < 0.9 * total
        });
        let len = len.count();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..5000 {
            seen.insert(sample_token(&logits, &params(1.0, 0.9), &[], &mut rng).0);
        }
        let highest = *seen.iter().max().unwrap() as usize;
        assert!(
            highest + 1 == len,
            "kept up to {highest}, nucleus has {len}"
        );
        assert!(seen.len() >= len - 2, "{} of {len}", seen.len());
        // Equally likely tokens are all in or all out.
        let flat = vec![0.0f32; 100];
        let mut seen = std::collections::HashSet::new();
        for _ in 0..3000 {
            seen.insert(sample_token(&flat, &params(1.0, 0.9), &[], &mut rng).0);
        }
        assert_eq!(seen.len(), 100);
    }

    #[test]
    fn repeated_ngrams_are_banned() {
        // "a b c a b" -> "c" would repeat the trigram "a b c".
        assert_eq!(repeated_ngram_bans(&[1, 2, 3, 1, 2], 3), vec![3]);
        assert!(repeated_ngram_bans(&[1, 2, 3, 4], 3).is_empty());
        assert!(repeated_ngram_bans(&[1, 2], 0).is_empty());
        // Unigram rule: nothing may repeat.
        assert_eq!(repeated_ngram_bans(&[5, 6], 1), vec![5, 6]);
    }

    #[test]
    fn everything_banned_falls_back_to_the_best_token() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let (t, _) = sample_token(&[0.0, 1.0], &params(1.0, 0.9), &[0, 1], &mut rng);
        assert_eq!(t, 1);
    }
}
