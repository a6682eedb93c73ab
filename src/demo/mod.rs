//! The deterministic demo shop: a catalog, shoppers with hidden tastes, and
//! seven months of shopping history whose purchase copy is personalised.
//!
//! Everything is drawn from ChaCha8 streams derived from one seed: stream 0
//! builds the catalog, stream `i + 1` builds shopper `i`. Shoppers are
//! therefore independent of each other and are streamed to the sink one at a
//! time, so memory does not grow with the number of users.
//!
//! Besides this default shop, `family/` makes structurally different shops
//! from one spec each ([`Shop`], `tailor init --demo --shop NAME`), and
//! `judge.rs` holds, for evaluation only, each shop's judge and ceiling.

mod catalog;
mod copy;
mod family;
#[doc(hidden)]
pub mod judge;
mod phrases;
mod recent;
mod reviews;
mod shoppers;
mod template;
mod vocab;
mod words;

#[cfg(test)]
mod tests;

use crate::domain::{Event, EventKind, Product, User};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::fmt;

use catalog::Catalog;
use recent::Recent;
use shoppers::{Planner, TextKind};

/// First instant of the demo history (2026-04-01T00:00:00Z, Unix seconds):
/// seven months, so that the history spans more than six whatever the draw.
pub const WINDOW_START: i64 = 1_775_001_600;
/// End of the demo history, exclusive (2026-11-01T00:00:00Z, Unix seconds).
pub const WINDOW_END: i64 = 1_793_491_200;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Seed for every random choice; the same seed gives the same shop.
    pub seed: u64,
    /// Number of shoppers. Ids have 7 digits (`u0000001`), so lexical order
    /// is numeric order up to 9,999,999 shoppers.
    pub users: usize,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 42,
            users: 2000,
        }
    }
}

/// Hidden shopper tastes. Never stored in the users table; only in the ground-truth file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Taste {
    /// Looks for low prices and value.
    PriceConscious,
    /// Prefers sustainable materials.
    EcoMinded,
    /// Prefers premium brands and craftsmanship.
    Premium,
    /// Prefers soft, cosy, comfortable things.
    Comfort,
    /// Prefers gadgets and technical features.
    Tech,
}

impl Taste {
    /// Every taste, in a fixed order.
    pub const ALL: [Taste; 5] = [
        Taste::PriceConscious,
        Taste::EcoMinded,
        Taste::Premium,
        Taste::Comfort,
        Taste::Tech,
    ];

    /// The name used in the ground-truth file, e.g. `"price-conscious"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Taste::PriceConscious => "price-conscious",
            Taste::EcoMinded => "eco-minded",
            Taste::Premium => "premium",
            Taste::Comfort => "comfort",
            Taste::Tech => "tech",
        }
    }

    /// Position in [`Taste::ALL`], used to index per-taste tables.
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Taste {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Receives the generated shop, in order: products, then each user followed by
/// that user's events in time order.
pub trait DemoSink {
    /// The sink's own error, returned unchanged by [`generate`].
    type Error;
    /// One catalog product.
    fn product(&mut self, p: &Product) -> Result<(), Self::Error>;
    /// One shopper; `taste` is only for the ground-truth file.
    fn user(&mut self, u: &User, taste: Taste) -> Result<(), Self::Error>;
    /// One event of the shopper last passed to [`DemoSink::user`].
    fn event(&mut self, e: &Event) -> Result<(), Self::Error>;
}

/// Receives any shop of the family, the default included: like
/// [`DemoSink`], but a shopper's hidden taste comes as its name, since each
/// shop has tastes of its own.
pub trait ShopSink {
    /// The sink's own error, returned unchanged by [`Shop::generate`].
    type Error;
    /// One catalog product.
    fn product(&mut self, p: &Product) -> Result<(), Self::Error>;
    /// One shopper; `taste` (the name in the truth file) is only for the ground-truth file.
    fn user(&mut self, u: &User, taste: &str) -> Result<(), Self::Error>;
    /// One event of the shopper last passed to [`ShopSink::user`].
    fn event(&mut self, e: &Event) -> Result<(), Self::Error>;
}

/// Feeds the default demo's calls to a [`ShopSink`], its tastes by name.
struct ByName<'s, S>(&'s mut S);

impl<S: ShopSink> DemoSink for ByName<'_, S> {
    type Error = S::Error;
    fn product(&mut self, p: &Product) -> Result<(), S::Error> {
        self.0.product(p)
    }
    fn user(&mut self, u: &User, taste: Taste) -> Result<(), S::Error> {
        self.0.user(u, taste.as_str())
    }
    fn event(&mut self, e: &Event) -> Result<(), S::Error> {
        self.0.event(e)
    }
}

