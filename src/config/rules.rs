//! The allowed range of every setting, checked whenever a configuration is
//! loaded (the built-in defaults, a file, environment overrides) so that a
//! value no part of tailor can work with is refused before anything runs,
//! naming its section, key and range.
//!
//! `[keys]` is the one section checked elsewhere: the console parses its
//! bindings (`tui::keymap`) when it starts, where collisions are known.

use super::Config;
use std::fmt;
use std::path::Path;

/// A setting outside its allowed range:
/// `[generate] top_p = 5: must be in (0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct BadSetting {
    /// The section, as in the file (`generate`).
    pub section: &'static str,
    /// The key, as in the file (`top_p`).
    pub key: &'static str,
    /// The value, as TOML would write it (strings quoted).
    pub value: String,
    /// What the value must be.
    pub rule: String,
    /// Another key of the same section that the rule reads (`max_tokens`
    /// for `min_tokens`), so an override of either can be blamed.
    pub other_key: Option<&'static str>,
}

impl fmt::Display for BadSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] {} = {}: {}",
            self.section, self.key, self.value, self.rule
        )
    }
}

/// `Ok` when `ok`, else the [`BadSetting`] for `[section] key = value`.
pub fn require(
    ok: bool,
    section: &'static str,
    key: &'static str,
    value: impl fmt::Display,
    rule: impl Into<String>,
) -> Result<(), BadSetting> {
    if ok {
        return Ok(());
    }
    Err(BadSetting {
        section,
        key,
        value: value.to_string(),
        rule: rule.into(),
        other_key: None,
    })
}

/// A size or count: at least `min`.
pub fn at_least(
    section: &'static str,
    key: &'static str,
    value: usize,
    min: usize,
) -> Result<(), BadSetting> {
    require(
        value >= min,
        section,
        key,
        value,
        format!("must be at least {min}"),
    )
}

/// A rate or weight that must be a finite number above zero.
pub fn positive(section: &'static str, key: &'static str, value: f64) -> Result<(), BadSetting> {
    require(
        value.is_finite() && value > 0.0,
        section,
        key,
        value,
        "must be a finite number above 0",
    )
}

/// A weight or tolerance that may be zero: finite and not negative.
pub fn non_negative(
    section: &'static str,
    key: &'static str,
    value: f64,
) -> Result<(), BadSetting> {
    require(
        value.is_finite() && value >= 0.0,
        section,
        key,
        value,
        "must be a finite number, 0 or more",
    )
}

/// A share of something split in two parts, both non-empty: in (0, 1).
pub fn fraction(section: &'static str, key: &'static str, value: f64) -> Result<(), BadSetting> {
    require(
        value > 0.0 && value < 1.0,
        section,
        key,
        value,
        "must be in (0, 1)",
    )
}

/// A path that must name something.
fn path(section: &'static str, key: &'static str, value: &Path) -> Result<(), BadSetting> {
    require(
        !value.as_os_str().is_empty(),
        section,
        key,
        format!("{:?}", value.display().to_string()),
        "must not be empty",
    )
}

/// The tracing levels a bare word in `[log] level` may name; any other bare
/// word would be read as a target and quietly log nothing.
const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

/// `[log] level`: a level, or a tracing filter whose directives each name a
/// level (`tailor=debug,warn`).
fn log_level(level: &str) -> Result<(), BadSetting> {
    let directives_ok = level.split(',').all(|d| {
        let d = d.trim();
        LEVELS.iter().any(|l| d.eq_ignore_ascii_case(l)) || d.contains('=')
    });
    require(
        !level.trim().is_empty()
            && directives_ok
            && tracing_subscriber::EnvFilter::try_new(level).is_ok(),
        "log",
        "level",
        format!("{level:?}"),
        "must be error, warn, info, debug, trace or off, or a tracing filter such as \"tailor=debug,warn\"",
    )
}

