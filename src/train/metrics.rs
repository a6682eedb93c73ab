//! The evaluation metrics of DESIGN.md §5, as plain functions with
//! hand-computed tests. Names are a contract.

use crate::text::Findings;
use serde::Serialize;
use std::collections::HashSet;

/// What `tailor eval` reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EvalReport {
    /// The version evaluated.
    pub model_version: String,
    /// exp(mean NLL per held-out target token, `<eos>` included).
    pub val_ppl: f64,
    /// Total NLL of held-out targets in bits per character of their text.
    pub val_bpc: f64,
    /// Unique unigrams / unigrams over generated texts.
    pub distinct_1: f64,
    /// Unique bigrams / bigrams over generated texts.
    pub distinct_2: f64,
    /// Unique texts / texts.
    pub usr: f64,
    /// Each faithfulness check's share of the generated texts (after the
    /// guard, so 0 when it works), `fact_errors` among them.
    #[serde(flatten)]
    pub faithfulness: Faithfulness,
    /// Samples the guard refused (and generation drew again) / samples.
    pub refused: f64,
    /// The same shares over every sample, before the guard: what the
    /// model itself gets wrong.
    pub draws: Faithfulness,
    /// Samples drawn for the generated texts, refused ones included.
    pub drawn: usize,
    /// Samples the fact check alone would refuse / samples: what
    /// `fact_errors` would be without the guard (`draws.fact_errors`).
    pub fact_refused: f64,
    /// Mean per-token log-likelihood with the true history minus with
    /// another shopper's history, nats/token.
    pub personalization_gain: f64,
    /// The same gain over copy targets alone (reviews left out).
    pub personalization_gain_copy: f64,
    /// The reference for `val_bpc`: what `xz -9` needs per held-out
    /// character given the training texts (absent without `xz`).
    pub xz_bpc: Option<f64>,
    /// Held-out examples scored.
    pub val_examples: usize,
    /// Held-out target tokens scored.
    pub val_tokens: usize,
    /// Candidates generated for the text metrics.
    pub generated: usize,
    /// Shoppers those candidates were generated for.
    pub generated_shoppers: usize,
    /// Wall-clock seconds the evaluation took.
    pub seconds: f64,
}

/// Each faithfulness check's share of a set of candidates (see
/// [`crate::text::faithful`]), and the share with any finding.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Faithfulness {
    /// Name a kind of product other than their own.
    pub type_errors: f64,
    /// Make a claim tied to an attribute value the product lacks.
    pub claim_errors: f64,
    /// Name another product's feature, or a number not the product's.
    pub feature_errors: f64,
    /// Name a product the shopper never touched, or call a view a purchase.
    pub history_errors: f64,
    /// Stopped at the length limit, not at `<eos>`.
    pub truncated: f64,
    /// State a brand, price, title, material or colour other than the product's.
    pub fact_errors: f64,
    /// Use a word no text or product of the store has (garbled).
    pub garbled: f64,
    /// Speak as a reviewer: a sentence reviews use and copy never does.
    pub review_voice: f64,
    /// Have any of the above.
    pub faithfulness_errors: f64,
}

impl Faithfulness {
    /// The shares over `findings`, one per candidate (all 0 for none).
    pub fn of(findings: &[Findings]) -> Faithfulness {
        let share = |f: fn(&Findings) -> bool| fraction(findings.iter().map(f));
        Faithfulness {
            type_errors: share(|f| f.type_error.is_some()),
            claim_errors: share(|f| f.claim_error.is_some()),
            feature_errors: share(|f| f.feature_error.is_some()),
            history_errors: share(|f| f.history_error.is_some()),
            truncated: share(|f| f.truncated),
            fact_errors: share(|f| f.fact_error.is_some()),
            garbled: share(|f| f.garbled.is_some()),
            review_voice: share(|f| f.review_voice.is_some()),
            faithfulness_errors: share(|f| !f.is_faithful()),
        }
    }
}

/// Perplexity from a total NLL (nats) over `tokens` tokens.
pub fn perplexity(nll: f64, tokens: usize) -> f64 {
    if tokens == 0 {
        return f64::NAN;
    }
    (nll / tokens as f64).exp()
}

/// Bits per character from a total NLL (nats) over `chars` characters.
pub fn bits_per_char(nll: f64, chars: usize) -> f64 {
    if chars == 0 {
        return f64::NAN;
    }
    nll / std::f64::consts::LN_2 / chars as f64
}

/// Corpus-level distinct-n over whitespace words (case-folded): unique
/// n-grams / total n-grams across all `texts`.
pub fn distinct_n(texts: &[String], n: usize) -> f64 {
    let mut total = 0usize;
    let mut unique: HashSet<Vec<String>> = HashSet::new();
    for text in texts {
        let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
        if words.len() < n || n == 0 {
            continue;
        }
        for w in words.windows(n) {
            total += 1;
            unique.insert(w.to_vec());
        }
    }
    if total == 0 {
        return 0.0;
    }
    unique.len() as f64 / total as f64
}

