//! The `:` command line: parsing, running and Tab completion, and the
//! reason codes of `r`.

use super::event::Action;
use super::state::{Confirm, Mode, State};
use super::update::goto;
use crate::jobs::{ExportWhat, Query};

/// `t` and `:finetune`: ask, then fine-tune on new labels in the
/// background, unless this console already trains (another process's
/// trainer is refused by the lock, and the job says who holds it) or the
/// gate could not judge the result yet (then it says what to label).
pub fn start_finetune(state: &mut State) -> Action {
    if already_training(state) {
        return Action::None;
    }
    if let Some(needs) = state.progress.gate.needs() {
        state.notice(format!("not yet: {needs}"));
        return Action::None;
    }
    state.mode = Mode::Confirm(Confirm::Finetune);
    Action::None
}

/// `:train`: ask, then pre-train a new version in the background.
fn start_train(state: &mut State) -> Action {
    if already_training(state) {
        return Action::None;
    }
    state.mode = Mode::Confirm(Confirm::Train);
    Action::None
}

/// Says so when this console already runs a training job.
fn already_training(state: &mut State) -> bool {
    let Some(job) = state.training() else {
        return false;
    };
    state.notice(format!(
        "already training ({}): see Jobs",
        job.kind.as_str()
    ));
    true
}

/// Every command, with its argument and what it does (for the help overlay).
pub const COMMANDS: &[(&str, &str, &str)] = &[
    (
        "train",
        "",
        "pre-train a new model version in the background (asks first)",
    ),
    (
        "finetune",
        "",
        "fine-tune on new labels in the background (asks first)",
    ),
    ("models", "", "list the model versions"),
    (
        "compare",
        "V1 V2",
        "both versions' candidates for this shopper and product, side by side, with the gate's verdict",
    ),
    ("promote", "V", "make version V active (asks first)"),
    (
        "rollback",
        "",
        "make the previously active version active again (asks first)",
    ),
    (
        "export",
        "[approved]",
        "write every label to exports/labels-<time>.jsonl beside the store; with approved, the copy to publish to exports/approved-<time>.jsonl",
    ),
    (
        "queue",
        "",
        "the review queue: your next unlabelled candidate, what the fine-tune gate needs first",
    ),
    ("goto", "USER", "open shopper USER"),
    ("help", "", "the help overlay"),
    ("quit", "", "quit"),
];

/// Runs a command line (without its `:`).
pub fn run(state: &mut State, line: &str) -> Action {
    let mut words = line.split_whitespace();
    let Some(word) = words.next() else {
        return Action::None;
    };
    let arg = words.next().map(str::to_string);
    let second = words.next().map(str::to_string);
    let name = match resolve(word) {
        Ok(n) => n,
        Err(msg) => {
            state.error(msg);
            return Action::None;
        }
    };
    match (name, arg) {
        ("train", _) => start_train(state),
        ("finetune", _) => start_finetune(state),
        ("compare", Some(a)) => {
            let b = match second {
                Some(b) => b,
                None => match state
                    .models
                    .iter()
                    .find(|m| m.parent.as_deref() == Some(&a))
                {
                    Some(child) => child.version.clone(),
                    None => {
                        state.error("usage: :compare V1 V2 (:models lists the versions)");
                        return Action::None;
                    }
                },
            };
            for v in [&a, &b] {
                if !state.models.iter().any(|m| &m.version == v) {
                    state.error(format!("no model version {v:?}; :models lists them"));
                    return Action::None;
                }
            }
            let (Some(user_id), Some(product)) = (
                state.candidates.user_id.clone(),
                state.candidates.product.clone(),
            ) else {
                state.error("open a shopper and a product first: :compare writes for them");
                return Action::None;
            };
            let versions = [a, b];
            state.mode = Mode::Compare {
                versions: versions.clone(),
                result: None,
            };
            Action::Model(crate::jobs::ModelRequest::Compare {
                versions,
                user_id,
                product_id: product.product_id,
                n: state.settings.n_candidates.min(4),
            })
        }
        ("compare", None) => {
            state.error("usage: :compare V1 V2 (:models lists the versions)");
            Action::None
        }
        ("models", _) => {
            state.mode = Mode::Models;
            Action::Query(Query::Models)
        }
        ("promote", Some(v)) => {
            if !state.models.iter().any(|m| m.version == v) {
                state.error(format!("no model version {v:?}; :models lists them"));
                return Action::None;
            }
            state.mode = Mode::Confirm(Confirm::Promote(v));
            Action::None
        }
        ("promote", None) => {
            state.error("usage: :promote V (:models lists the versions)");
            Action::None
        }
        ("rollback", _) => {
            state.mode = Mode::Confirm(Confirm::Rollback);
            Action::None
        }
        ("export", what) => match what.as_deref() {
            None | Some("labels") => {
                state.notice("exporting labels…");
                Action::Query(Query::Export(ExportWhat::Labels))
            }
            Some("approved") => {
                state.notice("exporting the approved copy…");
                Action::Query(Query::Export(ExportWhat::Approved))
            }
            Some(other) => {
                state.error(format!(
                    "usage: :export [labels|approved], not {:?}",
                    super::view::text::clean(other)
                ));
                Action::None
            }
        },
        ("queue", _) => super::update::keys::next_in_queue(state),
        ("goto", Some(user)) => {
            state.queue = false;
            goto(state, user)
        }
        ("goto", None) => {
            state.error("usage: :goto USER");
            Action::None
        }
        ("help", _) => {
            state.mode = Mode::Help { scroll: 0 };
            Action::None
        }
        ("quit", _) => {
            let session = serde_json::to_value(state.session()).unwrap_or_default();
            Action::Query(Query::SaveSession(session)).and(Action::Quit)
        }
        _ => Action::None,
    }
}

