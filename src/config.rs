//! Configuration: the shipped `config.toml` is the default, a user file may
//! override any key, `TAILOR_*` environment variables override the file, and
//! flags override everything. Unknown keys are errors.
//!
//! Nothing here reads the environment: `main.rs` passes the variables in.
//! Every setting has an allowed range (`rules`), checked on every load.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub(crate) mod rules;

#[doc(hidden)]
pub use rules::check_any_config;
pub use rules::{BadSetting, at_least_one};

/// The default configuration, exactly as shipped at the repository root.
pub const DEFAULT_TOML: &str = include_str!("../config.toml");

/// Everything configurable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the store lives.
    pub store: StoreConfig,
    /// The demo shop.
    pub demo: DemoConfig,
    /// Logging.
    pub log: LogConfig,
    /// Personal data.
    pub privacy: PrivacyConfig,
    /// Model sizes and prompt shape.
    pub model: ModelSection,
    /// Pre-training.
    pub train: TrainSection,
    /// Sampling candidates.
    pub generate: crate::model::sample::SamplingDefaults,
    /// Learning from labels.
    pub finetune: FinetuneSection,
    /// The console.
    pub console: ConsoleSection,
    /// The console's key bindings.
    pub keys: KeysSection,
}

/// `[console]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleSection {
    /// Start pre-training in the background when the store has no model.
    pub train_on_first_run: bool,
    /// Redraws per second at most for changes that do not come from a key.
    pub max_fps: u32,
    /// Reason codes offered (and completed) when adding a reason to a label.
    pub reasons: Vec<String>,
}

/// Declares `[keys]`: one field per console action, each a list of keys.
macro_rules! keys_section {
    ($($(#[doc = $doc:literal])* $name:ident),* $(,)?) => {
        /// `[keys]`: the keys bound to each console action.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct KeysSection {
            $($(#[doc = $doc])* pub $name: Vec<String>,)*
        }

        impl KeysSection {
            /// Every action's name (as in the file) with its keys, in file order.
            pub fn bindings(&self) -> Vec<(&'static str, &[String])> {
                vec![$((stringify!($name), self.$name.as_slice()),)*]
            }
        }
    };
}

keys_section! {
    /// Quit.
    quit,
    /// The help overlay.
    help,
    /// Focus the next pane.
    next_pane,
    /// Focus the previous pane.
    prev_pane,
    /// Move down.
    down,
    /// Move up.
    up,
    /// A page down.
    page_down,
    /// A page up.
    page_up,
    /// To the first item.
    first,
    /// To the last item.
    last,
    /// Filter the shopper list.
    filter,
    /// Open the selected shopper or product.
    open,
    /// Generate candidates.
    generate,
    /// Thumbs-up.
    label_up,
    /// Thumbs-down.
    label_down,
    /// Thumbs-up with a reason: the prompt first, one label row on Enter.
    label_up_why,
    /// Thumbs-down with a reason.
    label_down_why,
    /// Add a reason or note.
    reason,
    /// Undo the last label.
    undo,
    /// Redo.
    redo,
    /// Explain the selected candidate.
    explain,
    /// Start fine-tuning.
    finetune,
    /// The review queue.
    queue,
    /// Cancel the selected job.
    cancel_job,
    /// The selected job in full.
    job_detail,
    /// The command line.
    command,
    /// The labelling guidelines.
    guidelines,
}

/// `[store]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// The SQLite file.
    pub path: PathBuf,
}

/// `[demo]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    /// Seed of the deterministic demo shop.
    pub seed: u64,
    /// Number of shoppers.
    pub users: usize,
}

/// `[log]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// The log file.
    pub path: PathBuf,
    /// A tracing filter directive such as `info` or `tailor=debug`.
    pub level: String,
}

/// `[privacy]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyConfig {
    /// Show shoppers' display names instead of ids only.
    pub show_names: bool,
}

