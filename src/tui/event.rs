//! The one closed set of things that happen to the console, and the one set
//! of things it asks the outside world to do.

use crate::jobs::{JobEvent, JobId, ModelRequest, Query, Reply};
use crossterm::event::KeyEvent;

/// Everything the console reacts to.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A key press.
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    /// The terminal changed size.
    Resize(u16, u16),
    /// An answer from the store or model lane.
    Reply(Reply),
    /// News about a job.
    Job(JobEvent),
    /// SIGTERM or SIGHUP: save the position and quit now.
    Terminate,
}

/// What [`super::update::update`] asks of the main loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Nothing beyond the state change.
    None,
    /// Leave (after the lanes have written what they were given).
    Quit,
    /// Ask the store lane.
    Query(Query),
    /// Ask the model lane.
    Model(ModelRequest),
    /// Start pre-training in the background.
    Train,
    /// Start fine-tuning on new labels in the background.
    Finetune,
    /// Raise a job's cancel flag.
    Cancel(JobId),
    /// Several of these, in order.
    Many(Vec<Action>),
}

impl Action {
    /// `self`, then `next`.
    pub fn and(self, next: Action) -> Action {
        match (self, next) {
            (Action::None, b) => b,
            (a, Action::None) => a,
            (Action::Many(mut v), b) => {
                v.push(b);
                Action::Many(v)
            }
            (a, b) => Action::Many(vec![a, b]),
        }
    }

    /// The actions in order, flattened.
    pub fn flatten(self) -> Vec<Action> {
        match self {
            Action::None => Vec::new(),
            Action::Many(v) => v.into_iter().flat_map(Action::flatten).collect(),
            a => vec![a],
        }
    }
}