/// The command a word names: itself, or the one command it starts.
fn resolve(word: &str) -> Result<&'static str, String> {
    let matches: Vec<&'static str> = COMMANDS
        .iter()
        .map(|(n, _, _)| *n)
        .filter(|n| n.starts_with(word))
        .collect();
    if let Some(exact) = matches.iter().find(|n| **n == word) {
        return Ok(exact);
    }
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "unknown command :{word}; try {}",
            COMMANDS
                .iter()
                .map(|(n, _, _)| format!(":{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        many => Err(format!(":{word} could be {}", many.join(", "))),
    }
}

/// The completions of what is typed: command names, then model versions
/// for `promote`, shopper ids on screen for `goto`.
pub fn completions(state: &State, line: &str) -> Vec<String> {
    match line.split_once(' ') {
        None => COMMANDS
            .iter()
            .map(|(n, _, _)| n.to_string())
            .filter(|n| n.starts_with(line))
            .collect(),
        Some((cmd, arg)) => {
            let arg = arg.trim_start();
            match resolve(cmd) {
                Ok("promote") => state
                    .models
                    .iter()
                    .map(|m| m.version.clone())
                    .filter(|v| v.starts_with(arg))
                    .collect(),
                Ok("export") => ["labels", "approved"]
                    .iter()
                    .map(|w| w.to_string())
                    .filter(|w| w.starts_with(arg))
                    .collect(),
                Ok("goto") => state
                    .shoppers
                    .rows
                    .iter()
                    .map(|r| r.user_id.clone())
                    .filter(|u| u.starts_with(arg))
                    .take(20)
                    .collect(),
                _ => Vec::new(),
            }
        }
    }
}

fn common_prefix(words: &[String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut end = first.len();
    for w in &words[1..] {
        end = first
            .char_indices()
            .zip(w.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(end);
    }
    first[..end].to_string()
}

/// Completes what is typed as far as it is unambiguous; a complete command
/// name gets a space after it when it takes an argument.
pub fn complete(state: &State, line: &str) -> String {
    let options = completions(state, line);
    match line.split_once(' ') {
        None => match options.as_slice() {
            [one] => {
                let takes_arg = COMMANDS.iter().any(|(n, a, _)| n == one && !a.is_empty());
                if takes_arg {
                    format!("{one} ")
                } else {
                    one.clone()
                }
            }
            [] => line.to_string(),
            many => longer(common_prefix(many), line),
        },
        Some((cmd, _)) => match options.as_slice() {
            [] => line.to_string(),
            many => format!("{cmd} {}", common_prefix(many)),
        },
    }
}

/// The longer of a completion and what was typed (never shortens input).
fn longer(completion: String, typed: &str) -> String {
    if completion.len() >= typed.len() {
        completion
    } else {
        typed.to_string()
    }
}

/// Splits a reason line: a leading known reason code, then a note.
pub fn split_reason(codes: &[String], text: &str) -> (Option<String>, Option<String>) {
    let text = text.trim();
    let (first, rest) = match text.split_once(char::is_whitespace) {
        Some((a, b)) => (a, b.trim()),
        None => (text, ""),
    };
    let first = first.trim_end_matches(':');
    let note = |s: &str| (!s.is_empty()).then(|| s.to_string());
    if codes.iter().any(|c| c == first) {
        (Some(first.to_string()), note(rest))
    } else {
        (None, note(text))
    }
}

/// Completes a reason code at the start of the line.
pub fn complete_reason(codes: &[String], text: &str) -> String {
    if text.contains(char::is_whitespace) {
        return text.to_string();
    }
    let options: Vec<String> = codes
        .iter()
        .filter(|c| c.starts_with(text))
        .cloned()
        .collect();
    match options.as_slice() {
        [one] => format!("{one} "),
        [] => text.to_string(),
        many => longer(common_prefix(many), text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_split_into_a_known_code_and_a_note() {
        let codes = vec!["generic".to_string(), "wrong-fact".to_string()];
        assert_eq!(
            split_reason(&codes, "generic: too bland"),
            (Some("generic".into()), Some("too bland".into()))
        );
        assert_eq!(
            split_reason(&codes, "wrong-fact"),
            (Some("wrong-fact".into()), None)
        );
        assert_eq!(
            split_reason(&codes, "reads well"),
            (None, Some("reads well".into()))
        );
        assert_eq!(split_reason(&codes, "  "), (None, None));
        assert_eq!(complete_reason(&codes, "gen"), "generic ");
        assert_eq!(complete_reason(&codes, "x"), "x");
        assert_eq!(complete_reason(&codes, ""), "");
    }

    #[test]
    fn commands_resolve_by_unique_prefix() {
        assert_eq!(resolve("tr"), Ok("train"));
        assert_eq!(resolve("models"), Ok("models"));
        assert!(resolve("zz").unwrap_err().contains(":train"));
        assert_eq!(common_prefix(&["promote".into(), "pro".into()]), "pro");
        assert_eq!(common_prefix(&["v10".into(), "v11".into()]), "v1");
    }
}