/// `[model]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSection {
    /// Folder of version folders, relative to the store's folder.
    pub dir: PathBuf,
    /// BPE vocabulary size, special tokens included.
    pub vocab_size: usize,
    /// Embedding width.
    pub embed_dim: usize,
    /// GRU hidden width.
    pub hidden_dim: usize,
    /// GRU layers (1 or 2).
    pub layers: usize,
    /// Feed the mean embedding of the prompt's history to every GRU step and
    /// to the output layer, so the whole text can follow the shopper.
    pub history_context: bool,
    /// History items in a prompt.
    pub history_items: usize,
    /// Title words per history item.
    pub title_words: usize,
    /// Review words per history item.
    pub review_words: usize,
    /// Prompt tokens kept (the newest).
    pub max_prompt_tokens: usize,
    /// Target tokens kept.
    pub max_target_tokens: usize,
}

/// `[train]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSection {
    /// Seed for initialisation, split and shuffling.
    pub seed: u64,
    /// Passes over the training examples.
    pub epochs: usize,
    /// Step limit; 0 for none.
    pub max_steps: usize,
    /// Examples per step.
    pub batch_size: usize,
    /// Peak AdamW learning rate.
    pub learning_rate: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Linear warm-up steps.
    pub warmup_steps: usize,
    /// Global gradient-norm clip.
    pub clip_norm: f64,
    /// Share of shoppers held out.
    pub val_fraction: f64,
    /// Validate every this many steps.
    pub eval_every: usize,
    /// Validations without improvement before stopping.
    pub patience: usize,
    /// Cap on training examples; 0 for none.
    pub max_examples: usize,
    /// Fewest texts (descriptions, reviews, copy) a store needs to train on.
    pub min_texts: usize,
    /// Largest relative rise in bits per character on the held-out texts
    /// that a new version may have over the active one and still replace it.
    pub bpc_tolerance: f64,
}

/// `[finetune]`: learning from analysts' labels with KTO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinetuneSection {
    /// Seed for the label split and shuffling.
    pub seed: u64,
    /// KTO β.
    pub beta: f64,
    /// KTO's λ_D·n_D / (λ_U·n_U): the up labels' total weight over the
    /// down labels'. λ_D and λ_U follow from each run's own counts.
    pub desirable_ratio: f64,
    /// Weight of the DPO term on prompts labelled both up and down.
    pub dpo_weight: f64,
    /// Weight of ordinary likelihood on pre-training text, so the model
    /// does not forget.
    pub pretrain_mix: f64,
    /// Weight of ordinary likelihood on the up-labelled copy itself
    /// (supervised fine-tuning beside KTO): shows the model where approved
    /// copy ends, which a sequence-level preference hardly teaches.
    pub sft_weight: f64,
    /// Passes over the new labels.
    pub epochs: usize,
    /// Step limit; 0 for none.
    pub max_steps: usize,
    /// Labels per step (and as many pre-training examples).
    pub batch_size: usize,
    /// AdamW learning rate (constant).
    pub learning_rate: f64,
    /// Share of shoppers whose labels are held out to judge the new version.
    pub holdout_fraction: f64,
    /// Fewest held-out up labels, and as many down, the gate judges with;
    /// shoppers not yet learned from are drafted to reach them.
    pub held_out_min: usize,
    /// One-sided confidence that the gain in agreement is above 0.
    pub gate_confidence: f64,
    /// Bootstrap resamples of the held-out shoppers.
    pub gate_resamples: usize,
    /// Held-out shoppers the gate writes copy for, with both versions.
    pub gate_shoppers: usize,
    /// Largest rise in the share of draws the guard refuses (points / 100).
    pub max_refused_rise: f64,
    /// Largest relative drop in `distinct_2`.
    pub max_distinct_drop: f64,
    /// Largest mean per-token KL(new ‖ parent) on held-out text, in nats.
    pub drift_budget: f64,
}

