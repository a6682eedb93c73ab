//! The keymap: which key does what, in which pane. Built from `[keys]` in
//! the config; two actions usable in the same pane may not share a key, and
//! the help overlay and the status bar are generated from it.

use crate::config::KeysSection;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::HashMap;
use std::fmt;

/// A key with its modifiers, as written in the config (`"ctrl-r"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl and Alt (Shift is part of the character: `"G"`).
    pub mods: KeyModifiers,
}

impl Key {
    /// A key without modifiers.
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            mods: KeyModifiers::NONE,
        }
    }

    /// The key of a terminal event. Shift is dropped: it is in the
    /// character already (`G`), and shift-tab arrives as back-tab.
    pub fn of(ev: &KeyEvent) -> Key {
        let mods = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match ev.code {
            // Some terminals report ctrl-r as ctrl + 'R'.
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            KeyCode::Char(c) => KeyCode::Char(c),
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            other => other,
        };
        Key { code, mods }
    }

    /// Parses `"y"`, `"?"`, `"enter"`, `"ctrl-r"`, `"alt-x"`, `"f5"`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.chars().count() > 1 && lower.starts_with("ctrl-") {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[5..];
            } else if rest.chars().count() > 1 && lower.starts_with("alt-") {
                mods |= KeyModifiers::ALT;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() => {
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" | "shift-tab" => KeyCode::BackTab,
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdn" => KeyCode::PageDown,
                "space" => KeyCode::Char(' '),
                f if f.len() > 1 && f.starts_with('f') => match f[1..].parse::<u8>() {
                    Ok(n @ 1..=12) => KeyCode::F(n),
                    _ => return Err(format!("unknown key {text:?}")),
                },
                _ => return Err(format!("unknown key {text:?}")),
            },
        };
        Ok(Key { code, mods })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Where an action can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// In every pane.
    Anywhere,
    /// In every pane (each pane is a list).
    Lists,
    /// In the shopper list.
    Shoppers,
    /// In the shopper and product lists.
    Open,
    /// In the jobs pane.
    Jobs,
}

impl Scope {
    /// The heading in the help overlay.
    pub fn heading(self) -> &'static str {
        match self {
            Scope::Anywhere => "Anywhere",
            Scope::Lists => "In any pane",
            Scope::Shoppers => "Shoppers",
            Scope::Open => "Shoppers and recommended products",
            Scope::Jobs => "Jobs",
        }
    }
}

/// The panes, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pane {
    /// The shopper list.
    Shoppers,
    /// The opened shopper's profile and history.
    Shopper,
    /// Products recommended for them.
    Recommended,
    /// Candidates for the selected product.
    Candidates,
    /// Background jobs.
    Jobs,
}

impl Pane {
    /// Every pane, in focus order.
    pub const ALL: [Pane; 5] = [
        Pane::Shoppers,
        Pane::Shopper,
        Pane::Recommended,
        Pane::Candidates,
        Pane::Jobs,
    ];

    /// The scopes whose keys work in this pane.
    pub fn scopes(self) -> &'static [Scope] {
        match self {
            Pane::Shoppers => &[Scope::Anywhere, Scope::Lists, Scope::Shoppers, Scope::Open],
            Pane::Recommended => &[Scope::Anywhere, Scope::Lists, Scope::Open],
            Pane::Jobs => &[Scope::Anywhere, Scope::Lists, Scope::Jobs],
            Pane::Shopper | Pane::Candidates => &[Scope::Anywhere, Scope::Lists],
        }
    }

    /// The pane's title.
    pub fn title(self) -> &'static str {
        match self {
            Pane::Shoppers => "Shoppers",
            Pane::Shopper => "Shopper",
            Pane::Recommended => "Recommended",
            Pane::Candidates => "Candidates",
            Pane::Jobs => "Jobs",
        }
    }
}

/// Declares the actions: name (as in `[keys]`), scope, short label for the
/// status bar, description for the help overlay.
macro_rules! key_actions {
    ($($variant:ident $name:ident $scope:ident $short:literal $desc:literal;)*) => {
        /// What a key can do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum KeyAction {
            $(#[doc = $desc] $variant,)*
        }

        impl KeyAction {
            /// Every action, in help order.
            pub const ALL: &'static [KeyAction] = &[$(KeyAction::$variant,)*];

            /// Its name in `[keys]`.
            pub fn name(self) -> &'static str {
                match self { $(KeyAction::$variant => stringify!($name),)* }
            }

            /// Where it can be used.
            pub fn scope(self) -> Scope {
                match self { $(KeyAction::$variant => Scope::$scope,)* }
            }

            /// A word or two for the status bar.
            pub fn short(self) -> &'static str {
                match self { $(KeyAction::$variant => $short,)* }
            }

            /// A sentence for the help overlay.
            pub fn description(self) -> &'static str {
                match self { $(KeyAction::$variant => $desc,)* }
            }

            /// The action named `name` in `[keys]`.
            pub fn from_name(name: &str) -> Option<KeyAction> {
                match name { $(stringify!($name) => Some(KeyAction::$variant),)* _ => None }
            }
        }
    };
}

