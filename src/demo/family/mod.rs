//! The family of shops: structurally different demo shops (their own
//! categories, vocabulary, attribute keys and channels through which
//! shoppers' tastes show), made by one generator from one spec per shop,
//! so models are measured on all of them and tuned to none.
//!
//! Like the default demo, everything is drawn from ChaCha8 streams of one
//! seed (stream 0 the catalog, stream `i + 1` shopper `i`) and shoppers are
//! streamed one at a time, so memory does not grow with the number of users.

mod beauty;
mod books;
mod catalog;
mod garden;
mod kitchen;
mod shoppers;
pub mod spec;
mod texts;

#[cfg(test)]
mod tests;

use super::recent::Recent;
use super::{DemoOptions, DemoSummary, ShopSink};
use crate::domain::{Event, EventKind};
use catalog::Catalog;
pub(crate) use catalog::{fact_terms, likes};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use shoppers::{Planner, TextKind};
pub(crate) use texts::shared_templates;

/// Every shop of the family, by name.
pub static SPECS: [&spec::Spec; 4] = [&kitchen::SPEC, &garden::SPEC, &beauty::SPEC, &books::SPEC];

/// The spec of the family shop `name`.
pub fn spec(name: &str) -> Option<&'static spec::Spec> {
    SPECS.iter().copied().find(|s| s.name == name)
}

/// Generates `spec`'s shop for `opts` into `sink`, one shopper at a time.
pub fn generate<S: ShopSink>(
    spec: &'static spec::Spec,
    opts: &DemoOptions,
    sink: &mut S,
) -> Result<DemoSummary, S::Error> {
    let catalog = Catalog::build(spec, opts.seed);
    let mut summary = DemoSummary::default();
    for p in &catalog.products {
        sink.product(p)?;
        summary.products += 1;
    }
    let mut planner = Planner::new(spec, &catalog);
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
    let tastes = spec.tastes.len();

    for index in 0..opts.users {
        let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
        rng.set_stream(index as u64 + 1);
        let (user, shopper) = planner.plan(&mut rng, index);
        sink.user(&user, spec.tastes[shopper.taste].name)?;
        summary.users += 1;
        event.user_id.clear();
        event.user_id.push_str(&user.user_id);
        recent.clear();

        for rec in planner.events() {
            let item = &catalog.items[rec.product as usize];
            event.product_id.clear();
            event
                .product_id
                .push_str(&catalog.products[rec.product as usize].product_id);
            event.kind = rec.kind;
            event.ts = rec.ts;
            event.rating = (rec.rating > 0).then_some(rec.rating);
            let bought = recent
                .bought_recently(rec.product)
                .map(|p| &catalog.items[p as usize]);
            match rec.text {
                TextKind::None => {}
                TextKind::Copy => {
                    let mut text = std::mem::take(&mut text_buf);
                    let voice = shopper.voice(&mut rng, &spec.copy_voice, tastes);
                    texts::write_copy(&mut text, &mut rng, spec, item, voice, bought);
                    event.text = Some(text);
                    summary.purchases_with_copy += 1;
                }
                TextKind::Review => {
                    let mut text = std::mem::take(&mut text_buf);
                    let voice = shopper.voice(&mut rng, &spec.review_voice, tastes);
                    texts::write_review(&mut text, &mut rng, spec, item, voice, rec.rating, bought);
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
