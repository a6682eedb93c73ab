//! A shopper's profile at a glance, from their recent history: what they
//! buy, at what price, and how active they have been lately.

use crate::domain::{EventKind, HistoryItem};
use crate::text::prompt::price_band;
use serde::Serialize;
use std::collections::HashMap;

/// Days of "recent" activity, counted back from the shopper's newest event
/// (not from today: a store can hold old data).
pub const RECENT_DAYS: i64 = 30;

/// The summary shown above a shopper's history.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Profile {
    /// Events the summary was made from (the newest ones).
    pub events: usize,
    /// Whether the shopper has older events than these.
    pub truncated: bool,
    /// Categories by weighted interest (purchase 3, cart or review 2,
    /// view 1), with their share in percent, best first, at most three.
    pub top_categories: Vec<(String, u32)>,
    /// The price band of the median product bought (or, with no purchase,
    /// looked at).
    pub price_band: Option<String>,
    /// Unix seconds of the oldest and newest event summarised.
    pub span: Option<(i64, i64)>,
    /// Events of each kind in the last [`RECENT_DAYS`] days before the
    /// newest: view, cart, purchase, review.
    pub recent: [usize; 4],
}

fn weight(kind: EventKind) -> u32 {
    match kind {
        EventKind::Purchase => 3,
        EventKind::Cart | EventKind::Review => 2,
        EventKind::View => 1,
    }
}

/// Summarises `history` (newest first, as the store pages it); `truncated`
/// says the shopper has more than was read.
pub fn summarise(history: &[HistoryItem], truncated: bool) -> Profile {
    let mut weights: HashMap<&str, u32> = HashMap::new();
    for h in history {
        *weights.entry(h.category.as_str()).or_default() += weight(h.kind);
    }
    let total: u32 = weights.values().sum();
    let mut cats: Vec<(&str, u32)> = weights.into_iter().collect();
    cats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let top_categories = cats
        .into_iter()
        .take(3)
        .map(|(c, w)| {
            let share = (100.0 * w as f64 / total.max(1) as f64).round() as u32;
            (c.to_string(), share)
        })
        .collect();
    let prices = |only_bought: bool| -> Vec<f64> {
        history
            .iter()
            .filter(|h| !only_bought || h.kind == EventKind::Purchase)
            .filter_map(|h| h.price)
            .filter(|p| p.is_finite() && *p > 0.0)
            .collect()
    };
    let mut bought = prices(true);
    if bought.is_empty() {
        bought = prices(false);
    }
    bought.sort_by(f64::total_cmp);
    let price_band = bought.get(bought.len() / 2).map(|&p| price_band(p));
    let newest = history.iter().map(|h| h.ts).max();
    let oldest = history.iter().map(|h| h.ts).min();
    let mut recent = [0usize; 4];
    if let Some(newest) = newest {
        let since = newest - RECENT_DAYS * 86_400;
        for h in history.iter().filter(|h| h.ts > since) {
            let i = EventKind::ALL
                .iter()
                .position(|k| *k == h.kind)
                .unwrap_or(0);
            recent[i] += 1;
        }
    }
    Profile {
        events: history.len(),
        truncated,
        top_categories,
        price_band,
        span: oldest.zip(newest),
        recent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(category: &str, kind: EventKind, price: f64, ts: i64) -> HistoryItem {
        HistoryItem {
            product_id: format!("p-{category}-{ts}"),
            title: "t".into(),
            category: category.into(),
            price: Some(price),
            material: None,
            kind,
            ts,
            rating: None,
            text: None,
        }
    }

    #[test]
    fn weights_purchases_over_views_and_bands_the_median_purchase() {
        let day = 86_400;
        let history = vec![
            item("tops", EventKind::Purchase, 40.0, 100 * day),
            item("shoes", EventKind::View, 500.0, 99 * day),
            item("shoes", EventKind::View, 500.0, 98 * day),
            item("tops", EventKind::Purchase, 60.0, 50 * day),
            item("home", EventKind::Purchase, 20.0, 10 * day),
        ];
        let p = summarise(&history, false);
        assert_eq!(p.top_categories[0], ("tops".to_string(), 55));
        assert_eq!(p.top_categories.len(), 3);
        assert_eq!(p.price_band.as_deref(), Some("$40"));
        assert_eq!(p.recent, [2, 0, 1, 0]);
        assert_eq!(p.span, Some((10 * day, 100 * day)));
        assert_eq!(summarise(&[], false), Profile::default());
    }
}
