//! Key handling and the answers from the jobs layer: a pure
//! `update(&mut State, Event) -> Action`, tested without a terminal.
//!
//! Keys are in `keys`, answers and job news in `replies`; what both need
//! (opening a shopper, paging the list) is here.

pub(crate) mod keys;
mod replies;

use keys::on_key;
use replies::{on_job, on_reply};

use super::commands;
use super::event::{Action, Event};
use super::keymap::{KeyAction, Pane};
use super::state::{
    Confirm, JobItem, JobState, LOSS_POINTS, LineInput, Mode, Pending, Session, State,
};
use crate::jobs::ProductRow;
use crate::jobs::{
    CandidatesFrom, JobEvent, JobKind, JobUpdate, ModelRequest, PageFrom, Query, Reply,
};
use crate::store::{ShopperCursor, Verdict};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Rows a page key moves.
pub const PAGE_ROWS: usize = 10;
/// Shopper rows kept in the list window; older pages are dropped.
pub const MAX_SHOPPER_ROWS: usize = 1000;
/// Longest filter, command or reason typed.
pub const MAX_INPUT: usize = 200;

/// Handles `event`, then the keys it held back while a write was in flight
/// once that write is committed. Returns what the main loop must do, in order.
pub fn handle(state: &mut State, event: Event) -> Vec<Action> {
    let mut out = update(state, event).flatten();
    while state.pending.is_none() {
        let Some(key) = state.deferred.pop_front() else {
            break;
        };
        out.extend(update(state, Event::Key(key)).flatten());
    }
    out
}

/// Applies one event to the state and says what must happen outside it.
pub fn update(state: &mut State, event: Event) -> Action {
    match event {
        Event::Key(key) => {
            if key.kind == KeyEventKind::Release {
                return Action::None;
            }
            if state.pending.is_some() {
                // In order, after the write: `y n` must label two candidates.
                state.deferred.push_back(key);
                return Action::None;
            }
            state.dirty = true;
            on_key(state, key)
        }
        Event::Paste(text) => {
            let input = match &mut state.mode {
                Mode::Filter => Some(&mut state.shoppers.filter),
                Mode::Command(line) | Mode::Reason { input: line, .. } => Some(&mut line.text),
                _ => None,
            };
            let Some(input) = input else {
                return Action::None;
            };
            for c in text.chars().filter(|c| !c.is_control()) {
                if input.chars().count() < MAX_INPUT {
                    input.push(c);
                }
            }
            state.dirty = true;
            if state.mode == Mode::Filter {
                refilter(state)
            } else {
                Action::None
            }
        }
        Event::Resize(..) => {
            state.dirty = true;
            Action::None
        }
        Event::Reply(reply) => on_reply(state, reply),
        Event::Job(job) => on_job(state, job),
        Event::Terminate => save_session(state).and(Action::Quit),
    }
}

pub(super) fn save_session(state: &State) -> Action {
    let session = serde_json::to_value(state.session()).unwrap_or_default();
    Action::Query(Query::SaveSession(session))
}

/// Asks for the next page when the selection nears the end of the window.
pub(super) fn page_after(state: &mut State) -> Action {
    let list = &state.shoppers;
    if list.loading || list.selected + PAGE_ROWS < list.rows.len() {
        return Action::None;
    }
    let Some(cursor) = list.next.clone() else {
        return Action::None;
    };
    let tag = state.tag();
    let list = &mut state.shoppers;
    list.loading = true;
    list.tag = tag;
    Action::Query(Query::Shoppers {
        tag,
        filter: list.filter.clone(),
        from: PageFrom::After(cursor),
    })
}

/// Asks for the page before the window, at its top.
pub(super) fn page_before(state: &mut State) -> Action {
    let list = &state.shoppers;
    if list.loading || !list.more_before || !list.filter.is_empty() {
        return Action::None;
    }
    let Some(first) = list.rows.first().map(|r| r.user_id.clone()) else {
        return Action::None;
    };
    let tag = state.tag();
    state.shoppers.loading = true;
    state.shoppers.tag = tag;
    Action::Query(Query::Shoppers {
        tag,
        filter: String::new(),
        from: PageFrom::Before(first),
    })
}

/// Reloads the shopper list from its first page for the current filter.
pub(super) fn refilter(state: &mut State) -> Action {
    let tag = state.tag();
    let list = &mut state.shoppers;
    list.loading = true;
    list.open_on_load = false;
    list.tag = tag;
    list.selected = 0;
    list.offset.set(0);
    Action::Query(Query::Shoppers {
        tag,
        filter: list.filter.clone(),
        from: PageFrom::Start,
    })
}

pub(super) fn open_shopper(state: &mut State, user_id: String) -> Action {
    // Until the shopper is here, nothing may act on the previous one.
    let list = &mut state.candidates;
    list.user_id = None;
    list.product = None;
    list.rows.clear();
    list.selected = 0;
    list.offset.set(0);
    list.generating = false;
    if matches!(state.mode, Mode::Explain { .. } | Mode::Reason { .. }) {
        state.mode = Mode::Normal;
    }
    let tag = state.tag();
    let pane = &mut state.shopper;
    pane.loading = Some(user_id.clone());
    pane.tag = tag;
    pane.scroll = 0;
    pane.rec_selected = 0;
    Action::Query(Query::Shopper { tag, user_id })
}

pub(super) fn open_product(state: &mut State, user_id: String, product: ProductRow) -> Action {
    let tag = state.tag();
    let list = &mut state.candidates;
    if list.user_id.as_deref() != Some(&user_id)
        || list.product.as_ref().map(|p| &p.product_id) != Some(&product.product_id)
    {
        list.rows.clear();
        list.selected = 0;
        list.offset.set(0);
        list.generating = false;
    }
    list.user_id = Some(user_id.clone());
    let product_id = product.product_id.clone();
    list.product = Some(product);
    list.loading = true;
    list.tag = tag;
    Action::Query(Query::Candidates {
        tag,
        user_id,
        product_id,
        before: None,
    })
}

/// Why there is no model to generate with, in words.
pub fn no_model_reason(state: &State) -> String {
    if let Some(job) = state.training() {
        let pct = job
            .progress
            .as_ref()
            .filter(|p| p.total > 0)
            .map(|p| format!(" ({}%)", 100 * p.step / p.total))
            .unwrap_or_default();
        return format!(
            "no model yet: the first one is training{pct}, see Jobs; g works once it is done"
        );
    }
    if let Some((kind, holder, _)) = &state.trainer_elsewhere {
        return format!("no model yet: {holder} is running {kind} in another console");
    }
    "no model yet: :train pre-trains one in the background".into()
}

/// Opens a shopper by id, from `:goto`: the list jumps to them too.
pub fn goto(state: &mut State, user_id: String) -> Action {
    state.shoppers.filter.clear();
    let tag = state.tag();
    state.shoppers.loading = true;
    state.shoppers.tag = tag;
    let list = Action::Query(Query::Shoppers {
        tag,
        filter: String::new(),
        from: PageFrom::Around(user_id.clone()),
    });
    list.and(open_shopper(state, user_id))
}
