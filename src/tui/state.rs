//! Everything the console shows, as plain data. [`super::update`] changes
//! it; [`super::view`] draws it and never changes it, except for the scroll
//! offsets, which depend on the pane heights only a draw knows.
//!
//! Text from the store is kept as it came (untrusted); the view sanitises
//! every piece of it on its way to the screen.

use super::keymap::{Keymap, Pane};
use super::theme::Theme;
use crate::config::Config;
use crate::jobs::ProductRow;
use crate::jobs::explain::Explanation;
use crate::jobs::{JobId, JobKind, JobProgress, ShopperView};
use crate::store::{CandidateRow, LabelProgress, ModelVersion, ShopperCursor, ShopperRow};
use crossterm::event::KeyEvent;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::Arc;

/// The shopper list: one window of pages, never the whole table.
#[derive(Debug, Default)]
pub struct ShopperList {
    /// The filter as typed.
    pub filter: String,
    /// Where the filter's cursor is: characters before its end.
    pub filter_back: usize,
    /// The rows loaded, in list order.
    pub rows: Vec<ShopperRow>,
    /// The selected row.
    pub selected: usize,
    /// Where the next page starts, if there may be one.
    pub next: Option<ShopperCursor>,
    /// Whether rows before the window exist (unfiltered lists only).
    pub more_before: bool,
    /// How many shoppers the list holds in all, when known.
    pub total: Option<u64>,
    /// A page is on its way.
    pub loading: bool,
    /// Enter was pressed on a filter whose page is on its way: open the
    /// first match when it comes.
    pub open_on_load: bool,
    /// The tag of the query whose answer is wanted.
    pub tag: u64,
    /// First row shown (set by the view).
    pub offset: Cell<usize>,
}

/// The opened shopper.
#[derive(Debug, Default)]
pub struct ShopperPane {
    /// What the store sent, once it has.
    pub view: Option<ShopperView>,
    /// The shopper being loaded.
    pub loading: Option<String>,
    /// The tag of the query whose answer is wanted.
    pub tag: u64,
    /// First history line shown.
    pub scroll: usize,
    /// The selected recommended product.
    pub rec_selected: usize,
    /// First recommended product shown (set by the view).
    pub rec_offset: Cell<usize>,
}

/// The candidates for one shopper and product.
#[derive(Debug, Default)]
pub struct CandidateList {
    /// Whose candidates.
    pub user_id: Option<String>,
    /// For which product.
    pub product: Option<ProductRow>,
    /// Oldest first.
    pub rows: Vec<CandidateRow>,
    /// The selected one.
    pub selected: usize,
    /// The list is on its way.
    pub loading: bool,
    /// New candidates are being generated.
    pub generating: bool,
    /// The tag of the query whose answer is wanted.
    pub tag: u64,
    /// First candidate shown (set by the view).
    pub offset: Cell<usize>,
    /// All the candidates for the shopper and product, and how many of
    /// those *not in the list* the analyst has labelled: the list holds
    /// the newest pages of them.
    pub counts: (u64, u64),
    /// Older candidates are on their way.
    pub loading_earlier: bool,
}

impl CandidateList {
    /// Whether older candidates than the list holds exist.
    pub fn more_before(&self) -> bool {
        (self.rows.len() as u64) < self.counts.0
    }

    /// The selected candidate.
    pub fn current(&self) -> Option<&CandidateRow> {
        self.rows.get(self.selected)
    }

    /// Candidates this analyst has labelled.
    pub fn labelled(&self) -> usize {
        self.rows.iter().filter(|r| r.label.is_some()).count()
    }

    /// Takes a shopper and product's counts as the store gave them with
    /// the list: all candidates, and those the analyst has labelled.
    pub fn set_counts(&mut self, (all, labelled): (u64, u64)) {
        self.counts = (all, labelled.saturating_sub(self.labelled() as u64));
    }

    /// All the candidates, and how many the analyst has labelled, loaded
    /// or not.
    pub fn totals(&self) -> (u64, u64) {
        (
            self.counts.0.max(self.rows.len() as u64),
            self.counts.1 + self.labelled() as u64,
        )
    }
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Working.
    Running,
    /// Asked to stop, not stopped yet.
    Cancelling,
    /// Finished well.
    Done,
    /// Failed.
    Failed,
    /// Stopped on request.
    Cancelled,
}