/// A configuration that could not be loaded, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("config {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or has an unknown key or a bad value.
    #[error("config {path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// toml's message, which quotes the line and the key.
        message: String,
    },
    /// A setting is outside its allowed range.
    #[error("{origin}: {setting}")]
    Invalid {
        /// Where the configuration came from: `config PATH`.
        origin: String,
        /// The setting and its rule.
        setting: BadSetting,
    },
    /// An environment override names no key or holds a bad value.
    #[error("environment variable {name}={value:?}: {message}")]
    Env {
        /// The variable.
        name: String,
        /// Its value.
        value: String,
        /// Why it was refused.
        message: String,
    },
}

/// The environment-variable prefix for overrides.
pub const ENV_PREFIX: &str = "TAILOR_";

impl Default for Config {
    fn default() -> Self {
        Config::parse(DEFAULT_TOML, Path::new("<built-in config.toml>"))
            .expect("the shipped config.toml parses (pinned by a test)")
    }
}

impl Config {
    /// Parses a whole configuration file; every key must be known.
    /// Keys missing from `text` keep their default.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let parse_err = |e: toml::de::Error| ConfigError::Parse {
            path: path.display().to_string(),
            message: e.to_string().trim_end().to_string(),
        };
        let user: toml::Table = toml::from_str(text).map_err(parse_err)?;
        let mut merged: toml::Table = toml::from_str(DEFAULT_TOML).map_err(parse_err)?;
        merge(&mut merged, user);
        let config = Config::deserialize(toml::Value::Table(merged)).map_err(parse_err)?;
        config.validate().map_err(|setting| ConfigError::Invalid {
            origin: format!("config {}", path.display()),
            setting,
        })?;
        Ok(config)
    }

    /// Loads the configuration: `file` (when given) over the defaults, then
    /// the `TAILOR_<SECTION>_<KEY>` variables among `env`.
    pub fn load(file: Option<&Path>, env: &[(String, String)]) -> Result<Config, ConfigError> {
        let config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })?;
                Config::parse(&text, path)?
            }
            None => Config::default(),
        };
        config.with_env(env)
    }

    /// Applies `TAILOR_<SECTION>_<KEY>=value` overrides. The value is read as
    /// a TOML value when it parses as one (`42`, `true`), else as a string.
    /// Variables that name no section are ignored (`TAILOR_CONFIG` and the
    /// like belong to the command line); a known section with an unknown key
    /// is an error.
    pub fn with_env(self, env: &[(String, String)]) -> Result<Config, ConfigError> {
        let mut table = toml::Table::try_from(&self).expect("a config serialises to a table");
        // (section, key, variable, value) of each override, to blame the
        // right variable when the result breaks a rule.
        let mut applied: Vec<(String, String, &str, &str)> = Vec::new();
        for (name, value) in env {
            let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let rest = rest.to_ascii_lowercase();
            let Some((section, key)) = rest.split_once('_') else {
                continue;
            };
            let Some(toml::Value::Table(section_table)) = table.get_mut(section) else {
                continue;
            };
            let env_err = |message: String| ConfigError::Env {
                name: name.clone(),
                value: value.clone(),
                message,
            };
            let Some(old) = section_table.get(key) else {
                let known: Vec<&str> = section_table.keys().map(String::as_str).collect();
                return Err(env_err(format!(
                    "no key `{key}` in [{section}]; known keys: {}",
                    known.join(", ")
                )));
            };
            let new = match old {
                toml::Value::String(_) => toml::Value::String(value.clone()),
                _ => toml::from_str::<toml::Table>(&format!("v = {value}"))
                    .ok()
                    .and_then(|mut t| t.remove("v"))
                    .ok_or_else(|| env_err(format!("expected a {}", old.type_str())))?,
            };
            section_table.insert(key.to_string(), new);
            applied.push((section.to_string(), key.to_string(), name, value));
        }
        if applied.is_empty() {
            return Ok(self);
        }
        let config =
            Config::deserialize(toml::Value::Table(table)).map_err(|e| ConfigError::Env {
                name: "TAILOR_*".into(),
                value: String::new(),
                message: e.to_string().trim_end().to_string(),
            })?;
        config.validate().map_err(|setting| {
            // The last override of a key the rule reads is the one to blame.
            let culprit = applied.iter().rev().find(|(section, key, ..)| {
                section == setting.section
                    && (key == setting.key || setting.other_key == Some(key.as_str()))
            });
            match culprit {
                Some((_, _, name, value)) => ConfigError::Env {
                    name: (*name).to_string(),
                    value: (*value).to_string(),
                    message: setting.to_string(),
                },
                None => ConfigError::Invalid {
                    origin: "config".into(),
                    setting,
                },
            }
        })?;
        Ok(config)
    }
}

