//! Model versions end to end: folders on disk (`model::checkpoint`) and the
//! registry in the store. A version is recorded only after its folder is
//! complete; loading the active version falls back to the newest previously
//! active good one, and says so.

use crate::config::{Config, ModelSection, TrainSection};
use crate::domain::{HistoryItem, Product};
use crate::model::checkpoint::{self, CheckpointError};
use crate::model::{LanguageModel, ModelConfig};
use crate::store::{Store, StoreError};
use crate::text::{
    Facts, PromptConfig, SlotPlan, Special, Target, Vocab, fit_prompt, prompt_pieces_with,
    target_pieces,
};
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What `config.json` records besides the weights' hash: enough to rebuild
/// the model and its prompts exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionSettings {
    /// Layer sizes.
    pub model: ModelConfig,
    /// History items, title words, review words.
    pub history_items: usize,
    /// Title words per history item.
    pub title_words: usize,
    /// Review words per history item.
    pub review_words: usize,
    /// Prompt tokens kept.
    pub max_prompt_tokens: usize,
    /// Target tokens kept.
    pub max_target_tokens: usize,
    /// `pretrain` or `finetune`.
    pub kind: String,
    /// The version it was trained from.
    pub parent: Option<String>,
    /// Seed of the held-out split, so evaluation uses the same shoppers.
    pub split_seed: u64,
    /// Share of shoppers held out.
    pub val_fraction: f64,
    /// The shop's slots beyond the catalog's five (none for versions
    /// trained before they existed).
    #[serde(default)]
    pub slots: SlotPlan,
    /// Whether prompts repeat the product's flags after the history
    /// ([`PromptConfig::flags_last`]; off for versions trained before it).
    #[serde(default)]
    pub flags_last: bool,
}

impl VersionSettings {
    /// The prompt shape these weights were trained with.
    pub fn prompt(&self) -> PromptConfig {
        PromptConfig {
            history_items: self.history_items,
            title_words: self.title_words,
            review_words: self.review_words,
            flags_last: self.flags_last,
        }
    }

    /// Settings for a new version from the config.
    pub fn from_config(
        m: &ModelSection,
        t: &TrainSection,
        model: ModelConfig,
        kind: &str,
        parent: Option<String>,
        slots: SlotPlan,
    ) -> Self {
        VersionSettings {
            model,
            history_items: m.history_items,
            title_words: m.title_words,
            review_words: m.review_words,
            max_prompt_tokens: m.max_prompt_tokens,
            max_target_tokens: m.max_target_tokens,
            kind: kind.into(),
            parent,
            split_seed: t.seed,
            val_fraction: t.val_fraction,
            slots,
            flags_last: true,
        }
    }
}

/// A version loaded and ready to generate.
pub struct LoadedModel {
    /// Its name.
    pub version: String,
    /// The network.
    pub model: LanguageModel,
    /// Its tokenizer.
    pub vocab: Vocab,
    /// How it was built.
    pub settings: VersionSettings,
    /// Its stored metrics.
    pub metrics: serde_json::Value,
}

impl LoadedModel {
    /// `config`'s model and train sections with this version's prompt
    /// shape and held-out split, so its examples are rebuilt exactly as
    /// it was trained (evaluation, fine-tuning, comparing versions).
    pub fn data_sections(&self, config: &Config) -> (ModelSection, TrainSection) {
        let s = &self.settings;
        let mut model = config.model.clone();
        model.history_items = s.history_items;
        model.title_words = s.title_words;
        model.review_words = s.review_words;
        model.max_prompt_tokens = s.max_prompt_tokens;
        model.max_target_tokens = s.max_target_tokens;
        let mut train = config.train.clone();
        train.seed = s.split_seed;
        train.val_fraction = s.val_fraction;
        (model, train)
    }

    /// The encoded prompt for copy about `product` for a shopper with
    /// `history`, seeing events strictly before `at`, cut to the version's
    /// prompt length. Generation and fine-tuning both build prompts here.
    pub fn prompt_ids(&self, history: &[HistoryItem], at: i64, product: &Product) -> Vec<u32> {
        let facts = self.facts(product, history, at);
        let mut ids = self.vocab.encode(&prompt_pieces_with(
            history,
            at,
            product,
            &facts,
            &self.settings.prompt(),
            Target::Copy,
        ));
        fit_prompt(
            &mut ids,
            self.settings.max_prompt_tokens,
            self.vocab.id(Special::Hist),
        );
        ids
    }

