//! What the console asks the store lane and what comes back: the queries,
//! the replies (from both lanes), and the data they carry.

use super::JobKind;
use super::profile::Profile;
use crate::domain::HistoryItem;
use crate::store::{
    CandidateRow, LabelProgress, LabelState, ModelVersion, Reverted, ShopperCursor, ShopperRow,
    Verdict,
};

/// Where a page of shoppers starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageFrom {
    /// The first page.
    Start,
    /// After this cursor (the previous page's `next`).
    After(ShopperCursor),
    /// Around this shopper, who is selected (unfiltered lists only; a
    /// filtered list starts at its first page and selects them if there).
    Around(String),
    /// The page before this shopper (unfiltered lists only).
    Before(String),
    /// The last page, whose last row is selected (unfiltered lists only).
    End,
}

/// A query for the store lane. `tag`s come back in the reply so the console
/// can drop answers it no longer wants.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Who is asking, the models, where they left off, their progress.
    Startup,
    /// A page of shoppers whose id (or name, when names are shown) starts
    /// with `filter`.
    Shoppers {
        /// Echoed back.
        tag: u64,
        /// The filter text; empty for all.
        filter: String,
        /// Where the page starts.
        from: PageFrom,
    },
    /// A shopper's profile, history and recommended products.
    Shopper {
        /// Echoed back.
        tag: u64,
        /// The shopper.
        user_id: String,
    },
    /// The candidates for a shopper and product.
    Candidates {
        /// Echoed back.
        tag: u64,
        /// The shopper.
        user_id: String,
        /// The product.
        product_id: String,
        /// Only those older than this candidate (the page above the list).
        before: Option<i64>,
    },
    /// Writes a label.
    Label {
        /// The candidate.
        generation_id: i64,
        /// Up or down.
        verdict: Verdict,
        /// Reason code.
        reason: Option<String>,
        /// Note.
        note: Option<String>,
    },
    /// Undoes the analyst's last label.
    Undo,
    /// Redoes the analyst's last undone label.
    Redo,
    /// Remembers where the analyst is.
    SaveSession(serde_json::Value),
    /// Refreshes the progress counts.
    Progress,
    /// The model registry.
    Models,
    /// Makes a version active, after checking its files load.
    Promote(String),
    /// Makes the previously active version active again.
    Rollback,
    /// Writes every label, or the approved copy, to a JSON Lines file
    /// beside the store.
    Export(ExportWhat),
    /// The review queue's next candidate for the analyst.
    Queue,
    /// `guidelines.md` beside the store.
    Guidelines,
}

/// The review queue's next candidate, and why it comes first.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    /// The shopper.
    pub user_id: String,
    /// The product, as the Recommended pane shows one.
    pub product: ProductRow,
    /// The candidate.
    pub generation_id: i64,
    /// Candidates the analyst has not labelled, this one included.
    pub left: u64,
    /// Why this one: the gate's need, or the newest copy.
    pub why: String,
}

/// What `:export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportWhat {
    /// Every label row (`exports/labels-<time>.jsonl`).
    Labels,
    /// The approved copy to publish (`exports/approved-<time>.jsonl`).
    Approved,
}

impl Query {
    /// Reads that a later query of the same kind makes pointless.
    pub(super) fn supersedes(&self, later: &Query) -> bool {
        matches!(
            (self, later),
            (Query::Shoppers { .. }, Query::Shoppers { .. })
                | (Query::Shopper { .. }, Query::Shopper { .. })
                | (Query::Candidates { .. }, Query::Candidates { .. })
                | (Query::Progress, Query::Progress)
                | (Query::SaveSession(_), Query::SaveSession(_))
        )
    }
}

/// What a candidate list answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidatesFrom {
    /// `Query::Candidates` with this tag (a later query supersedes it).
    Query(u64),
    /// The same, for the page older than the list's first candidate.
    Earlier(u64),
    /// Generation: the list after new candidates were stored, whatever the
    /// console shows by then.
    Generated,
}

/// What the console needs at start-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Startup {
    /// The analyst (the OS account).
    pub analyst: String,
    /// The active model version.
    pub active_model: Option<String>,
    /// Every version.
    pub models: Vec<ModelVersion>,
    /// Where the analyst left off.
    pub session: Option<serde_json::Value>,
    /// Their progress.
    pub progress: LabelProgress,
    /// A trainer job running in some process, as (kind, holder, started at).
    pub trainer: Option<(String, String, i64)>,
}

/// A page of shoppers.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopperPage {
    /// The rows, in list order.
    pub rows: Vec<ShopperRow>,
    /// The cursor for the page after these rows, if there may be one.
    pub next: Option<ShopperCursor>,
    /// Whether there are rows before these (unfiltered lists only).
    pub more_before: bool,
    /// The row to select, for [`PageFrom::Around`] and [`PageFrom::End`].
    pub select: Option<usize>,
    /// How many shoppers the list holds in all, loaded or not (with the
    /// first page, the last and a jump to one shopper).
    pub total: Option<u64>,
}

