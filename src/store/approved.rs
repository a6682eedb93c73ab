//! The approved copy: what a shop can load and publish.
//!
//! A candidate is *approved* when the newest label in effect on it, across
//! analysts, is up (a later thumbs-down from anyone withdraws it). Per
//! shopper × product the newest approval is the copy to publish; per
//! product, the text approved for the most shoppers is the one to use for
//! everyone else.

use super::{Store, StoreError};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;

/// Whom an approved text is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ApprovedScope {
    /// One shopper, for one product.
    Shopper,
    /// Every shopper of a product without copy of their own.
    Product,
}

/// One line of `tailor export approved`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovedCopy {
    /// Whom it is for.
    pub scope: ApprovedScope,
    /// The product.
    pub product_id: String,
    /// The shopper (none for product-wide copy).
    pub user_id: Option<String>,
    /// The text to publish.
    pub text: String,
    /// The model version that wrote it.
    pub model_version: String,
    /// The candidate's id.
    pub generation_id: i64,
    /// Who approved it (the newest approval).
    pub analyst: String,
    /// When, Unix seconds.
    pub approved_at: i64,
    /// Shoppers this exact text is approved for, for this product.
    pub shoppers: u64,
}

/// How much an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ApprovedCounts {
    /// Shopper × product texts.
    pub shopper_texts: u64,
    /// Product-wide texts.
    pub product_texts: u64,
}

impl std::fmt::Display for ApprovedCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = |n: u64| if n == 1 { "" } else { "s" };
        write!(
            f,
            "{} approved text{} for shoppers and {} for product{}",
            self.shopper_texts,
            s(self.shopper_texts),
            self.product_texts,
            s(self.product_texts)
        )
    }
}

/// How `tailor export approved` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApprovedFormat {
    /// One JSON object a line.
    #[default]
    Jsonl,
    /// A header and one row a text.
    Csv,
}