    /// The facts a candidate about `product` for a shopper with `history`,
    /// written at `at`, may state: what the slots of this version's prompts
    /// and targets stand for, and what generation fills them with.
    pub fn facts(&self, product: &Product, history: &[HistoryItem], at: i64) -> Facts {
        self.settings.slots.facts(product, history, at)
    }

    /// The encoded training target for `text` about `product`, written at
    /// `at` for a shopper with `history`: its facts as slots, then `<eos>`,
    /// cut to the version's target length.
    pub fn target_ids(
        &self,
        text: &str,
        product: &Product,
        history: &[HistoryItem],
        at: i64,
    ) -> Vec<u32> {
        let facts = self.facts(product, history, at);
        let mut ids = self.vocab.encode(&target_pieces(text, &facts));
        ids.truncate(self.settings.max_target_tokens);
        ids
    }
}

/// Loads a version as trainable variables (for fine-tuning) together with
/// the frozen copy it starts from (the reference). The two share no storage.
pub fn load_trainable(
    dir: &Path,
    version: &str,
) -> Result<(LoadedModel, VarMap, LanguageModel), VersionError> {
    let files = checkpoint::load_version(&dir.join(version))?;
    let build = |message: String| VersionError::Build {
        version: version.into(),
        message,
    };
    let varmap = VarMap::new();
    {
        let mut data = varmap.data().lock().expect("varmap lock");
        for (name, tensor) in &files.tensors {
            let var = candle_core::Var::from_tensor(tensor).map_err(|e| build(e.to_string()))?;
            data.insert(name.clone(), var);
        }
    }
    let frozen = load(dir, version)?;
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let policy =
        LanguageModel::new(&frozen.settings.model, vb).map_err(|e| build(e.to_string()))?;
    Ok((frozen, varmap, policy))
}

/// Errors of the version layer.
#[derive(Debug, thiserror::Error)]
pub enum VersionError {
    /// The files.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The registry.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// candle could not build the model from the files.
    #[error("model version {version}: {message}")]
    Build {
        /// The version.
        version: String,
        /// Why.
        message: String,
    },
    /// No version can be used.
    #[error("{0}")]
    NoModel(String),
}

/// Where version folders live for this config: beside the store.
pub fn models_dir(config: &Config) -> PathBuf {
    if config.model.dir.is_absolute() {
        return config.model.dir.clone();
    }
    match config.store.path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(&config.model.dir),
        _ => config.model.dir.clone(),
    }
}

/// The next free version name: `v1`, `v2`, ... past both the registry and
/// any folder on disk.
pub fn next_version(store: &Store, dir: &Path) -> Result<String, StoreError> {
    let number = |v: &str| v.strip_prefix('v').and_then(|n| n.parse::<u64>().ok());
    let mut max = store
        .models()?
        .iter()
        .filter_map(|m| number(&m.version))
        .max()
        .unwrap_or(0);
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if let Some(n) = number(&e.file_name().to_string_lossy()) {
                max = max.max(n);
            }
        }
    }
    Ok(format!("v{}", max + 1))
}

/// Writes the folder, then records the version (activating it when
/// `activate` names the actor).
#[allow(clippy::too_many_arguments)]
pub fn save(
    store: &mut Store,
    dir: &Path,
    version: &str,
    varmap: &VarMap,
    vocab: &Vocab,
    settings: &VersionSettings,
    metrics: &serde_json::Value,
    activate: Option<&str>,
) -> Result<PathBuf, VersionError> {
    let path = write_folder(dir, version, varmap, vocab, settings, metrics)?;
    store.register_model(
        version,
        settings.parent.as_deref(),
        &settings.kind,
        metrics,
        activate,
    )?;
    Ok(path)
}