/// `[console] reasons`: codes typed after `r`, so each is one word of
/// printable characters, and no two are the same.
fn reasons(reasons: &[String]) -> Result<(), BadSetting> {
    for (i, r) in reasons.iter().enumerate() {
        let clean = !r.is_empty()
            && !r.chars().any(char::is_whitespace)
            && crate::sanitize::sanitize_line(r) == r.as_str();
        require(
            clean,
            "console",
            "reasons",
            format!("{r:?}"),
            "each reason must be a non-empty code without spaces or control, bidirectional or zero-width characters",
        )?;
        require(
            !reasons[..i].contains(r),
            "console",
            "reasons",
            format!("{r:?}"),
            "each reason must appear once",
        )?;
    }
    Ok(())
}

impl Config {
    /// Checks every setting against its allowed range; the first that is
    /// out of range is the error. [`Config::parse`] and [`Config::with_env`]
    /// call it, so a loaded configuration always passes.
    pub fn validate(&self) -> Result<(), BadSetting> {
        path("store", "path", &self.store.path)?;

        at_least("demo", "users", self.demo.users, 1)?;

        path("log", "path", &self.log.path)?;
        log_level(&self.log.level)?;

        let m = &self.model;
        path("model", "dir", &m.dir)?;
        let min_vocab = 256 + crate::text::tokenizer::Special::COUNT;
        require(
            m.vocab_size >= min_vocab && u32::try_from(m.vocab_size).is_ok(),
            "model",
            "vocab_size",
            m.vocab_size,
            format!(
                "must be from {min_vocab} (the 256 bytes and the special tokens) to {}",
                u32::MAX
            ),
        )?;
        at_least("model", "embed_dim", m.embed_dim, 1)?;
        at_least("model", "hidden_dim", m.hidden_dim, 1)?;
        require(
            (1..=2).contains(&m.layers),
            "model",
            "layers",
            m.layers,
            "must be 1 or 2",
        )?;
        at_least("model", "history_items", m.history_items, 1)?;
        at_least("model", "max_prompt_tokens", m.max_prompt_tokens, 1)?;
        at_least("model", "max_target_tokens", m.max_target_tokens, 1)?;

        let t = &self.train;
        at_least("train", "epochs", t.epochs, 1)?;
        at_least("train", "batch_size", t.batch_size, 1)?;
        positive("train", "learning_rate", t.learning_rate)?;
        non_negative("train", "weight_decay", t.weight_decay)?;
        positive("train", "clip_norm", t.clip_norm)?;
        fraction("train", "val_fraction", t.val_fraction)?;
        at_least("train", "patience", t.patience, 1)?;
        at_least("train", "min_texts", t.min_texts, 1)?;
        non_negative("train", "bpc_tolerance", t.bpc_tolerance)?;

        let f = &self.finetune;
        positive("finetune", "beta", f.beta)?;
        positive("finetune", "desirable_ratio", f.desirable_ratio)?;
        non_negative("finetune", "dpo_weight", f.dpo_weight)?;
        non_negative("finetune", "pretrain_mix", f.pretrain_mix)?;
        at_least("finetune", "epochs", f.epochs, 1)?;
        at_least("finetune", "batch_size", f.batch_size, 1)?;
        positive("finetune", "learning_rate", f.learning_rate)?;
        fraction("finetune", "holdout_fraction", f.holdout_fraction)?;
        at_least("finetune", "held_out_min", f.held_out_min, 1)?;
        fraction("finetune", "gate_confidence", f.gate_confidence)?;
        at_least("finetune", "gate_resamples", f.gate_resamples, 1)?;
        at_least("finetune", "gate_shoppers", f.gate_shoppers, 1)?;
        non_negative("finetune", "max_refused_rise", f.max_refused_rise)?;
        non_negative("finetune", "max_distinct_drop", f.max_distinct_drop)?;
        non_negative("finetune", "drift_budget", f.drift_budget)?;

        self.generate.validate()?;

        let c = &self.console;
        require(
            c.max_fps >= 1,
            "console",
            "max_fps",
            c.max_fps,
            "must be at least 1",
        )?;
        reasons(&c.reasons)
    }
}