/// A recommended product.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductRow {
    /// External id.
    pub product_id: String,
    /// Title (untrusted).
    pub title: String,
    /// Category (untrusted).
    pub category: String,
    /// Brand (untrusted).
    pub brand: Option<String>,
    /// Price.
    pub price: Option<f64>,
    /// The recommender's score.
    pub score: f64,
    /// The catalog's own copy (untrusted).
    pub description: Option<String>,
    /// The catalog's attributes as (key, value) in words, e.g. `("eco",
    /// "yes")` (untrusted).
    pub facts: Vec<(String, String)>,
}

impl ProductRow {
    /// A catalog product as a row, with the recommender's `score`.
    pub fn of(p: crate::domain::Product, score: f64) -> Self {
        ProductRow {
            facts: p
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), ProductRow::fact_text(v)))
                .collect(),
            product_id: p.product_id,
            title: p.title,
            category: p.category,
            brand: p.brand,
            price: p.price,
            score,
            description: p.description,
        }
    }

    /// A catalog attribute in words: strings as they are, booleans as yes
    /// or no, lists joined.
    pub fn fact_text(value: &serde_json::Value) -> String {
        match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
            serde_json::Value::Array(items) => items
                .iter()
                .map(Self::fact_text)
                .collect::<Vec<_>>()
                .join(", "),
            serde_json::Value::Null => "-".into(),
            other => other.to_string(),
        }
    }
}

/// Everything the shopper pane shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopperView {
    /// The shopper.
    pub user_id: String,
    /// Personal data: `None` unless names may be shown.
    pub display_name: Option<String>,
    /// The summary.
    pub profile: Profile,
    /// Newest first.
    pub history: Vec<HistoryItem>,
    /// Best first.
    pub recommended: Vec<ProductRow>,
}

/// An answer from a lane.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Someone else committed to the store: views may be stale.
    StoreChanged,
    /// For [`Query::Startup`].
    Startup(Box<Startup>),
    /// For [`Query::Shoppers`].
    Shoppers {
        /// The query's tag.
        tag: u64,
        /// Whether the page continues the list (`After`/`Before`) or replaces it.
        from: PageFrom,
        /// The page.
        page: Result<ShopperPage, String>,
    },
    /// For [`Query::Shopper`].
    Shopper {
        /// The query's tag.
        tag: u64,
        /// The view.
        view: Result<Box<ShopperView>, String>,
    },
    /// For [`Query::Guidelines`]: the file's path and its text (`None`
    /// when there is no such file).
    Guidelines(Result<(String, Option<String>), String>),
    /// For [`Query::Queue`]: the next candidate, or none left.
    Queue(Result<Option<Box<QueueItem>>, String>),
    /// For [`Query::Candidates`], and after generating.
    Candidates {
        /// What asked for the list.
        from: CandidatesFrom,
        /// The shopper.
        user_id: String,
        /// The product.
        product_id: String,
        /// Oldest first.
        rows: Result<Vec<CandidateRow>, String>,
        /// Candidates just generated: the first of them is selected.
        new_ids: Vec<i64>,
        /// All the candidates for the shopper and product, and how many of
        /// them the analyst has labelled (the list holds a page of them).
        counts: (u64, u64),
    },
    /// For [`Query::Label`]: the label is committed.
    Labelled {
        /// The candidate.
        generation_id: i64,
        /// The label in effect now, or why it was not written.
        state: Result<LabelState, String>,
    },
    /// For [`Query::Undo`] and [`Query::Redo`].
    Reverted {
        /// True for undo.
        undo: bool,
        /// What changed; `Ok(None)` when there was nothing to do.
        result: Result<Option<Reverted>, String>,
    },
    /// Fresh progress counts.
    Progress(LabelProgress),
    /// The model registry.
    Models {
        /// Every version.
        models: Vec<ModelVersion>,
        /// The active one.
        active: Option<String>,
    },
    /// A line for the analyst (a promote done, an export written, ...).
    Notice {
        /// The text.
        text: String,
        /// Whether it reports a failure.
        error: bool,
    },
    /// For a model request.
    Explained {
        /// The candidate.
        generation_id: i64,
        /// The explanation, or why there is none.
        result: Result<super::explain::Explanation, String>,
    },
    /// Two versions side by side (`:compare`), or why not.
    Compared {
        /// The comparison.
        result: Result<crate::train::compare::Comparison, String>,
    },
    /// A model request could not run because no model exists yet.
    NoModel {
        /// What was asked.
        kind: JobKind,
    },
}