key_actions! {
    LabelUp label_up Anywhere "up" "thumbs-up the selected candidate and move to the next unlabelled one";
    LabelDown label_down Anywhere "down" "thumbs-down the selected candidate and move to the next unlabelled one";
    LabelUpWhy label_up_why Anywhere "up, why" "thumbs-up the selected candidate with a reason: type it, enter saves both";
    LabelDownWhy label_down_why Anywhere "down, why" "thumbs-down the selected candidate with a reason: type it, enter saves both";
    Reason reason Anywhere "reason" "add a reason code or note to the selected candidate's label";
    Undo undo Anywhere "undo" "undo your last label (also after a restart)";
    Redo redo Anywhere "redo" "redo the label you undid last";
    Generate generate Anywhere "generate" "generate candidates for the selected product";
    Explain explain Anywhere "explain" "explain which history items drove the selected candidate";
    Finetune finetune Anywhere "fine-tune" "start fine-tuning on new labels in the background";
    Queue queue Anywhere "queue" "the review queue: your next unlabelled candidate across shoppers and products, what the fine-tune gate needs first; labelling the last of a product goes on to the next";
    NextPane next_pane Anywhere "pane" "focus the next pane";
    PrevPane prev_pane Anywhere "prev pane" "focus the previous pane";
    Command command Anywhere "command" "command line: train, finetune, models, promote V, rollback, export [approved], queue, goto USER";
    Help help Anywhere "help" "this help";
    Guidelines guidelines Anywhere "guidelines" "the labelling guidelines: guidelines.md beside the store";
    Quit quit Anywhere "quit" "quit (the terminal is restored)";
    Down down Lists "down" "move down";
    Up up Lists "up" "move up";
    PageDown page_down Lists "page down" "move a page down";
    PageUp page_up Lists "page up" "move a page up";
    First first Lists "first" "go to the first item";
    Last last Lists "last" "go to the last item";
    Filter filter Anywhere "filter" "filter shoppers by id (or name, when names are shown) as you type; esc clears";
    Open open Open "open" "open the selected shopper (their top recommended product is selected) or product";
    CancelJob cancel_job Jobs "cancel" "cancel the selected background job";
    JobDetail job_detail Jobs "detail" "the selected job in full: what it did and how it ended, nothing cut";
}

/// A `[keys]` section that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    /// A key name that means nothing.
    #[error("config [keys] {action}: {message}")]
    BadKey {
        /// The action.
        action: String,
        /// Why.
        message: String,
    },
    /// One key, two actions in one pane.
    #[error(
        "config [keys]: {key:?} is bound to both {first} and {second}, which work in the same pane ({pane}); bind one of them to another key"
    )]
    Collision {
        /// The key.
        key: String,
        /// One action.
        first: String,
        /// The other.
        second: String,
        /// A pane where both work.
        pane: String,
    },
}

/// The keys, resolved per pane.
#[derive(Debug, Clone)]
pub struct Keymap {
    keys: Vec<(KeyAction, Vec<Key>)>,
    per_pane: HashMap<(Pane, Key), KeyAction>,
}

