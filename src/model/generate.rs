//! Sampling N candidate descriptions in one batch: the prompt is run once
//! and its state shared by every candidate; duplicates, candidates a check
//! refuses and candidates cut off by the length limit are re-drawn.

use super::LanguageModel;
use super::decode::GenState;
use super::sample::{SamplingParams, repeated_ngram_bans, sample_token};
use crate::text::{Facts, Piece, Special, Vocab, fill};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

/// One sampled candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Token ids, `<eos>` excluded.
    pub ids: Vec<u32>,
    /// The description with slots filled from the catalog.
    pub text: String,
    /// Sum of the model's log-probabilities of the sampled tokens, `<eos>`
    /// included when it was reached (nats).
    pub logprob: f32,
    /// Stopped at `max_tokens` without `<eos>`: cut off, likely mid-word.
    pub truncated: bool,
}

/// Rounds of re-drawing duplicates (and refused candidates) before giving up.
const DEDUP_ROUNDS: usize = 4;

/// Samples `n` distinct candidates for `prompt` (token ids ending in
/// `<desc>`), filling slots with `facts`. Deterministic for `seed`.
pub fn generate(
    model: &LanguageModel,
    vocab: &Vocab,
    prompt: &[u32],
    facts: &Facts,
    n: usize,
    params: &SamplingParams,
    seed: u64,
) -> candle_core::Result<Vec<Candidate>> {
    Ok(generate_checked(model, vocab, prompt, facts, n, params, seed, &|_| true)?.candidates)
}

/// Candidates that passed a check, and how many samples it refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// At most `n` distinct candidates that `accept` took.
    pub candidates: Vec<Candidate>,
    /// Samples refused (by `accept`, or cut off) and drawn again.
    pub refused: usize,
    /// Samples drawn in all, refused and duplicates included.
    pub drawn: usize,
}

/// Like [`generate`], drawing again any candidate that `accept` refuses or
/// that the length limit cut off: callers pass the faithfulness checks
/// ([`crate::text::Lexicon::check`]) here, so that no candidate shown
/// names another kind of product, feature, claim, purchase or fact, and
/// none stops mid-sentence.
///
/// `accept` sees every draw, cut off or not, so a caller can count what
/// the model got wrong before the guard.
#[allow(clippy::too_many_arguments)]
pub fn generate_checked(
    model: &LanguageModel,
    vocab: &Vocab,
    prompt: &[u32],
    facts: &Facts,
    n: usize,
    params: &SamplingParams,
    seed: u64,
    accept: &dyn Fn(&Candidate) -> bool,
) -> candle_core::Result<Checked> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out: Vec<Candidate> = Vec::with_capacity(n);
    let mut seen: HashSet<String> = HashSet::new();
    let mut refused = 0;
    let mut drawn = 0;
    // The weights are snapshotted and the prompt encoded once; every round
    // starts its candidates from copies of that one state.
    let prompt_state = model.freeze()?.prefill(prompt, 1)?;
    for _ in 0..DEDUP_ROUNDS {
        let want = n - out.len();
        if want == 0 {
            break;
        }
        let mut state = prompt_state.clone();
        state.select(&vec![0; want])?;
        for c in sample_batch(state, vocab, facts, params, &mut rng)? {
            drawn += 1;
            // `accept` first, so it sees the cut-off draws too. Garbled
            // output (bytes that are not UTF-8, controls, escapes) is
            // refused whatever the caller's check: no model can put it in
            // the store or on a screen.
            let accepted = accept(&c);
            if !accepted || c.truncated || !crate::sanitize::is_clean_line(&c.text) {
                refused += 1;
                continue;
            }
            if out.len() < n && seen.insert(c.text.clone()) {
                out.push(c);
            }
        }
    }
    Ok(Checked {
        candidates: out,
        refused,
        drawn,
    })
}

/// The special tokens a description may not contain: every special but
/// `<eos>` and the slots `facts` can fill. (A catalog slot the product lacks
/// stays allowed, as before plans existed: `fill` drops it with its
/// connecting word; a planned slot with nothing to fill it would leave a
/// hole, so it is banned.)
fn banned_specials(vocab: &Vocab, facts: &Facts) -> Vec<u32> {
    const CATALOG: [Special; 5] = [
        Special::Brand,
        Special::Price,
        Special::Title,
        Special::Material,
        Special::Color,
    ];
    Special::ALL
        .iter()
        .filter(|&&s| vocab.has(s))
        .filter(|&&s| {
            let fillable = crate::text::Slot::of_special(s).is_some_and(|slot| facts.has(slot));
            !(s == Special::Eos || CATALOG.contains(&s) || fillable)
        })
        .map(|&s| vocab.id(s))
        .chain(avoided_tokens(vocab, facts))
        .collect()
}

/// The tokens that are, on their own, a word `facts` says to avoid (with
/// its leading space, lower-case or capitalised): the sampler never picks
/// them, so the model cannot start the word in its usual spelling. A word
/// the vocabulary splits into pieces is left to the guard, since banning a
/// piece would ban every word that starts with it.
fn avoided_tokens(vocab: &Vocab, facts: &Facts) -> Vec<u32> {
    let mut out = Vec::new();
    for word in facts.avoid() {
        let mut cased = word.clone();
        if let Some(first) = cased.get(..1) {
            cased.replace_range(..1, &first.to_uppercase());
        }
        for form in [word.as_str(), cased.as_str()] {
            if let [id] = vocab.encode(&[Piece::Text(format!(" {form}"))])[..] {
                out.push(id);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Samples one candidate per row of `state`. Finished candidates leave the
/// batch, so the steps after them only compute the ones still going.
fn sample_batch(
    mut state: GenState,
    vocab: &Vocab,
    facts: &Facts,
    params: &SamplingParams,
    rng: &mut ChaCha8Rng,
) -> candle_core::Result<Vec<Candidate>> {
    let eos = vocab.id(Special::Eos);
    let fixed_bans = banned_specials(vocab, facts);
    let v = vocab.size();
    let n = state.n_candidates();
    let mut ids: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut logprob = vec![0f32; n];
    let mut ended = vec![false; n];
    // The candidates still in `state`, in its row order.
    let mut live: Vec<usize> = (0..n).collect();
    for _ in 0..params.max_tokens {
        let logits = state.logits();
        let mut next = Vec::with_capacity(live.len());
        let mut keep = Vec::with_capacity(live.len());
        for (row, &cand) in live.iter().enumerate() {
            let mut bans = fixed_bans.clone();
            bans.extend(repeated_ngram_bans(&ids[cand], params.no_repeat_ngram));
            if ids[cand].len() < params.min_tokens {
                bans.push(eos);
            }
            let (tok, lp) = sample_token(&logits[row * v..(row + 1) * v], params, &bans, rng);
            logprob[cand] += lp;
            if tok == eos {
                ended[cand] = true;
            } else {
                ids[cand].push(tok);
                next.push(tok);
                keep.push(row);
            }
        }
        if keep.is_empty() {
            break;
        }
        if keep.len() < live.len() {
            state.select(&keep)?;
            live = keep.iter().map(|&r| live[r]).collect();
        }
        state.step(&next)?;
    }
    Ok(ids
        .into_iter()
        .zip(logprob)
        .zip(ended)
        .map(|((ids, logprob), ended)| Candidate {
            text: fill(&vocab.decode(&ids), facts),
            ids,
            logprob,
            truncated: !ended,
        })
        .collect())
}