impl Store {
    /// The approved copy: first the newest approval per shopper × product
    /// (by shopper, then product), then per product the text approved for
    /// the most shoppers (ties to the newest).
    pub fn approved_copy(&self) -> Result<Vec<ApprovedCopy>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT g.id, u.user_id, p.product_id, g.model_version, g.text, e.analyst, e.created_at
                 FROM labels_in_effect e
                 JOIN generations g ON g.id = e.generation
                 JOIN users u ON u.id = g.user
                 JOIN products p ON p.id = g.product
                 WHERE e.label = 'up'
                   AND e.id = (SELECT max(x.id) FROM labels_in_effect x
                               WHERE x.generation = e.generation)
                 ORDER BY u.user_id, p.product_id, e.created_at DESC, e.id DESC",
            )
            .map_err(|e| self.err(e))?;
        let all: Vec<ApprovedCopy> = stmt
            .query_map([], |r| {
                Ok(ApprovedCopy {
                    scope: ApprovedScope::Shopper,
                    generation_id: r.get(0)?,
                    user_id: Some(r.get(1)?),
                    product_id: r.get(2)?,
                    model_version: r.get(3)?,
                    text: r.get(4)?,
                    analyst: r.get(5)?,
                    approved_at: r.get(6)?,
                    shoppers: 1,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        // Shoppers per (product, text), over every approval.
        let mut approvals: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
        for a in &all {
            let users = approvals
                .entry((a.product_id.as_str(), a.text.as_str()))
                .or_default();
            let user = a.user_id.as_deref().unwrap_or_default();
            if !users.contains(&user) {
                users.push(user);
            }
        }
        let shoppers_for = |a: &ApprovedCopy| {
            approvals
                .get(&(a.product_id.as_str(), a.text.as_str()))
                .map_or(1, |u| u.len() as u64)
        };
        let mut out: Vec<ApprovedCopy> = Vec::new();
        let mut best: HashMap<&str, &ApprovedCopy> = HashMap::new();
        for a in &all {
            let newest_for_pair = out.last().is_none_or(|prev| {
                (prev.user_id.as_deref(), prev.product_id.as_str())
                    != (a.user_id.as_deref(), a.product_id.as_str())
            });
            if newest_for_pair {
                out.push(ApprovedCopy {
                    shoppers: shoppers_for(a),
                    ..a.clone()
                });
            }
            let key = (shoppers_for(a), a.approved_at, a.generation_id);
            best.entry(a.product_id.as_str())
                .and_modify(|b| {
                    if key > (shoppers_for(b), b.approved_at, b.generation_id) {
                        *b = a;
                    }
                })
                .or_insert(a);
        }
        let mut products: Vec<ApprovedCopy> = best
            .into_values()
            .map(|a| ApprovedCopy {
                scope: ApprovedScope::Product,
                user_id: None,
                shoppers: shoppers_for(a),
                ..a.clone()
            })
            .collect();
        products.sort_by(|a, b| a.product_id.cmp(&b.product_id));
        out.extend(products);
        Ok(out)
    }

    /// Writes [`Store::approved_copy`] to `out` as `format`.
    pub fn export_approved(
        &self,
        out: &mut dyn Write,
        format: ApprovedFormat,
    ) -> Result<ApprovedCounts, StoreError> {
        let rows = self.approved_copy()?;
        let io = |source: std::io::Error| StoreError::Io {
            path: self.path.display().to_string(),
            source,
        };
        match format {
            ApprovedFormat::Jsonl => {
                for row in &rows {
                    let line = serde_json::to_string(row).map_err(|e| io(e.into()))?;
                    writeln!(out, "{line}").map_err(io)?;
                }
            }
            ApprovedFormat::Csv => {
                let mut w = csv::Writer::from_writer(&mut *out);
                for row in &rows {
                    w.serialize(row).map_err(|e| io(e.into()))?;
                }
                if rows.is_empty() {
                    w.write_record([
                        "scope",
                        "product_id",
                        "user_id",
                        "text",
                        "model_version",
                        "generation_id",
                        "analyst",
                        "approved_at",
                        "shoppers",
                    ])
                    .map_err(|e| io(e.into()))?;
                }
                w.flush().map_err(io)?;
            }
        }
        let shopper_texts = rows
            .iter()
            .filter(|r| r.scope == ApprovedScope::Shopper)
            .count() as u64;
        Ok(ApprovedCounts {
            shopper_texts,
            product_texts: rows.len() as u64 - shopper_texts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Labeller, NewGeneration, Verdict};

    fn by(analyst: &str) -> Labeller {
        Labeller::console(analyst, 1)
    }

    /// Two shoppers, two products, and candidates `(user, product, text)`.
    fn store_with(candidates: &[(&str, &str, &str)]) -> (Store, Vec<i64>) {
        let mut store = Store::open_in_memory().unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO products (id, product_id, title, category) VALUES (1, 'p1', 'Tee', 'tops'), (2, 'p2', 'Mug', 'home');
                 INSERT INTO users (id, user_id) VALUES (1, 'u1'), (2, 'u2');",
            )
            .unwrap();
        store
            .register_model("v1", None, "pretrain", &serde_json::json!({}), Some("x"))
            .unwrap();
        let rows: Vec<NewGeneration> = candidates
            .iter()
            .map(|(u, p, t)| NewGeneration {
                user_id: u.to_string(),
                product_id: p.to_string(),
                model_version: "v1".into(),
                text: t.to_string(),
                logprob: -1.0,
                sampling: serde_json::json!({}),
            })
            .collect();
        let ids = store.insert_generations(&rows).unwrap();
        (store, ids)
    }

    #[test]
    fn the_newest_approval_per_shopper_and_the_most_approved_text_per_product() {
        let (mut store, ids) = store_with(&[
            ("u1", "p1", "Soft cotton tee."),
            ("u1", "p1", "A tee in navy."),
            ("u2", "p1", "Soft cotton tee."),
            ("u2", "p1", "Plain tee."),
            ("u1", "p2", "A mug."),
            ("u2", "p2", "A big mug."),
        ]);
        let up = |store: &mut Store, id: i64, who: &str| {
            store
                .add_label(id, Verdict::Up, None, None, &by(who))
                .unwrap();
        };
        up(&mut store, ids[0], "ann");
        up(&mut store, ids[1], "ann"); // newer: u1's copy for p1
        up(&mut store, ids[2], "bob");
        up(&mut store, ids[3], "bob");
        // u2's "Plain tee." is withdrawn by a later thumbs-down from ann.
        store
            .add_label(ids[3], Verdict::Down, None, None, &by("ann"))
            .unwrap();
        up(&mut store, ids[4], "ann");
        // u2's mug copy was only ever turned down.
        store
            .add_label(ids[5], Verdict::Down, None, None, &by("bob"))
            .unwrap();
        let rows = store.approved_copy().unwrap();
        let shown: Vec<(ApprovedScope, Option<&str>, &str, &str, u64)> = rows
            .iter()
            .map(|r| {
                (
                    r.scope,
                    r.user_id.as_deref(),
                    r.product_id.as_str(),
                    r.text.as_str(),
                    r.shoppers,
                )
            })
            .collect();
        use ApprovedScope::{Product, Shopper};
        assert_eq!(
            shown,
            [
                (Shopper, Some("u1"), "p1", "A tee in navy.", 1),
                (Shopper, Some("u1"), "p2", "A mug.", 1),
                (Shopper, Some("u2"), "p1", "Soft cotton tee.", 2),
                (Product, None, "p1", "Soft cotton tee.", 2),
                (Product, None, "p2", "A mug.", 1),
            ]
        );
        assert_eq!(rows[2].analyst, "bob");

        let mut jsonl = Vec::new();
        let n = store
            .export_approved(&mut jsonl, ApprovedFormat::Jsonl)
            .unwrap();
        assert_eq!(
            n.to_string(),
            "3 approved texts for shoppers and 2 for products"
        );
        let first: serde_json::Value =
            serde_json::from_str(String::from_utf8(jsonl).unwrap().lines().next().unwrap())
                .unwrap();
        assert_eq!(first["scope"], "shopper");
        assert_eq!(first["generation_id"], ids[1]);

        let mut csv_out = Vec::new();
        store
            .export_approved(&mut csv_out, ApprovedFormat::Csv)
            .unwrap();
        let text = String::from_utf8(csv_out).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some(
                "scope,product_id,user_id,text,model_version,generation_id,analyst,approved_at,shoppers"
            )
        );
        assert!(lines.last().unwrap().starts_with("product,p2,,A mug.,v1,"));
    }

    #[test]
    fn nothing_approved_is_a_header_alone() {
        let (store, _) = store_with(&[("u1", "p1", "A tee.")]);
        let mut out = Vec::new();
        let n = store
            .export_approved(&mut out, ApprovedFormat::Csv)
            .unwrap();
        assert_eq!(n, ApprovedCounts::default());
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 1);
    }
}