/// A count given on the command line (`-n`, `--epochs`, `--users`) that
/// overrides a setting which must be at least 1.
pub fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// What the config fuzz target, its property test and the replay of
/// `fixtures/fuzz/config/` check on any input: the bytes before the first
/// NUL are a config file, each line after it a `TAILOR_`-prefixed
/// `NAME=value` override. Loading fails, or gives a configuration that
/// passes [`Config::validate`]; it never panics.
#[doc(hidden)]
pub fn check_any_config(data: &[u8]) {
    let (file, env) = match data.iter().position(|&b| b == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (data, &[][..]),
    };
    let Ok(file) = std::str::from_utf8(file) else {
        return;
    };
    let env: Vec<(String, String)> = String::from_utf8_lossy(env)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (format!("{}{k}", super::ENV_PREFIX), v.to_string()))
        .collect();
    let Ok(config) = Config::parse(file, Path::new("fuzz.toml")) else {
        return;
    };
    assert_eq!(config.validate(), Ok(()), "parsed but invalid");
    if let Ok(config) = config.with_env(&env) {
        assert_eq!(config.validate(), Ok(()), "overridden but invalid");
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ConfigError, DEFAULT_TOML};
    use super::*;

    #[test]
    fn shipped_config_passes_every_rule() {
        let config: Config = toml::from_str(DEFAULT_TOML).unwrap();
        assert_eq!(config.validate(), Ok(()));
    }

    /// One bad value per rule: the TOML that sets it, and the key and part
    /// of the range the error must name.
    const BAD: &[(&str, &str, &str)] = &[
        (
            "[store]\npath = ''",
            "[store] path = \"\"",
            "must not be empty",
        ),
        ("[demo]\nusers = 0", "[demo] users = 0", "at least 1"),
        ("[log]\npath = ''", "[log] path", "must not be empty"),
        (
            "[log]\nlevel = 'loud'",
            "[log] level = \"loud\"",
            "error, warn, info",
        ),
        ("[log]\nlevel = 'infoo'", "[log] level", "tracing filter"),
        (
            "[log]\nlevel = 'tailor=loud'",
            "[log] level",
            "tracing filter",
        ),
        ("[log]\nlevel = ''", "[log] level", "tracing filter"),
        ("[model]\ndir = ''", "[model] dir", "must not be empty"),
        (
            "[model]\nvocab_size = 100",
            "[model] vocab_size = 100",
            "from 282",
        ),
        (
            "[model]\nvocab_size = 5000000000",
            "[model] vocab_size",
            "4294967295",
        ),
        (
            "[model]\nembed_dim = 0",
            "[model] embed_dim = 0",
            "at least 1",
        ),
        (
            "[model]\nhidden_dim = 0",
            "[model] hidden_dim = 0",
            "at least 1",
        ),
        (
            "[model]\nlayers = 7",
            "[model] layers = 7",
            "must be 1 or 2",
        ),
        (
            "[model]\nlayers = 0",
            "[model] layers = 0",
            "must be 1 or 2",
        ),
        (
            "[model]\nhistory_items = 0",
            "[model] history_items",
            "at least 1",
        ),
        (
            "[model]\nmax_prompt_tokens = 0",
            "[model] max_prompt_tokens",
            "at least 1",
        ),
        (
            "[model]\nmax_target_tokens = 0",
            "[model] max_target_tokens",
            "at least 1",
        ),
        ("[train]\nepochs = 0", "[train] epochs = 0", "at least 1"),
        (
            "[train]\nbatch_size = 0",
            "[train] batch_size = 0",
            "at least 1",
        ),
        (
            "[train]\nlearning_rate = 0.0",
            "[train] learning_rate = 0",
            "above 0",
        ),
        (
            "[train]\nlearning_rate = -0.1",
            "[train] learning_rate",
            "above 0",
        ),
        (
            "[train]\nlearning_rate = nan",
            "[train] learning_rate = NaN",
            "finite",
        ),
        (
            "[train]\nlearning_rate = inf",
            "[train] learning_rate = inf",
            "finite",
        ),
        (
            "[train]\nweight_decay = -1.0",
            "[train] weight_decay = -1",
            "0 or more",
        ),
        ("[train]\nclip_norm = 0.0", "[train] clip_norm", "above 0"),
        (
            "[train]\nval_fraction = 0.0",
            "[train] val_fraction = 0",
            "(0, 1)",
        ),
        (
            "[train]\nval_fraction = 1.0",
            "[train] val_fraction = 1",
            "(0, 1)",
        ),
        (
            "[train]\npatience = 0",
            "[train] patience = 0",
            "at least 1",
        ),
        ("[finetune]\nbeta = 0.0", "[finetune] beta", "above 0"),
        (
            "[finetune]\ndesirable_ratio = 0.0",
            "[finetune] desirable_ratio",
            "above 0",
        ),
        (
            "[finetune]\ndrift_budget = nan",
            "[finetune] drift_budget",
            "finite",
        ),
        (
            "[finetune]\ndpo_weight = -0.5",
            "[finetune] dpo_weight",
            "0 or more",
        ),
        (
            "[finetune]\npretrain_mix = -inf",
            "[finetune] pretrain_mix",
            "finite",
        ),
        (
            "[finetune]\nepochs = 0",
            "[finetune] epochs = 0",
            "at least 1",
        ),
        (
            "[finetune]\nbatch_size = 0",
            "[finetune] batch_size = 0",
            "at least 1",
        ),
        (
            "[finetune]\nlearning_rate = 0.0",
            "[finetune] learning_rate",
            "above 0",
        ),
        (
            "[finetune]\nholdout_fraction = 1.5",
            "[finetune] holdout_fraction",
            "(0, 1)",
        ),
        (
            "[finetune]\nmax_refused_rise = -0.1",
            "[finetune] max_refused_rise",
            "0 or more",
        ),
        (
            "[finetune]\ngate_confidence = 1.0",
            "[finetune] gate_confidence",
            "(0, 1)",
        ),
        (
            "[finetune]\nheld_out_min = 0",
            "[finetune] held_out_min = 0",
            "at least 1",
        ),
        (
            "[generate]\nn_candidates = 0",
            "[generate] n_candidates = 0",
            "at least 1",
        ),
        (
            "[generate]\ntemperature = -1.0",
            "[generate] temperature = -1",
            "0 or more",
        ),
        (
            "[generate]\ntemperature = nan",
            "[generate] temperature",
            "finite",
        ),
        (
            "[generate]\ntop_p = 5.0",
            "[generate] top_p = 5",
            "must be in (0, 1]",
        ),
        (
            "[generate]\ntop_p = 0.0",
            "[generate] top_p = 0",
            "must be in (0, 1]",
        ),
        (
            "[generate]\nmax_tokens = 0",
            "[generate] max_tokens = 0",
            "at least 1",
        ),
        (
            "[generate]\nmin_tokens = 113",
            "[generate] min_tokens = 113",
            "max_tokens (112)",
        ),
        (
            "[console]\nmax_fps = 0",
            "[console] max_fps = 0",
            "at least 1",
        ),
        (
            "[console]\nreasons = ['ok', '']",
            "[console] reasons = \"\"",
            "non-empty",
        ),
        (
            "[console]\nreasons = ['two words']",
            "[console] reasons",
            "without spaces",
        ),
        (
            "[console]\nreasons = [\"x\\u001b[2J\"]",
            "[console] reasons",
            "control",
        ),
        (
            "[console]\nreasons = [\"a\\u202eb\"]",
            "[console] reasons",
            "bidirectional",
        ),
        (
            "[console]\nreasons = ['a', 'a']",
            "[console] reasons = \"a\"",
            "once",
        ),
    ];

    #[test]
    fn every_bad_value_is_refused_naming_its_section_key_and_range() {
        for (toml, key, range) in BAD {
            let err = Config::parse(toml, Path::new("my.toml"))
                .expect_err(toml)
                .to_string();
            assert!(err.starts_with("config my.toml: "), "{toml:?}: {err}");
            assert!(err.contains(key), "{toml:?} must name {key:?}: {err}");
            assert!(err.contains(range), "{toml:?} must say {range:?}: {err}");
        }
    }

    #[test]
    fn layers_out_of_range_is_refused_naming_the_key() {
        let err = Config::parse("[model]\nlayers = 7\n", Path::new("my.toml")).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "config my.toml: [model] layers = 7: must be 1 or 2"
        );
    }

    #[test]
    fn values_at_the_edges_of_their_ranges_are_accepted() {
        let edges = "[train]\nval_fraction = 0.999\nmax_steps = 0\neval_every = 0\nbpc_tolerance = 0.0\n\
                     [generate]\ntop_p = 1.0\ntemperature = 0.0\nmin_tokens = 112\nno_repeat_ngram = 0\n\
                     [finetune]\nmax_refused_rise = 0.0\ndrift_budget = 0.0\n\
                     [model]\nlayers = 2\nvocab_size = 282\n\
                     [log]\nlevel = 'tailor=debug,warn'\n\
                     [console]\nreasons = []\n";
        Config::parse(edges, Path::new("edges.toml")).unwrap();
        Config::parse("[log]\nlevel = 'TRACE'\n", Path::new("x.toml")).unwrap();
    }

    #[test]
    fn a_bad_environment_override_names_the_variable_and_the_key() {
        let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let err = Config::default()
            .with_env(&env(&[("TAILOR_GENERATE_TOP_P", "5")]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "environment variable TAILOR_GENERATE_TOP_P=\"5\": [generate] top_p = 5: must be in (0, 1]"
        );
        // A rule over two keys blames whichever of them the environment set.
        let err = Config::default()
            .with_env(&env(&[("TAILOR_GENERATE_MAX_TOKENS", "10")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "environment variable TAILOR_GENERATE_MAX_TOKENS=\"10\": [generate] min_tokens = 16"
            ),
            "{err}"
        );
        let err = Config::default()
            .with_env(&env(&[("TAILOR_MODEL_LAYERS", "3")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("[model] layers = 3: must be 1 or 2"), "{err}");
    }

    #[test]
    fn inputs_found_by_fuzzing_load_or_fail_cleanly() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz/config");
        let mut replayed = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            check_any_config(&std::fs::read(entry.unwrap().path()).unwrap());
            replayed += 1;
        }
        assert!(replayed > 0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 128,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Any TOML made of known keys and values of any type: loading
        /// fails or passes every rule, and never panics.
        #[test]
        fn any_config_loads_valid_or_fails(
            lines in proptest::collection::vec((key(), value()), 0..6),
            env in proptest::collection::vec((key(), value()), 0..3),
            noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..24),
        ) {
            let mut sections = std::collections::BTreeMap::<&str, String>::new();
            for ((section, key), value) in &lines {
                sections.entry(section).or_default().push_str(&format!("{key} = {value}\n"));
            }
            let mut data = Vec::new();
            for (section, body) in sections {
                data.extend_from_slice(format!("[{section}]\n{body}").as_bytes());
            }
            data.push(0);
            for ((section, key), value) in &env {
                data.extend_from_slice(format!("{}_{}={value}\n", section.to_uppercase(), key.to_uppercase()).as_bytes());
            }
            check_any_config(&data);
            check_any_config(&noise);
        }
    }

    /// A `(section, key)` of the shipped config, or a made-up one.
    fn key() -> impl proptest::strategy::Strategy<Value = (String, String)> {
        use proptest::prelude::*;
        let table: toml::Table = toml::from_str(DEFAULT_TOML).unwrap();
        let mut keys: Vec<(String, String)> = Vec::new();
        for (section, value) in &table {
            for key in value.as_table().unwrap().keys() {
                keys.push((section.clone(), key.clone()));
            }
        }
        keys.push(("model".into(), "colour".into()));
        proptest::sample::select(keys).boxed()
    }

    /// A TOML value of any type, edges of the ranges included.
    fn value() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            (0i64..4).prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|x| format!("{x:?}")),
            prop_oneof![
                Just("nan"),
                Just("-inf"),
                Just("0.0"),
                Just("1.0"),
                Just("0.5")
            ]
            .prop_map(String::from),
            any::<bool>().prop_map(|b| b.to_string()),
            "[a-z =,\u{1b}]{0,8}".prop_map(|s| toml::Value::from(s).to_string()),
            Just("[\"a\", \"a\"]".to_string()),
            Just("[]".to_string()),
        ]
    }

    #[test]
    fn a_flag_count_of_zero_is_refused() {
        assert_eq!(at_least_one("3"), Ok(3));
        assert_eq!(at_least_one("0").unwrap_err(), "must be at least 1");
        assert!(at_least_one("-1").is_err());
    }
}