/// Like [`save`] for a fine-tuned version, also recording, in the same
/// transaction as the version, the labels it consumed.
#[allow(clippy::too_many_arguments)]
pub fn save_finetuned(
    store: &mut Store,
    dir: &Path,
    version: &str,
    varmap: &VarMap,
    vocab: &Vocab,
    settings: &VersionSettings,
    metrics: &serde_json::Value,
    activate: Option<&str>,
    labels: &[i64],
) -> Result<PathBuf, VersionError> {
    let path = write_folder(dir, version, varmap, vocab, settings, metrics)?;
    let parent = settings.parent.as_deref().unwrap_or_default();
    store.register_finetuned(version, parent, metrics, activate, labels)?;
    Ok(path)
}

fn write_folder(
    dir: &Path,
    version: &str,
    varmap: &VarMap,
    vocab: &Vocab,
    settings: &VersionSettings,
    metrics: &serde_json::Value,
) -> Result<PathBuf, VersionError> {
    let tensors: HashMap<String, Tensor> = varmap
        .data()
        .lock()
        .expect("varmap lock")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
        .collect();
    let tokenizer = vocab.to_json().map_err(|e| VersionError::Build {
        version: version.into(),
        message: e.to_string(),
    })?;
    let config = serde_json::to_value(settings).unwrap_or_default();
    Ok(checkpoint::save_version(
        dir, version, &tensors, &tokenizer, &config, metrics,
    )?)
}

/// Loads one version folder, verified.
pub fn load(dir: &Path, version: &str) -> Result<LoadedModel, VersionError> {
    let files = checkpoint::load_version(&dir.join(version))?;
    let build = |message: String| VersionError::Build {
        version: version.into(),
        message,
    };
    let settings: VersionSettings = serde_json::from_value(files.config.clone())
        .map_err(|e| build(format!("config.json: {e}")))?;
    let vocab = Vocab::from_json(&files.tokenizer_json)
        .map_err(|e| build(format!("tokenizer.json: {e}")))?;
    // A version trained before the newer specials existed has room for the
    // first ones only; it never reads or writes the others.
    let specials = settings.model.vocab_size.checked_sub(vocab.bpe_size());
    let vocab = specials
        .and_then(|n| vocab.clone().with_specials(n))
        .ok_or_else(|| {
            build(format!(
                "tokenizer has {} tokens but the model expects {}",
                vocab.size(),
                settings.model.vocab_size
            ))
        })?;
    let vb = VarBuilder::from_tensors(files.tensors, DType::F32, &Device::Cpu);
    let model = LanguageModel::new(&settings.model, vb).map_err(|e| build(e.to_string()))?;
    Ok(LoadedModel {
        version: version.into(),
        model,
        vocab,
        settings,
        metrics: files.metrics,
    })
}

/// Loads the active version; when its files are missing or corrupt, marks it
/// refused in the registry (with the reason) and falls back to the versions
/// active before it, newest first. Returns the model and, when it fell back,
/// a message saying which version was refused and why, for the caller to
/// show (stderr, the console's notice).
pub fn load_active(
    store: &Store,
    dir: &Path,
) -> Result<(LoadedModel, Option<String>), VersionError> {
    let history = store.activation_history()?;
    if history.is_empty() {
        return Err(VersionError::NoModel(
            "no model yet: run `tailor train` to pre-train one".into(),
        ));
    }
    let mut refused: Vec<String> = Vec::new();
    for version in &history {
        match load(dir, version) {
            Ok(m) => {
                let note = (!refused.is_empty())
                    .then(|| format!("{}; using {} instead", refused.join("; "), m.version));
                if let Some(n) = &note {
                    tracing::warn!("{n}");
                }
                return Ok((m, note));
            }
            Err(e) => {
                // Recorded so that `tailor models` and every later command
                // agree on what is active; a read-only store cannot record
                // it, and then only this run falls back.
                if let Err(store_err) = store.refuse_model(version, &e.to_string()) {
                    tracing::warn!(%version, error = %store_err, "could not mark the version refused");
                }
                refused.push(format!("refused model version {version}: {e}"));
            }
        }
    }
    Err(VersionError::NoModel(format!(
        "no usable model version: {}",
        refused.join("; ")
    )))
}