/// [`distinct_n`] of `k` of `texts`: the mean over a fixed set of seeded
/// draws of `k` texts without replacement (all of them when `k` is not
/// smaller). The share of distinct pairs falls as a sample grows, so two
/// sets of copy compare only at the same size.
pub fn distinct_n_at(texts: &[String], n: usize, k: usize) -> f64 {
    use rand::SeedableRng;
    use rand::seq::IndexedRandom;
    const DRAWS: u64 = 32;
    if k >= texts.len() {
        return distinct_n(texts, n);
    }
    let sum: f64 = (0..DRAWS)
        .map(|seed| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let some: Vec<String> = texts.choose_multiple(&mut rng, k).cloned().collect();
            distinct_n(&some, n)
        })
        .sum();
    sum / DRAWS as f64
}

/// Unique-sentence ratio: distinct texts / texts.
pub fn unique_ratio(texts: &[String]) -> f64 {
    if texts.is_empty() {
        return 0.0;
    }
    let unique: HashSet<&str> = texts.iter().map(String::as_str).collect();
    unique.len() as f64 / texts.len() as f64
}

/// Fraction of `flags` that are true.
pub fn fraction(flags: impl IntoIterator<Item = bool>) -> f64 {
    let (mut yes, mut all) = (0usize, 0usize);
    for f in flags {
        all += 1;
        yes += f as usize;
    }
    if all == 0 {
        0.0
    } else {
        yes as f64 / all as f64
    }
}

/// Personalisation gain: mean per-token log-likelihood given the true
/// history minus given another shopper's, over the same target tokens.
pub fn personalization_gain(true_logprobs: &[f32], other_logprobs: &[f32]) -> f64 {
    let mean = |xs: &[f32]| xs.iter().map(|&x| x as f64).sum::<f64>() / xs.len().max(1) as f64;
    mean(true_logprobs) - mean(other_logprobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn distinct_pairs_compare_at_the_same_size() {
        let texts: Vec<String> = (0..40)
            .map(|i| format!("word{} word{} shared tail", i % 10, i % 7))
            .collect();
        // All of them: the plain figure.
        assert_eq!(distinct_n_at(&texts, 2, 40), distinct_n(&texts, 2));
        assert_eq!(distinct_n_at(&texts, 2, 99), distinct_n(&texts, 2));
        // Fewer texts repeat fewer pairs, and the draws are fixed.
        let some = distinct_n_at(&texts, 2, 10);
        assert!(some > distinct_n(&texts, 2), "{some}");
        assert_eq!(some, distinct_n_at(&texts, 2, 10));
    }

    #[test]
    fn perplexity_and_bits_per_char_by_hand() {
        // Two tokens each of probability 1/4: NLL = 2 ln 4, ppl = 4.
        assert!((perplexity(2.0 * 4f64.ln(), 2) - 4.0).abs() < 1e-12);
        // 8 bits of NLL over 4 characters = 2 bits per character.
        assert!((bits_per_char(8.0 * std::f64::consts::LN_2, 4) - 2.0).abs() < 1e-12);
        assert!(perplexity(1.0, 0).is_nan());
    }

    #[test]
    fn distinct_counts_corpus_level_ngrams() {
        let texts = s(&["the red hat", "the Red coat"]);
        // unigrams: the, red, hat, the, red, coat -> 4 unique / 6
        assert!((distinct_n(&texts, 1) - 4.0 / 6.0).abs() < 1e-12);
        // bigrams: the red, red hat, the red, red coat -> 3 unique / 4
        assert!((distinct_n(&texts, 2) - 0.75).abs() < 1e-12);
        assert_eq!(distinct_n(&s(&["one"]), 2), 0.0);
    }

    #[test]
    fn unique_ratio_and_fraction() {
        assert!((unique_ratio(&s(&["a", "b", "a", "c"])) - 0.75).abs() < 1e-12);
        assert_eq!(unique_ratio(&[]), 0.0);
        assert!((fraction([true, false, false, true]) - 0.5).abs() < 1e-12);
        assert_eq!(fraction([]), 0.0);
    }

    #[test]
    fn faithfulness_shares_count_each_check_and_their_union() {
        let some = || Some("x".to_string());
        let findings = [
            Findings::default(),
            Findings {
                type_error: some(),
                claim_error: some(),
                ..Findings::default()
            },
            Findings {
                truncated: true,
                garbled: some(),
                review_voice: some(),
                ..Findings::default()
            },
            Findings {
                history_error: some(),
                fact_error: some(),
                feature_error: some(),
                ..Findings::default()
            },
        ];
        let f = Faithfulness::of(&findings);
        assert_eq!(
            f,
            Faithfulness {
                type_errors: 0.25,
                claim_errors: 0.25,
                feature_errors: 0.25,
                history_errors: 0.25,
                truncated: 0.25,
                fact_errors: 0.25,
                garbled: 0.25,
                review_voice: 0.25,
                faithfulness_errors: 0.75,
            }
        );
        assert_eq!(Faithfulness::of(&[]), Faithfulness::default());
    }

    #[test]
    fn gain_is_the_difference_of_means() {
        let gain = personalization_gain(&[-1.0, -2.0], &[-2.0, -3.0, -4.0]);
        assert!((gain - (-1.5 - -3.0)).abs() < 1e-9);
    }
}