/// A job in the jobs pane.
#[derive(Debug, Clone)]
pub struct JobItem {
    /// Its id.
    pub id: JobId,
    /// What kind.
    pub kind: JobKind,
    /// Who started it.
    pub by: String,
    /// What it does.
    pub what: String,
    /// Where it is.
    pub state: JobState,
    /// The last progress report.
    pub progress: Option<JobProgress>,
    /// Training loss per reported step (halved in resolution when long).
    pub losses: Vec<f64>,
    /// Whether `c` can stop it.
    pub cancellable: bool,
    /// How it ended, in words.
    pub outcome: Option<String>,
}

/// A one-line text field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    /// What is typed.
    pub text: String,
    /// Where the cursor is: characters before the end (0: at the end).
    pub back: usize,
}

impl LineInput {
    /// `text`, with the cursor at its end.
    pub fn new(text: String) -> Self {
        LineInput { text, back: 0 }
    }

    /// The text before the cursor and after it.
    pub fn split(&self) -> (&str, &str) {
        split_back(&self.text, self.back)
    }
}

/// `text` split where a cursor `back` characters before its end sits.
pub fn split_back(text: &str, back: usize) -> (&str, &str) {
    let n = text.chars().count();
    let at = text
        .char_indices()
        .nth(n.saturating_sub(back))
        .map_or(text.len(), |(i, _)| i);
    text.split_at(at)
}

/// Something destructive waiting for a yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Make this version active.
    Promote(String),
    /// Make the previous version active.
    Rollback,
    /// Pre-train a new version in the background.
    Train,
    /// Fine-tune on the new labels in the background.
    Finetune,
}

/// What the keyboard is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Keys go to the focused pane.
    Normal,
    /// Typing the shopper filter.
    Filter,
    /// Typing a `:` command.
    Command(LineInput),
    /// Typing a reason for the label on a candidate.
    Reason {
        /// The candidate.
        generation_id: i64,
        /// The verdict to write with the reason (`Y`, `N`); `None` adds the
        /// reason to the candidate's label in effect (`r`).
        verdict: Option<crate::store::Verdict>,
        /// The text.
        input: LineInput,
    },
    /// Waiting for `y`.
    Confirm(Confirm),
    /// The help overlay.
    Help {
        /// First line shown.
        scroll: usize,
    },
    /// The labelling guidelines (`guidelines.md` beside the store).
    Guidelines {
        /// First line shown.
        scroll: usize,
        /// The file and its text (`None` when there is none), once read.
        text: Option<Result<(String, Option<String>), String>>,
    },
    /// One job in full.
    JobDetail {
        /// The job.
        id: crate::jobs::JobId,
        /// First line shown.
        scroll: usize,
    },
    /// The model versions overlay.
    Models,
    /// The explanation of a candidate.
    Explain {
        /// The candidate.
        generation_id: i64,
        /// It, once computed.
        result: Option<Result<Explanation, String>>,
    },
    /// Two versions side by side.
    Compare {
        /// The two versions asked for.
        versions: [String; 2],
        /// The comparison, once made.
        result: Option<Result<crate::jobs::Comparison, String>>,
    },
}

/// A line for the analyst above the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The text (may quote untrusted text; sanitised when drawn).
    pub text: String,
    /// Whether it reports a failure.
    pub error: bool,
}

/// A write in flight: keys wait until it is committed, so that `y n u`
/// typed quickly act in order on the candidates they were meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// A label on this candidate (then move to the next unlabelled one).
    Label(i64),
    /// A reason added to the label on this candidate (stay on it).
    Reason(i64),
    /// An undo or redo.
    Revert,
}

/// Where an analyst was, saved in the store and restored at start-up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Session {
    /// The shopper filter.
    pub filter: String,
    /// The shopper selected in the list.
    pub list_user: Option<String>,
    /// The shopper opened.
    pub user: Option<String>,
    /// The product selected.
    pub product: Option<String>,
    /// The candidate selected.
    pub candidate: Option<i64>,
    /// The focused pane.
    pub focus: Option<Pane>,
}

/// Fixed settings the console starts with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Who labels (the OS account).
    pub analyst: String,
    /// Whether shoppers' names may be shown.
    pub show_names: bool,
    /// Candidates per `g`.
    pub n_candidates: usize,
    /// Start pre-training when there is no model.
    pub train_on_first_run: bool,
    /// Reason codes offered by `r`.
    pub reasons: Vec<String>,
}