impl Keymap {
    /// Builds the keymap from the config, refusing unknown key names,
    /// `esc` (it always closes and clears) and collisions.
    pub fn from_config(section: &KeysSection) -> Result<Keymap, KeymapError> {
        let mut keys: Vec<(KeyAction, Vec<Key>)> = Vec::new();
        for (name, texts) in section.bindings() {
            let action = KeyAction::from_name(name).ok_or_else(|| KeymapError::BadKey {
                action: name.into(),
                message: "no such action".into(),
            })?;
            let mut parsed = Vec::new();
            for t in texts {
                let key = Key::parse(t).map_err(|message| KeymapError::BadKey {
                    action: name.into(),
                    message,
                })?;
                if key == Key::plain(KeyCode::Esc) {
                    return Err(KeymapError::BadKey {
                        action: name.into(),
                        message: "esc is reserved: it closes overlays and clears the filter".into(),
                    });
                }
                if !parsed.contains(&key) {
                    parsed.push(key);
                }
            }
            keys.push((action, parsed));
        }
        // Help order, whatever the order of the config's fields.
        keys.sort_by_key(|(a, _)| KeyAction::ALL.iter().position(|b| b == a));
        let mut per_pane = HashMap::new();
        for pane in Pane::ALL {
            for (action, ks) in &keys {
                if !pane.scopes().contains(&action.scope()) {
                    continue;
                }
                for k in ks {
                    if let Some(other) = per_pane.insert((pane, *k), *action)
                        && other != *action
                    {
                        return Err(KeymapError::Collision {
                            key: k.to_string(),
                            first: other.name().into(),
                            second: action.name().into(),
                            pane: pane.title().to_lowercase(),
                        });
                    }
                }
            }
        }
        Ok(Keymap { keys, per_pane })
    }

