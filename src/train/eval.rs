//! `tailor eval`: likelihood metrics on the held-out shoppers' texts, and
//! text and faithfulness metrics on candidates generated for held-out
//! shoppers, both after the generation guard and over every draw before it.

use super::data::{Example, score_targets};
use super::metrics::{self, EvalReport, Faithfulness};
use super::versions::LoadedModel;
use crate::domain::{HistoryItem, Product};
use crate::model::sample::SamplingParams;
use crate::text::{Findings, Lexicon};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// How much to evaluate.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Held-out shoppers to generate for.
    pub shoppers: usize,
    /// Candidates per shopper.
    pub candidates: usize,
    /// Held-out examples scored for the personalisation gain.
    pub gain_examples: usize,
    /// Sampling.
    pub sampling: SamplingParams,
    /// Seed for sampling.
    pub seed: u64,
}

/// Bits per character `xz -9` needs for the held-out texts once it has
/// seen the training texts: (|xz(train + held-out)| − |xz(train)|) × 8 /
/// held-out characters. `None` when the `xz` program is not installed.
pub fn xz_reference_bpc(train: &[Example], val: &[Example]) -> Option<f64> {
    let join = |xs: &[Example]| {
        xs.iter()
            .map(|e| e.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let train_text = join(train);
    let both = format!("{train_text}\n{}", join(val));
    let chars: usize = val.iter().map(|e| e.target_chars).sum();
    let compressed = |text: &str| -> Option<usize> {
        use std::io::Write;
        let mut child = std::process::Command::new("xz")
            .args(["-9", "-c"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let mut stdin = child.stdin.take()?;
        let text = text.to_string();
        let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
        let out = child.wait_with_output().ok()?;
        writer.join().ok()?.ok()?;
        out.status.success().then_some(out.stdout.len())
    };
    let (a, b) = (compressed(&both)?, compressed(&train_text)?);
    (chars > 0).then(|| (a.saturating_sub(b) * 8) as f64 / chars as f64)
}

/// A prompt to write copy for: the newest held-out event of a shopper,
/// with what they did before it.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The shopper.
    pub user_id: String,
    /// The product the event was about.
    pub product: Product,
    /// The shopper's history before the event.
    pub history: Vec<HistoryItem>,
    /// When the event happened.
    pub at: i64,
}

/// The newest held-out event of each of the first `shoppers` held-out
/// shoppers (by id, so runs are comparable) whose product and history are
/// known.
pub fn probes(
    val: &[Example],
    products: &HashMap<String, Product>,
    histories: &HashMap<String, Vec<HistoryItem>>,
    shoppers: usize,
) -> Vec<Probe> {
    let mut newest: BTreeMap<&str, &Example> = BTreeMap::new();
    for e in val {
        let slot = newest.entry(e.user_id.as_str()).or_insert(e);
        if e.ts > slot.ts {
            *slot = e;
        }
    }
    newest
        .values()
        .take(shoppers)
        .filter_map(|e| {
            Some(Probe {
                user_id: e.user_id.clone(),
                product: products.get(&e.product_id)?.clone(),
                history: histories
                    .get(&e.user_id)
                    .map(|h| h.iter().filter(|i| i.ts < e.ts).cloned().collect())
                    .unwrap_or_default(),
                at: e.ts,
            })
        })
        .collect()
}

/// The histories [`probes`] needs: those of the first `shoppers` held-out
/// shoppers of `val`, by id.
pub fn probe_histories(
    store: &crate::store::Store,
    val: &[Example],
    shoppers: usize,
) -> Result<HashMap<String, Vec<HistoryItem>>, crate::store::StoreError> {
    let users: std::collections::BTreeSet<&str> = val.iter().map(|e| e.user_id.as_str()).collect();
    let mut histories = HashMap::new();
    for user in users.into_iter().take(shoppers) {
        histories.insert(user.to_string(), store.user_history(user)?);
    }
    Ok(histories)
}

/// Candidates written for a set of probes, and what the guard found.
#[derive(Debug, Clone, Default)]
pub struct CopySample {
    /// The candidates shown.
    pub texts: Vec<String>,
    /// The checks' findings on each shown candidate.
    pub shown: Vec<Findings>,
    /// The findings on every draw, refused or not.
    pub draws: Vec<Findings>,
    /// Draws the guard refused.
    pub refused: usize,
}

impl CopySample {
    /// The share of draws the guard refused.
    pub fn refused_share(&self) -> f64 {
        self.refused as f64 / self.draws.len().max(1) as f64
    }
}

/// Draws `n` candidates for each probe as `tailor generate` does (the
/// same prompt, facts and guard, whatever kind of text the held-out event
/// was), probe `k` with seed `seed + k`.
pub fn sample_copy(
    loaded: &LoadedModel,
    lexicon: &Lexicon,
    probes: &[Probe],
    n: usize,
    sampling: &SamplingParams,
    seed: u64,
) -> candle_core::Result<CopySample> {
    let mut sample = CopySample::default();
    for (k, p) in probes.iter().enumerate() {
        let seen = RefCell::new(Vec::new());
        let checked = super::candidates::draw(
            loaded,
            lexicon,
            &p.history,
            p.at,
            &p.product,
            n,
            sampling,
            seed.wrapping_add(k as u64),
            &|_, findings| seen.borrow_mut().push(findings.clone()),
        )?;
        sample.draws.extend(seen.into_inner());
        sample.refused += checked.refused;
        for c in checked.candidates {
            sample
                .shown
                .push(lexicon.check(&c.text, &p.product, &p.history, c.truncated));
            sample.texts.push(c.text);
        }
    }
    Ok(sample)
}

/// Evaluates `loaded` on the held-out examples `val`, checking candidates
/// with `lexicon` against each shopper's history in `histories` (by
/// shopper; what came before the held-out event is used).
pub fn evaluate(
    loaded: &LoadedModel,
    val: &[Example],
    products: &HashMap<String, Product>,
    lexicon: &Lexicon,
    histories: &HashMap<String, Vec<HistoryItem>>,
    opts: &EvalOptions,
) -> candle_core::Result<EvalReport> {
    let started = Instant::now();
    let mut report = EvalReport {
        model_version: loaded.version.clone(),
        ..Default::default()
    };
    // Likelihood of every held-out target given the true history.
    let pairs: Vec<(&[u32], &[u32])> = val
        .iter()
        .map(|e| (e.prompt.as_slice(), e.target.as_slice()))
        .collect();
    let true_lp = score_targets(&loaded.model, &pairs, 64)?;
    let nll: f64 = true_lp.iter().flatten().map(|&x| -(x as f64)).sum();
    let tokens: usize = true_lp.iter().map(Vec::len).sum();
    let chars: usize = val.iter().map(|e| e.target_chars).sum();
    report.val_ppl = metrics::perplexity(nll, tokens);
    report.val_bpc = metrics::bits_per_char(nll, chars);
    report.val_examples = val.len();
    report.val_tokens = tokens;

    // The same targets given another shopper's history.
    let with_other: Vec<usize> = (0..val.len())
        .filter(|&i| val[i].other_prompt.is_some())
        .take(opts.gain_examples)
        .collect();
    let other_pairs: Vec<(&[u32], &[u32])> = with_other
        .iter()
        .map(|&i| {
            let e = &val[i];
            (
                e.other_prompt.as_deref().unwrap_or(&e.prompt),
                e.target.as_slice(),
            )
        })
        .collect();
    let other_lp = score_targets(&loaded.model, &other_pairs, 64)?;
    let mine: Vec<f32> = with_other
        .iter()
        .flat_map(|&i| true_lp[i].iter().copied())
        .collect();
    let theirs: Vec<f32> = other_lp.iter().flatten().copied().collect();
    report.personalization_gain = metrics::personalization_gain(&mine, &theirs);
    let desc = loaded.vocab.id(crate::text::Special::Desc);
    let copy: Vec<usize> = (0..with_other.len())
        .filter(|&j| val[with_other[j]].prompt.last() == Some(&desc))
        .collect();
    let mine_copy: Vec<f32> = copy
        .iter()
        .flat_map(|&j| true_lp[with_other[j]].iter().copied())
        .collect();
    let theirs_copy: Vec<f32> = copy
        .iter()
        .flat_map(|&j| other_lp[j].iter().copied())
        .collect();
    report.personalization_gain_copy = metrics::personalization_gain(&mine_copy, &theirs_copy);

    let probes = probes(val, products, histories, opts.shoppers);
    let sample = sample_copy(
        loaded,
        lexicon,
        &probes,
        opts.candidates,
        &opts.sampling,
        opts.seed,
    )?;
    report.generated_shoppers = probes.len();
    let CopySample {
        texts,
        shown,
        draws,
        refused,
    } = sample;
    report.generated = texts.len();
    report.distinct_1 = metrics::distinct_n(&texts, 1);
    report.distinct_2 = metrics::distinct_n(&texts, 2);
    report.usr = metrics::unique_ratio(&texts);
    report.faithfulness = Faithfulness::of(&shown);
    report.draws = Faithfulness::of(&draws);
    report.drawn = draws.len();
    report.refused = refused as f64 / draws.len().max(1) as f64;
    report.fact_refused = report.draws.fact_errors;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