impl Settings {
    /// The settings from the config.
    pub fn from_config(config: &Config, analyst: String) -> Settings {
        Settings {
            analyst,
            show_names: config.privacy.show_names,
            n_candidates: config.generate.n_candidates,
            train_on_first_run: config.console.train_on_first_run,
            reasons: config.console.reasons.clone(),
        }
    }
}

/// Finished jobs kept in the jobs pane.
pub const FINISHED_JOBS_KEPT: usize = 6;

/// Loss points kept per job; older points are merged in pairs beyond this.
pub const LOSS_POINTS: usize = 256;

/// The console's whole state.
#[derive(Debug)]
pub struct State {
    /// Fixed settings.
    pub settings: Settings,
    /// The keys.
    pub keymap: Arc<Keymap>,
    /// Colours (or none).
    pub theme: Theme,
    /// The store has answered the start-up query.
    pub ready: bool,
    /// The focused pane.
    pub focus: Pane,
    /// What the keyboard is doing.
    pub mode: Mode,
    /// The shopper list.
    pub shoppers: ShopperList,
    /// The opened shopper.
    pub shopper: ShopperPane,
    /// The candidates.
    pub candidates: CandidateList,
    /// Jobs, newest last.
    pub jobs: Vec<JobItem>,
    /// The selected job.
    pub job_selected: usize,
    /// Labels done and to do.
    pub progress: LabelProgress,
    /// The active model version.
    pub active_model: Option<String>,
    /// Every version.
    pub models: Vec<ModelVersion>,
    /// A trainer running in another process at start-up: (kind, holder, since).
    pub trainer_elsewhere: Option<(String, String, i64)>,
    /// The line above the status bar.
    pub notice: Option<Notice>,
    /// A write in flight.
    pub pending: Option<Pending>,
    /// Keys that arrived while a write was in flight, in order.
    pub deferred: VecDeque<KeyEvent>,
    /// Where to go back to, while the start-up queries come back.
    pub restore: Option<Session>,
    /// The review queue is on: labelling the last candidate of a product
    /// asks for the next one.
    pub queue: bool,
    /// The product the queue opened, for when it is not among the
    /// shopper's recommendations.
    pub queued_product: Option<crate::jobs::ProductRow>,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    /// The last tag handed out.
    pub last_tag: u64,
}

impl State {
    /// A console that has not heard from the store yet.
    pub fn new(settings: Settings, keymap: Arc<Keymap>, theme: Theme) -> State {
        State {
            settings,
            keymap,
            theme,
            ready: false,
            focus: Pane::Shoppers,
            mode: Mode::Normal,
            shoppers: ShopperList::default(),
            shopper: ShopperPane::default(),
            candidates: CandidateList::default(),
            jobs: Vec::new(),
            job_selected: 0,
            progress: LabelProgress::default(),
            active_model: None,
            models: Vec::new(),
            trainer_elsewhere: None,
            notice: None,
            pending: None,
            deferred: VecDeque::new(),
            restore: None,
            queue: false,
            queued_product: None,
            dirty: true,
            last_tag: 0,
        }
    }

    /// A fresh query tag.
    pub fn tag(&mut self) -> u64 {
        self.last_tag += 1;
        self.last_tag
    }

    /// The running pre-training or fine-tuning job in this console, if any.
    pub fn training(&self) -> Option<&JobItem> {
        self.jobs.iter().find(|j| {
            matches!(j.kind, JobKind::Pretrain | JobKind::Finetune)
                && matches!(j.state, JobState::Running | JobState::Cancelling)
        })
    }

    /// The shopper whose candidates are shown, and the product.
    pub fn target(&self) -> Option<(&str, &ProductRow)> {
        Some((
            self.candidates.user_id.as_deref()?,
            self.candidates.product.as_ref()?,
        ))
    }

    /// Where the analyst is now.
    pub fn session(&self) -> Session {
        Session {
            filter: self.shoppers.filter.clone(),
            list_user: self
                .shoppers
                .rows
                .get(self.shoppers.selected)
                .map(|r| r.user_id.clone()),
            user: self.candidates.user_id.clone(),
            product: self
                .candidates
                .product
                .as_ref()
                .map(|p| p.product_id.clone()),
            candidate: self.candidates.current().map(|c| c.generation_id),
            focus: Some(self.focus),
        }
    }

    /// Shows a notice.
    pub fn notice(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: false,
        });
    }

    /// Shows an error.
    pub fn error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: true,
        });
    }
}
