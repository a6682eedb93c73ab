//! Every screen of the console, built from fixed data through the real
//! `update` (no store, no model, no clock), for snapshot tests, the size
//! sweep, the escape-sequence test and the render benchmarks.

use super::event::Event;
use super::keymap::{Keymap, Pane};
use super::state::{Settings, State};
use super::theme::Theme;
use super::update::handle;
use crate::config::Config;
use crate::domain::{EventKind, HistoryItem};
use crate::jobs::explain::{Contribution, Explanation};
use crate::jobs::profile::summarise;
use crate::jobs::{
    CandidatesFrom, JobEvent, JobKind, JobProgress, JobUpdate, PageFrom, Reply, ShopperView,
    Startup,
};
use crate::jobs::{ProductRow, ShopperPage};
use crate::store::{
    CandidateRow, LabelProgress, LabelState, ModelVersion, ShopperCursor, ShopperRow, Verdict,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::sync::Arc;

/// Every screen's name, in the order they are built.
/// A house's labelling guidelines, as an analyst would write them.
const GUIDELINES: &str = "# Labelling guidelines

Thumbs-up copy we would publish as it is.

## Thumbs-down when

- it names a colour, material or feature the product does not have;
- it mentions a purchase the shopper never made;
- it stops mid-sentence, or runs over 40 words.

## Reasons

Use `fact` for a wrong fact, `generic` for copy that could be for anyone.";

pub const SCREENS: &[&str] = &[
    "loading",
    "first_run",
    "browse",
    "filter",
    "explain",
    "reason",
    "command",
    "confirm",
    "confirm_finetune",
    "models",
    "compare",
    "jobs",
    "help",
    "job_detail",
    "guidelines",
    "no_guidelines",
    "empty_store",
];

/// Turns a piece of untrusted text into what the store "holds": the
/// identity for snapshots, an attack for the escape-sequence test.
pub type Decorate = fn(&str) -> String;

/// v2 and v3 side by side for u0000007's half-zip, as `:compare` shows them.
fn comparison(d: Decorate) -> crate::jobs::Comparison {
    use crate::jobs::{CompareSide, GateCheck};
    let side = |version: &str, active: bool, texts: &[&str]| CompareSide {
        version: version.into(),
        kind: if active { "pretrain" } else { "finetune" }.into(),
        parent: (!active).then(|| "v2".into()),
        active,
        candidates: texts.iter().map(|t| d(t)).collect(),
        refused: 1,
        drawn: 13,
    };
    crate::jobs::Comparison {
        user_id: "u0000007".into(),
        product_id: "p00012".into(),
        product_title: d("Trailblazer Merino Half-Zip"),
        seed: 1,
        versions: vec![
            side(
                "v2",
                true,
                &[
                    "Soft merino that keeps you warm on the trail and dry by the fire.",
                    "A half-zip for every season.",
                ],
            ),
            side(
                "v3",
                false,
                &[
                    "Soft navy merino that keeps you warm on the trail.",
                    "In navy: the half-zip you reach for first.",
                ],
            ),
        ],
        gate: Some(d(
            "v3 favours what analysts approved over what they rejected, more than v2 did, in 71% of pairs from 38 held-out labels (50% is no change); its copy stays as faithful and as varied; promoted",
        )),
        checks: vec![
            GateCheck {
                check: "agreement".into(),
                passed: true,
                detail: d(
                    "v3 moved toward the analysts in 71% of the up/down pairs from 38 held-out labels (50% is no change); with 95% confidence at least 56%",
                ),
            },
            GateCheck {
                check: "variety".into(),
                passed: true,
                detail: d("distinct word pairs 0.44 (v2: 0.46; at most 10% less allowed)"),
            },
        ],
    }
}

/// The text as it is.
pub fn plain(s: &str) -> String {
    s.to_string()
}

const DAY: i64 = 86_400;
/// 2025-06-01, so that dates in snapshots never move.
const T0: i64 = 1_748_736_000;

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Event {
    Event::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn feed(state: &mut State, events: impl IntoIterator<Item = Event>) {
    for e in events {
        // The actions go nowhere: the answers they would bring are fed by hand.
        let _ = handle(state, e);
    }
}

fn settings() -> Settings {
    let config = Config::default();
    let mut s = Settings::from_config(&config, "ann".into());
    s.n_candidates = 4;
    s
}

/// A console before anything has come back.
pub fn blank() -> State {
    let keymap = Arc::new(Keymap::from_config(&Config::default().keys).expect("default keys"));
    State::new(settings(), keymap, Theme::new(false))
}

fn models(d: Decorate, with: bool) -> Vec<ModelVersion> {
    if !with {
        return Vec::new();
    }
    vec![
        ModelVersion {
            version: "v1".into(),
            parent: None,
            kind: "pretrain".into(),
            created_at: T0,
            active: false,
            metrics: serde_json::json!({"val_ppl": 18.204}),
            refused: None,
        },
        ModelVersion {
            version: "v2".into(),
            parent: None,
            kind: d("pretrain"),
            created_at: T0 + 3 * DAY,
            active: true,
            metrics: serde_json::json!({"val_ppl": 14.871}),
            refused: None,
        },
        ModelVersion {
            version: "v3".into(),
            parent: Some("v2".into()),
            kind: "finetune".into(),
            created_at: T0 + 4 * DAY,
            active: false,
            metrics: serde_json::json!({"val_ppl": 15.02, "gate": {"reason": d(
                "kept as a candidate: v3 favours what analysts approved more than v2 did, in 57% of pairs from 24 held-out labels, but its copy fails the faithfulness checks more often"
            )}}),
            refused: None,
        },
    ]
}

fn startup(state: &mut State, d: Decorate, model: bool) {
    let s = Startup {
        analyst: "ann".into(),
        active_model: model.then(|| "v2".into()),
        models: models(d, model),
        session: None,
        progress: LabelProgress {
            mine: 12,
            everyone: 40,
            candidates: 95,
            per_minute: 3.4,
            gate: crate::domain::GateProgress {
                held_out_shoppers: 3,
                held_up: 1,
                held_down: 9,
                new_up: 4,
                new_down: 26,
                short_up: 3,
                short_down: 0,
                min: 4,
            },
        },
        trainer: None,
    };
    state.settings.train_on_first_run = !model;
    feed(state, [Event::Reply(Reply::Startup(Box::new(s)))]);
}

fn shopper_rows(d: Decorate, n: usize) -> Vec<ShopperRow> {
    (1..=n)
        .map(|i| ShopperRow {
            user_id: format!("u{i:07}"),
            display_name: Some(d(&format!("Shopper Name {i}"))),
            orders: (i as u64 * 7) % 13,
            last_seen: Some(T0 - (i as i64 % 9) * DAY),
        })
        .collect()
}

fn shoppers(state: &mut State, d: Decorate, n: usize) {
    let page = ShopperPage {
        next: (n >= 30).then(|| ShopperCursor::AfterId(format!("u{n:07}"))),
        rows: shopper_rows(d, n),
        more_before: false,
        select: None,
        total: (n >= 30).then_some(2000),
    };
    let tag = state.shoppers.tag;
    feed(
        state,
        [Event::Reply(Reply::Shoppers {
            tag,
            from: PageFrom::Start,
            page: Ok(page),
        })],
    );
}

fn history(d: Decorate) -> Vec<HistoryItem> {
    let items = [
        (
            "Knitwear",
            "Trailblazer Merino Crew Sweater",
            54.99,
            EventKind::Purchase,
            Some("merino wool"),
        ),
        (
            "Knitwear",
            "Trailblazer Merino Crew Sweater",
            54.99,
            EventKind::Cart,
            Some("merino wool"),
        ),
        (
            "Knitwear",
            "Summit Cable Knit Cardigan",
            79.0,
            EventKind::View,
            Some("wool"),
        ),
        (
            "Outdoor Gear",
            "Ridge Ultralight Tent",
            249.0,
            EventKind::Review,
            Some("nylon"),
        ),
        (
            "Outdoor Gear",
            "Ridge Ultralight Tent",
            249.0,
            EventKind::Purchase,
            Some("nylon"),
        ),
        (
            "Outdoor Gear",
            "Pioneer Trekking Poles",
            39.5,
            EventKind::View,
            Some("aluminium"),
        ),
        (
            "Kitchen",
            "Nova Cast Iron Skillet",
            45.0,
            EventKind::Purchase,
            Some("cast iron"),
        ),
        (
            "Kitchen",
            "Nova Cutting Board",
            24.0,
            EventKind::View,
            Some("bamboo"),
        ),
        (
            "Wearables",
            "Breeze Sleep Band",
            89.0,
            EventKind::View,
            None,
        ),
        (
            "Knitwear",
            "Loopstitch Alpaca Beanie",
            29.0,
            EventKind::Purchase,
            Some("alpaca"),
        ),
        (
            "Home",
            "Hearth Linen Throw",
            64.0,
            EventKind::View,
            Some("linen"),
        ),
        (
            "Home",
            "Hearth Linen Throw",
            64.0,
            EventKind::Cart,
            Some("linen"),
        ),
    ];
    items
        .iter()
        .enumerate()
        .map(|(i, (cat, title, price, kind, material))| HistoryItem {
            product_id: format!("p{:05}", 100 + i),
            title: d(title),
            category: d(cat),
            price: Some(*price),
            material: material.map(d),
            kind: *kind,
            ts: T0 - (i as i64) * 4 * DAY,
            rating: (*kind == EventKind::Review).then_some(5),
            text: (*kind == EventKind::Review).then(|| d("Light and dry all weekend")),
        })
        .collect()
}

fn products(d: Decorate) -> Vec<ProductRow> {
    [
        ("Trailblazer Merino Half-Zip", "Knitwear", 69.0),
        ("Summit Down Vest", "Outdoor Gear", 129.0),
        ("Loopstitch Wool Socks, 3 pairs", "Knitwear", 19.5),
        ("Ridge Camp Stove", "Outdoor Gear", 89.0),
        ("Hearth Wool Blanket", "Home", 110.0),
        ("Nova Enamel Dutch Oven", "Kitchen", 139.0),
    ]
    .iter()
    .enumerate()
    .map(|(i, (title, cat, price))| ProductRow {
        product_id: format!("p{:05}", 31 + i),
        title: d(title),
        category: d(cat),
        brand: Some(d("Loopstitch")),
        price: Some(*price),
        score: 10.0 - i as f64,
        description: Some(d(
            "Knitted from fine merino that breathes on the climb and warms at camp.",
        )),
        facts: vec![
            ("color".into(), d("navy")),
            ("material".into(), d("merino wool")),
            ("feature".into(), d("half-zip collar")),
            ("eco".into(), "no".into()),
        ],
    })
    .collect()
}

fn open_shopper(state: &mut State, d: Decorate) {
    // Enter on the seventh shopper.
    feed(state, (0..6).map(|_| key('j')));
    feed(state, [code(KeyCode::Enter)]);
    let history = history(d);
    let view = ShopperView {
        user_id: "u0000007".into(),
        display_name: None,
        profile: summarise(&history, false),
        history,
        recommended: products(d),
    };
    let tag = state.shopper.tag;
    feed(
        state,
        [Event::Reply(Reply::Shopper {
            tag,
            view: Ok(Box::new(view)),
        })],
    );
}

fn candidate_rows(d: Decorate) -> Vec<CandidateRow> {
    let texts = [
        "Soft merino that keeps you warm on the trail and dry by the fire. The half-zip opens when the climb gets steep.",
        "A half-zip for every season.",
        "You loved the Trailblazer crew; this is its lighter sibling, in the same merino wool and a navy that goes with everything you already own.",
        "Warm. Light. Merino.",
    ];
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| CandidateRow {
            generation_id: 101 + i as i64,
            model_version: "v2".into(),
            text: d(t),
            logprob: -38.5 - 7.25 * i as f64,
            created_at: T0,
            label: match i {
                0 => Some(LabelState {
                    label_id: 7,
                    verdict: Verdict::Up,
                    reason: Some(d("great-hook")),
                    note: Some(d("uses the tent purchase")),
                }),
                1 => Some(LabelState {
                    label_id: 8,
                    verdict: Verdict::Down,
                    reason: Some(d("generic")),
                    note: None,
                }),
                _ => None,
            },
        })
        .collect()
}

fn candidates(state: &mut State, d: Decorate) {
    let tag = state.candidates.tag;
    feed(
        state,
        [Event::Reply(Reply::Candidates {
            from: CandidatesFrom::Query(tag),
            user_id: "u0000007".into(),
            product_id: "p00031".into(),
            rows: Ok(candidate_rows(d)),
            new_ids: Vec::new(),
            counts: (4, 2),
        })],
    );
}

fn training(state: &mut State, d: Decorate, id: u64) {
    feed(
        state,
        [Event::Job(JobEvent {
            id,
            update: JobUpdate::Started {
                kind: JobKind::Pretrain,
                by: "ann".into(),
                what: d("new model version"),
                cancellable: true,
            },
        })],
    );
    for step in (0..=120).step_by(3) {
        let loss = 5.2 - 1.4 * (step as f64 / 120.0) + 0.08 * ((step as f64) * 0.7).sin();
        feed(
            state,
            [Event::Job(JobEvent {
                id,
                update: JobUpdate::Progress(JobProgress {
                    phase: "training".into(),
                    step,
                    total: 800,
                    loss: Some(loss),
                    val_loss: (step >= 100).then_some(3.912),
                    eta_s: Some(252.0 + (120 - step) as f64),
                    tokens_per_s: Some(5400.0),
                }),
            })],
        );
    }
}

fn finished_jobs(state: &mut State, d: Decorate) {
    let done = [
        (
            21,
            JobKind::Generate,
            "4 candidates for u0000007 × p00031",
            JobUpdate::Finished {
                summary: d("4 candidates from v2"),
                active_model: None,
            },
        ),
        (
            22,
            JobKind::Explain,
            "candidate #101",
            JobUpdate::Failed {
                error: d("loading v1, which wrote this candidate: missing model.safetensors"),
            },
        ),
    ];
    for (id, kind, what, end) in done {
        feed(
            state,
            [
                Event::Job(JobEvent {
                    id,
                    update: JobUpdate::Started {
                        kind,
                        by: "ann".into(),
                        what: d(what),
                        cancellable: false,
                    },
                }),
                Event::Job(JobEvent { id, update: end }),
            ],
        );
    }
}

fn explanation(d: Decorate) -> Explanation {
    let h = history(d);
    let pick = |i: usize, delta: f64| Contribution {
        kind: h[i].kind,
        product_id: h[i].product_id.clone(),
        title: h[i].title.clone(),
        category: h[i].category.clone(),
        delta,
    };
    Explanation {
        model_version: "v2".into(),
        logprob: -52.31,
        tokens: 41,
        items: vec![
            pick(0, 2.41),
            pick(3, 0.87),
            pick(6, 0.12),
            pick(9, -0.05),
            pick(10, -0.64),
        ],
    }
}

/// The state of screen `name`, with every untrusted string passed through
/// `d`. Panics on an unknown name (a test bug).
pub fn screen(name: &str, d: Decorate) -> State {
    let mut s = blank();
    if name == "loading" {
        return s;
    }
    let model = name != "first_run";
    startup(&mut s, d, model);
    if name == "empty_store" {
        shoppers(&mut s, d, 0);
        return s;
    }
    shoppers(&mut s, d, 30);
    if name == "first_run" {
        training(&mut s, d, 1);
        return s;
    }
    open_shopper(&mut s, d);
    candidates(&mut s, d);
    training(&mut s, d, 1);
    // Focus the candidates, and select the first one not labelled.
    feed(
        &mut s,
        [code(KeyCode::Tab), code(KeyCode::Tab), code(KeyCode::Tab)],
    );
    s.notice(d("v2 is now active: val_ppl 14.87 after 800 steps"));
    match name {
        "browse" => {}
        "filter" => {
            feed(&mut s, [key('/')]);
            feed(&mut s, "u00000".chars().map(key));
            let tag = s.shoppers.tag;
            feed(
                &mut s,
                [Event::Reply(Reply::Shoppers {
                    tag,
                    from: PageFrom::Start,
                    page: Ok(ShopperPage {
                        rows: shopper_rows(d, 9),
                        next: None,
                        more_before: false,
                        select: None,
                        total: Some(9),
                    }),
                })],
            );
        }
        "explain" => {
            feed(&mut s, [key('e')]);
            feed(
                &mut s,
                [Event::Reply(Reply::Explained {
                    generation_id: 103,
                    result: Ok(explanation(d)),
                })],
            );
        }
        "reason" => {
            feed(&mut s, [key('k'), key('k'), key('r')]);
            feed(&mut s, " too bland".chars().map(key));
        }
        "command" => {
            feed(
                &mut s,
                [key(':'), key('p'), key('r'), key('o'), code(KeyCode::Tab)],
            );
        }
        "confirm" => {
            feed(&mut s, [key(':')]);
            feed(&mut s, "rollback".chars().map(key));
            feed(&mut s, [code(KeyCode::Enter)]);
        }
        "compare" => {
            feed(&mut s, [key(':')]);
            feed(&mut s, "compare v2 v3".chars().map(key));
            feed(&mut s, [code(KeyCode::Enter)]);
            feed(
                &mut s,
                [Event::Reply(Reply::Compared {
                    result: Ok(comparison(d)),
                })],
            );
        }
        "confirm_finetune" => {
            // Nothing else training here, and enough held out to judge.
            s.jobs.clear();
            s.progress.gate.short_up = 0;
            s.progress.gate.held_up = 4;
            feed(&mut s, [key('t')]);
        }
        "models" => {
            feed(&mut s, [key(':')]);
            feed(&mut s, "models".chars().map(key));
            feed(&mut s, [code(KeyCode::Enter)]);
        }
        "jobs" => {
            finished_jobs(&mut s, d);
            s.focus = Pane::Jobs;
            feed(&mut s, [key('j')]);
        }
        "help" => feed(&mut s, [key('?')]),
        "job_detail" => {
            finished_jobs(&mut s, d);
            s.focus = Pane::Jobs;
            feed(&mut s, [key('j'), code(KeyCode::Enter)]);
        }
        "guidelines" => {
            feed(&mut s, [key('G')]);
            feed(
                &mut s,
                [Event::Reply(Reply::Guidelines(Ok((
                    "/srv/shop/guidelines.md".into(),
                    Some(d(GUIDELINES)),
                ))))],
            );
        }
        "no_guidelines" => {
            feed(&mut s, [key('G')]);
            feed(
                &mut s,
                [Event::Reply(Reply::Guidelines(Ok((
                    "/srv/shop/guidelines.md".into(),
                    None,
                ))))],
            );
        }
        other => panic!("no screen {other:?}"),
    }
    s
}