/// Names of every demo shop, the default first.
const SHOP_NAMES: [&str; 5] = ["default", "kitchen", "garden", "beauty", "books"];

/// Names of every demo shop `tailor init --demo --shop` accepts, the default first.
pub fn shop_names() -> &'static [&'static str] {
    &SHOP_NAMES
}

/// One of the demo shops: the default, or a shop of the family.
#[derive(Debug, Clone, Copy)]
pub struct Shop(Which);

#[derive(Debug, Clone, Copy)]
enum Which {
    Default,
    Family(&'static family::spec::Spec),
}

impl Shop {
    /// The default demo shop, the one [`generate`] makes.
    pub const DEFAULT: Shop = Shop(Which::Default);

    /// The shop called `name` (one of [`shop_names`]).
    pub fn named(name: &str) -> Option<Shop> {
        if name == "default" {
            return Some(Shop::DEFAULT);
        }
        family::spec(name).map(|s| Shop(Which::Family(s)))
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self.0 {
            Which::Default => "default",
            Which::Family(s) => s.name,
        }
    }

    /// Generates this shop for `opts` into `sink`, streaming one shopper at a time.
    pub fn generate<S: ShopSink>(
        self,
        opts: &DemoOptions,
        sink: &mut S,
    ) -> Result<DemoSummary, S::Error> {
        match self.0 {
            Which::Default => generate(opts, &mut ByName(sink)),
            Which::Family(spec) => family::generate(spec, opts, sink),
        }
    }
}

/// Counts of what [`generate`] produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DemoSummary {
    /// Shoppers.
    pub users: u64,
    /// Products.
    pub products: u64,
    /// Events of every kind.
    pub events: u64,
    /// Purchase events that carry the copy the shopper saw.
    pub purchases_with_copy: u64,
}

/// Formats a price as the copy and the fact slots write it: `$24.99`.
pub fn format_price(p: f64) -> String {
    format!("${p:.2}")
}

/// Generates the demo shop for `opts` into `sink`, streaming one shopper at a time.
pub fn generate<S: DemoSink>(opts: &DemoOptions, sink: &mut S) -> Result<DemoSummary, S::Error> {
    let catalog = Catalog::build(opts.seed);
    let mut summary = DemoSummary::default();
    for p in &catalog.products {
        sink.product(p)?;
        summary.products += 1;
    }

    let mut planner = Planner::new(&catalog);
    // One event value is reused for every call so the hot loop does not
    // allocate: ids are overwritten in place and the text buffer is recycled.
    let mut event = Event {
        user_id: String::with_capacity(8),
        product_id: String::with_capacity(8),
        kind: EventKind::View,
        ts: 0,
        rating: None,
        text: None,
    };
    let mut text_buf = String::with_capacity(256);
    let mut recent = Recent::default();

    for index in 0..opts.users {
        let mut rng = user_rng(opts.seed, index);
        let (user, taste) = planner.plan(&mut rng, index);
        sink.user(&user, taste)?;
        summary.users += 1;
        event.user_id.clear();
        event.user_id.push_str(&user.user_id);
        recent.clear();

        for rec in planner.events() {
            let meta = &catalog.meta[rec.product as usize];
            event.product_id.clear();
            event
                .product_id
                .push_str(&catalog.products[rec.product as usize].product_id);
            event.kind = rec.kind;
            event.ts = rec.ts;
            event.rating = (rec.rating > 0).then_some(rec.rating);
            let bought = recent
                .bought_recently(rec.product)
                .map(|p| &catalog.meta[p as usize]);
            match rec.text {
                TextKind::None => {}
                TextKind::Copy => {
                    let mut text = std::mem::take(&mut text_buf);
                    let voice = copy::Voice::shown_to(&mut rng, taste);
                    copy::write_copy(&mut text, &mut rng, meta, voice, bought);
                    event.text = Some(text);
                    summary.purchases_with_copy += 1;
                }
                TextKind::Review => {
                    let mut text = std::mem::take(&mut text_buf);
                    let voice = copy::Voice::reviewed_by(&mut rng, taste);
                    reviews::write_review(&mut text, &mut rng, meta, voice, rec.rating, bought);
                    event.text = Some(text);
                }
            }
            recent.record(rec.product, rec.kind);
            let sent = sink.event(&event);
            if let Some(text) = event.text.take() {
                text_buf = text;
            }
            sent?;
            summary.events += 1;
        }
    }
    Ok(summary)
}

/// The random stream of shopper `index`: independent of every other shopper,
/// so users can be generated one by one (stream 0 belongs to the catalog).
fn user_rng(seed: u64, index: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64 + 1);
    rng
}