/// Merges `over` into `base`, table by table.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn shipped_config_parses_and_is_the_default() {
        let c = Config::parse(DEFAULT_TOML, Path::new("config.toml")).unwrap();
        assert_eq!(c.store.path, PathBuf::from("tailor.db"));
        assert_eq!(c.demo.users, 2000);
        assert!(!c.privacy.show_names);
        // The repository's config.toml is the embedded one.
        let on_disk = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml"));
        assert_eq!(on_disk.unwrap(), DEFAULT_TOML);
    }

    #[test]
    fn unknown_key_is_an_error_that_names_it() {
        let err = Config::parse(
            "[store]\npath = 'x.db'\ncolour = 'red'\n",
            Path::new("my.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("my.toml"), "{err}");
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn bad_value_is_quoted() {
        let err = Config::parse("[demo]\nusers = 'many'\n", Path::new("my.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("users"), "{err}");
        assert!(err.contains("many"), "{err}");
    }

    #[test]
    fn partial_file_keeps_other_defaults() {
        let c = Config::parse("[demo]\nseed = 7\n", Path::new("my.toml")).unwrap();
        assert_eq!(c.demo.seed, 7);
        assert_eq!(c.demo.users, 2000);
    }

    #[test]
    fn env_overrides_file() {
        let c = Config::parse("[demo]\nseed = 7\n", Path::new("my.toml"))
            .unwrap()
            .with_env(&env(&[
                ("TAILOR_DEMO_SEED", "9"),
                ("TAILOR_STORE_PATH", "/tmp/x.db"),
                ("TAILOR_PRIVACY_SHOW_NAMES", "true"),
                ("TAILOR_CONFIG", "ignored.toml"),
                ("HOME", "/root"),
            ]))
            .unwrap();
        assert_eq!(c.demo.seed, 9);
        assert_eq!(c.store.path, PathBuf::from("/tmp/x.db"));
        assert!(c.privacy.show_names);
    }

    #[test]
    fn console_keys_can_be_rebound_from_the_file_and_the_environment() {
        let c = Config::parse("[keys]\nlabel_up = [\"a\", \"+\"]\n", Path::new("my.toml"))
            .unwrap()
            .with_env(&env(&[
                ("TAILOR_KEYS_LABEL_DOWN", r#"["z"]"#),
                ("TAILOR_CONSOLE_TRAIN_ON_FIRST_RUN", "false"),
            ]))
            .unwrap();
        assert_eq!(c.keys.label_up, ["a", "+"]);
        assert_eq!(c.keys.label_down, ["z"]);
        assert_eq!(c.keys.undo, ["u"], "the others keep their defaults");
        assert!(!c.console.train_on_first_run);
        let err = Config::parse("[keys]\nlabel_upp = [\"a\"]\n", Path::new("my.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("label_upp"), "{err}");
        // Every action has a key by default.
        assert!(
            Config::default()
                .keys
                .bindings()
                .iter()
                .all(|(_, k)| !k.is_empty())
        );
    }

    #[test]
    fn env_with_unknown_key_or_bad_value_is_refused() {
        let err = Config::default()
            .with_env(&env(&[("TAILOR_DEMO_SEEDS", "9")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("TAILOR_DEMO_SEEDS") && err.contains("seeds"),
            "{err}"
        );
        let err = Config::default()
            .with_env(&env(&[("TAILOR_DEMO_USERS", "lots")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("lots"), "{err}");
    }
}
