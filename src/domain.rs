//! Plain data shared by every layer: shoppers, products, events.
//!
//! Nothing here does I/O; the store reads and writes these, the demo shop and
//! the importers produce them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A product attribute value: the data contract allows strings, numbers and bools.
pub type Attributes = serde_json::Map<String, serde_json::Value>;

/// A catalog product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Unique, non-empty external id.
    pub product_id: String,
    /// Display title.
    pub title: String,
    /// Category name.
    pub category: String,
    /// Brand, if known.
    pub brand: Option<String>,
    /// Price, a decimal >= 0.
    pub price: Option<f64>,
    /// The catalog's own copy.
    pub description: Option<String>,
    /// Flat attributes such as `material`, `color`, `eco`.
    pub attributes: Attributes,
}

/// A shopper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Unique external id.
    pub user_id: String,
    /// Personal data: shown only when the config allows names.
    pub display_name: Option<String>,
    /// Free-form attributes.
    pub attributes: Attributes,
}

/// What a shopper did with a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// Looked at the product page.
    View,
    /// Put it in the cart.
    Cart,
    /// Bought it; `text` may hold the copy the shopper saw.
    Purchase,
    /// Reviewed it; `text` holds the review, `rating` the stars.
    Review,
}

impl EventKind {
    /// Every kind, in funnel order.
    pub const ALL: [EventKind; 4] = [
        EventKind::View,
        EventKind::Cart,
        EventKind::Purchase,
        EventKind::Review,
    ];

    /// The name used in files and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::View => "view",
            EventKind::Cart => "cart",
            EventKind::Purchase => "purchase",
            EventKind::Review => "review",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("expected one of view, cart, purchase, review, got {s:?}"))
    }
}

/// One step of a shopper's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The shopper's external id.
    pub user_id: String,
    /// The product's external id.
    pub product_id: String,
    /// What happened.
    pub kind: EventKind,
    /// Unix seconds.
    pub ts: i64,
    /// Stars, 1 to 5.
    pub rating: Option<u8>,
    /// Review text, or the copy the shopper saw before buying.
    pub text: Option<String>,
}

/// Counts of what the store holds, as `tailor stats` prints them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Shoppers.
    pub users: u64,
    /// Products.
    pub products: u64,
    /// Events.
    pub events: u64,
    /// Generated candidates.
    pub generations: u64,
    /// Labels in effect: each analyst's current label on each candidate,
    /// what fine-tuning learns from (see `store::LabelCounts`).
    pub labels: u64,
    /// Label rows: every thumbs-up or thumbs-down recorded, replaced and
    /// undone ones included (one line each in `tailor export labels`).
    pub label_rows: u64,
    /// Candidates with a label in effect by anyone.
    pub labelled_candidates: u64,
    /// The active model version, if any.
    pub active_model: Option<String>,
}

/// One event of a shopper's history, with the product it concerns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryItem {
    /// Product external id.
    pub product_id: String,
    /// Product title.
    pub title: String,
    /// Product category.
    pub category: String,
    /// Product price.
    pub price: Option<f64>,
    /// The product's `material` attribute: with price and category, what
    /// shows a shopper's taste (recycled, merino, fleece...).
    pub material: Option<String>,
    /// What happened.
    pub kind: EventKind,
    /// Unix seconds.
    pub ts: i64,
    /// Stars, for reviews.
    pub rating: Option<u8>,
    /// Review text or the copy seen.
    pub text: Option<String>,
}

/// How far the labels are from letting the promotion gate judge the next
/// fine-tune: the held-out labels it has and those it lacks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GateProgress {
    /// Shoppers whose labels are held out.
    pub held_out_shoppers: usize,
    /// Held-out up labels.
    pub held_up: usize,
    /// Held-out down labels.
    pub held_down: usize,
    /// New up labels to learn from.
    pub new_up: usize,
    /// New down labels to learn from.
    pub new_down: usize,
    /// Held-out up labels short of the minimum.
    pub short_up: usize,
    /// Held-out down labels short of the minimum.
    pub short_down: usize,
    /// The minimum of each kind (`[finetune] held_out_min`).
    pub min: usize,
}

impl GateProgress {
    /// Whether the gate can judge a fine-tune now.
    pub fn can_judge(&self) -> bool {
        (self.short_up, self.short_down) == (0, 0)
    }

    /// What to label before the gate can judge, in words, or `None`. A
    /// shortfall is met by new labels on shoppers not yet learned from, of
    /// which about half are held out and half learned from.
    pub fn needs(&self) -> Option<String> {
        if self.can_judge() {
            return None;
        }
        let more = |n: usize, what: &str| (n > 0).then(|| format!("{} more {what}", 2 * n));
        let asks: Vec<String> = [
            more(self.short_up, "up-labels"),
            more(self.short_down, "down-labels"),
        ]
        .into_iter()
        .flatten()
        .collect();
        Some(format!(
            "to judge a fine-tune the gate needs {min} held-out up-labels and {min} down-labels, and has {} up and {} down: label about {} on shoppers not yet learned from",
            self.held_up,
            self.held_down,
            asks.join(" and "),
            min = self.min
        ))
    }

    /// One short line for the console's header: "gate: 6↑ 15↓ held out"
    /// or "gate needs 6 more ↑".
    pub fn short_text(&self) -> String {
        if self.can_judge() {
            return format!("gate: {}↑ {}↓ held out", self.held_up, self.held_down);
        }
        let mut parts = Vec::new();
        if self.short_up > 0 {
            parts.push(format!("{}↑", 2 * self.short_up));
        }
        if self.short_down > 0 {
            parts.push(format!("{}↓", 2 * self.short_down));
        }
        format!("gate needs ~{} more", parts.join(" "))
    }
}