    /// The action of `key` in `pane`, if any.
    pub fn action(&self, pane: Pane, ev: &KeyEvent) -> Option<KeyAction> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        self.per_pane.get(&(pane, Key::of(ev))).copied()
    }

    /// The keys bound to `action`.
    pub fn keys(&self, action: KeyAction) -> &[Key] {
        self.keys
            .iter()
            .find(|(a, _)| *a == action)
            .map(|(_, k)| k.as_slice())
            .unwrap_or(&[])
    }

    /// The first key bound to `action`, as text (`"?"` when unbound).
    pub fn first_key(&self, action: KeyAction) -> String {
        self.keys(action)
            .first()
            .map_or_else(|| "unbound".into(), Key::to_string)
    }

    /// Whether `ev` is bound to `action` (in any pane).
    pub fn is(&self, action: KeyAction, ev: &KeyEvent) -> bool {
        self.keys(action).contains(&Key::of(ev))
    }

    /// Every action with its keys, in help order, grouped by scope.
    pub fn help(&self) -> Vec<(Scope, Vec<(KeyAction, String)>)> {
        let mut out: Vec<(Scope, Vec<(KeyAction, String)>)> = Vec::new();
        for (action, keys) in &self.keys {
            let keys = if keys.is_empty() {
                "unbound".to_string()
            } else {
                keys.iter()
                    .map(Key::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            match out.iter_mut().find(|(s, _)| *s == action.scope()) {
                Some((_, rows)) => rows.push((*action, keys)),
                None => out.push((action.scope(), vec![(*action, keys)])),
            }
        }
        out
    }

    /// The keys worth showing in the status bar for `pane`, most useful
    /// first: (key, label).
    pub fn status(&self, pane: Pane) -> Vec<(String, &'static str)> {
        use KeyAction::*;
        let order: &[KeyAction] = match pane {
            Pane::Shoppers => &[
                Filter, Open, Queue, Down, Generate, NextPane, Command, Help, Quit,
            ],
            Pane::Shopper => &[Down, Up, NextPane, Command, Help, Quit],
            Pane::Recommended => &[Open, Down, Generate, NextPane, Command, Help, Quit],
            Pane::Candidates => &[
                LabelUp, LabelDown, Reason, Undo, Queue, Redo, Explain, Generate, NextPane, Help,
                Quit,
            ],
            Pane::Jobs => &[
                JobDetail, CancelJob, Down, Finetune, NextPane, Command, Help, Quit,
            ],
        };
        order
            .iter()
            .filter(|a| !self.keys(**a).is_empty())
            .map(|a| (self.first_key(*a), a.short()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn the_shipped_keys_are_the_ux_contract() {
        let map = Keymap::from_config(&Config::default().keys).unwrap();
        let none = KeyModifiers::NONE;
        let check = |pane, code, mods, want| {
            assert_eq!(
                map.action(pane, &press(code, mods)),
                want,
                "{code:?} in {pane:?}"
            );
        };
        use KeyAction::*;
        check(Pane::Candidates, KeyCode::Char('y'), none, Some(LabelUp));
        check(Pane::Shoppers, KeyCode::Char('n'), none, Some(LabelDown));
        check(Pane::Candidates, KeyCode::Char('u'), none, Some(Undo));
        check(
            Pane::Candidates,
            KeyCode::Char('r'),
            KeyModifiers::CONTROL,
            Some(Redo),
        );
        check(
            Pane::Candidates,
            KeyCode::Char('R'),
            KeyModifiers::CONTROL,
            Some(Redo),
        );
        check(Pane::Shoppers, KeyCode::Char('/'), none, Some(Filter));
        check(Pane::Candidates, KeyCode::Char('/'), none, Some(Filter));
        check(Pane::Shoppers, KeyCode::Enter, none, Some(Open));
        check(Pane::Recommended, KeyCode::Enter, none, Some(Open));
        check(Pane::Jobs, KeyCode::Char('c'), none, Some(CancelJob));
        check(Pane::Shoppers, KeyCode::Char('c'), none, None);
        check(Pane::Jobs, KeyCode::Char('q'), none, Some(Quit));
        check(
            Pane::Jobs,
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
            Some(Quit),
        );
        check(Pane::Shopper, KeyCode::Tab, none, Some(NextPane));
        check(
            Pane::Shopper,
            KeyCode::BackTab,
            KeyModifiers::SHIFT,
            Some(PrevPane),
        );
        check(
            Pane::Shopper,
            KeyCode::Tab,
            KeyModifiers::SHIFT,
            Some(PrevPane),
        );
        check(Pane::Shopper, KeyCode::Down, none, Some(Down));
        check(Pane::Shopper, KeyCode::Char('k'), none, Some(Up));
        check(Pane::Shopper, KeyCode::PageDown, none, Some(PageDown));
        check(Pane::Shopper, KeyCode::End, none, Some(Last));
        for (pane, code) in [(Pane::Jobs, '?'), (Pane::Jobs, ':'), (Pane::Shopper, 'g')] {
            assert!(
                map.action(pane, &press(KeyCode::Char(code), none))
                    .is_some()
            );
        }
        check(Pane::Candidates, KeyCode::Char('e'), none, Some(Explain));
        check(Pane::Candidates, KeyCode::Char('t'), none, Some(Finetune));
        check(Pane::Candidates, KeyCode::Char('r'), none, Some(Reason));
    }

    #[test]
    fn keys_parse_and_print_back() {
        for text in [
            "y",
            "?",
            "G",
            "ctrl-r",
            "alt-x",
            "enter",
            "shift-tab",
            "pgdn",
            "f5",
            "space",
        ] {
            let key = Key::parse(text).unwrap();
            assert_eq!(Key::parse(&key.to_string()).unwrap(), key, "{text}");
        }
        assert_eq!(Key::parse("ctrl-R").unwrap(), Key::parse("ctrl-r").unwrap());
        assert!(Key::parse("hyper-q").is_err());
        assert!(Key::parse("f13").is_err());
        assert!(Key::parse("").is_err());
    }

    #[test]
    fn a_collision_in_one_pane_is_refused_naming_both_actions() {
        let mut keys = Config::default().keys;
        keys.cancel_job = vec!["y".into()];
        let err = Keymap::from_config(&keys).unwrap_err().to_string();
        assert!(
            err.contains("label_up") && err.contains("cancel_job") && err.contains("\"y\""),
            "{err}"
        );
        // The same key in panes that never meet is fine: open works in the
        // shopper and product lists, cancel only in the jobs pane.
        let mut keys = Config::default().keys;
        keys.cancel_job = vec!["enter".into()];
        assert!(
            Keymap::from_config(&keys).is_err(),
            "job_detail has enter there"
        );
        keys.job_detail = vec!["d".into()];
        assert!(Keymap::from_config(&keys).is_ok());
        let mut keys = Config::default().keys;
        keys.help = vec!["esc".into()];
        assert!(
            Keymap::from_config(&keys)
                .unwrap_err()
                .to_string()
                .contains("reserved")
        );
        let mut keys = Config::default().keys;
        keys.help = vec!["hyper-q".into()];
        assert!(
            Keymap::from_config(&keys)
                .unwrap_err()
                .to_string()
                .contains("help")
        );
    }

    #[test]
    fn rebinding_moves_the_key_and_the_help_follows() {
        let mut keys = Config::default().keys;
        keys.label_up = vec!["a".into()];
        let map = Keymap::from_config(&keys).unwrap();
        let a = press(KeyCode::Char('a'), KeyModifiers::NONE);
        let y = press(KeyCode::Char('y'), KeyModifiers::NONE);
        assert_eq!(map.action(Pane::Candidates, &a), Some(KeyAction::LabelUp));
        assert_eq!(map.action(Pane::Candidates, &y), None);
        let help = map.help();
        let anywhere = &help.iter().find(|(s, _)| *s == Scope::Anywhere).unwrap().1;
        assert!(anywhere.contains(&(KeyAction::LabelUp, "a".to_string())));
        assert_eq!(map.status(Pane::Candidates)[0], ("a".to_string(), "up"));
    }
}
