//! Key handling and the answers from the jobs layer: a pure
//! `update(&mut State, Event) -> Action`, tested without a terminal.

use super::commands;
use super::event::{Action, Event};
use super::keymap::{KeyAction, Pane};
use super::state::{
    Confirm, JobItem, JobState, LOSS_POINTS, LineInput, Mode, Pending, Session, State,
};
use crate::jobs::store_lane::ProductRow;
use crate::jobs::{JobEvent, JobKind, JobUpdate, ModelRequest, PageFrom, Query, Reply};
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

fn save_session(state: &State) -> Action {
    let session = serde_json::to_value(state.session()).unwrap_or_default();
    Action::Query(Query::SaveSession(session))
}

fn is_quit_chord(state: &State, key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && state.keymap.is(KeyAction::Quit, key)
}

fn on_key(state: &mut State, key: KeyEvent) -> Action {
    match state.mode.clone() {
        Mode::Normal => normal_key(state, key),
        Mode::Filter => filter_key(state, key),
        Mode::Command(line) => command_key(state, key, line),
        Mode::Reason {
            generation_id,
            input,
        } => reason_key(state, key, generation_id, input),
        Mode::Confirm(what) => confirm_key(state, key, what),
        Mode::Help { scroll } => {
            if key.code == KeyCode::Esc
                || state.keymap.is(KeyAction::Help, &key)
                || state.keymap.is(KeyAction::Quit, &key)
            {
                state.mode = Mode::Normal;
            } else if state.keymap.is(KeyAction::Down, &key) {
                state.mode = Mode::Help { scroll: scroll + 1 };
            } else if state.keymap.is(KeyAction::Up, &key) {
                state.mode = Mode::Help {
                    scroll: scroll.saturating_sub(1),
                };
            } else if state.keymap.is(KeyAction::PageDown, &key) {
                state.mode = Mode::Help {
                    scroll: scroll + PAGE_ROWS,
                };
            } else if state.keymap.is(KeyAction::PageUp, &key) {
                state.mode = Mode::Help {
                    scroll: scroll.saturating_sub(PAGE_ROWS),
                };
            }
            Action::None
        }
        Mode::Models | Mode::Explain { .. } => {
            if key.code == KeyCode::Esc
                || key.code == KeyCode::Enter
                || state.keymap.is(KeyAction::Quit, &key)
                || state.keymap.is(KeyAction::Explain, &key)
            {
                state.mode = Mode::Normal;
            }
            Action::None
        }
    }
}

fn normal_key(state: &mut State, key: KeyEvent) -> Action {
    state.notice = None;
    let Some(action) = state.keymap.action(state.focus, &key) else {
        if key.code == KeyCode::Esc && !state.shoppers.filter.is_empty() {
            state.shoppers.filter.clear();
            return refilter(state);
        }
        return Action::None;
    };
    use KeyAction::*;
    match action {
        Quit => save_session(state).and(Action::Quit),
        Help => {
            state.mode = Mode::Help { scroll: 0 };
            Action::None
        }
        NextPane | PrevPane => {
            let i = Pane::ALL
                .iter()
                .position(|p| *p == state.focus)
                .unwrap_or(0);
            let n = Pane::ALL.len();
            let j = if action == NextPane {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            state.focus = Pane::ALL[j];
            Action::None
        }
        Down | Up | PageDown | PageUp | First | Last => move_in(state, action),
        Filter => {
            state.mode = Mode::Filter;
            state.focus = Pane::Shoppers;
            Action::None
        }
        Open => match state.focus {
            Pane::Shoppers => match state.shoppers.rows.get(state.shoppers.selected) {
                Some(row) => {
                    let user = row.user_id.clone();
                    open_shopper(state, user).and(save_session(state))
                }
                None => Action::None,
            },
            Pane::Recommended => {
                let product = state
                    .shopper
                    .view
                    .as_ref()
                    .and_then(|v| v.recommended.get(state.shopper.rec_selected).cloned());
                let user = state.shopper.view.as_ref().map(|v| v.user_id.clone());
                match (user, product) {
                    (Some(user), Some(product)) => {
                        let a = open_product(state, user, product);
                        state.focus = Pane::Candidates;
                        a
                    }
                    _ => Action::None,
                }
            }
            _ => Action::None,
        },
        Generate => generate(state),
        LabelUp => label(state, Verdict::Up),
        LabelDown => label(state, Verdict::Down),
        Reason => {
            let Some(c) = state.candidates.current() else {
                state.notice("no candidate selected: g generates some");
                return Action::None;
            };
            let Some(label) = &c.label else {
                state.notice("label it first (y or n), then add a reason");
                return Action::None;
            };
            let text = match (&label.reason, &label.note) {
                (Some(r), Some(n)) => format!("{r} {n}"),
                (Some(r), None) => format!("{r} "),
                (None, Some(n)) => n.clone(),
                (None, None) => String::new(),
            };
            state.mode = Mode::Reason {
                generation_id: c.generation_id,
                input: LineInput { text },
            };
            Action::None
        }
        Undo | Redo => {
            state.pending = Some(Pending::Revert);
            Action::Query(if action == Undo {
                Query::Undo
            } else {
                Query::Redo
            })
        }
        Explain => {
            let Some(c) = state.candidates.current() else {
                state.notice("no candidate selected: g generates some");
                return Action::None;
            };
            let generation_id = c.generation_id;
            state.mode = Mode::Explain {
                generation_id,
                result: None,
            };
            Action::Model(ModelRequest::Explain { generation_id })
        }
        Finetune => {
            state.notice(commands::FINETUNE_NOT_YET);
            Action::None
        }
        CancelJob => cancel_job(state),
        Command => {
            state.mode = Mode::Command(LineInput::default());
            Action::None
        }
    }
}

fn move_in(state: &mut State, action: KeyAction) -> Action {
    let step = |sel: usize, len: usize| -> usize {
        if len == 0 {
            return 0;
        }
        let last = len - 1;
        match action {
            KeyAction::Down => (sel + 1).min(last),
            KeyAction::Up => sel.saturating_sub(1),
            KeyAction::PageDown => (sel + PAGE_ROWS).min(last),
            KeyAction::PageUp => sel.saturating_sub(PAGE_ROWS),
            KeyAction::First => 0,
            _ => last,
        }
    };
    match state.focus {
        Pane::Shoppers => {
            let list = &mut state.shoppers;
            if action == KeyAction::First && list.more_before {
                return refilter(state);
            }
            let at_top = list.selected == 0;
            list.selected = step(list.selected, list.rows.len());
            if at_top && matches!(action, KeyAction::Up | KeyAction::PageUp) {
                return page_before(state);
            }
            page_after(state)
        }
        Pane::Shopper => {
            let len = state.shopper.view.as_ref().map_or(0, |v| v.history.len());
            state.shopper.scroll = step(state.shopper.scroll, len);
            Action::None
        }
        Pane::Recommended => {
            let len = state
                .shopper
                .view
                .as_ref()
                .map_or(0, |v| v.recommended.len());
            state.shopper.rec_selected = step(state.shopper.rec_selected, len);
            Action::None
        }
        Pane::Candidates => {
            state.candidates.selected =
                step(state.candidates.selected, state.candidates.rows.len());
            Action::None
        }
        Pane::Jobs => {
            state.job_selected = step(state.job_selected, state.jobs.len());
            Action::None
        }
    }
}

/// Asks for the next page when the selection nears the end of the window.
fn page_after(state: &mut State) -> Action {
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
fn page_before(state: &mut State) -> Action {
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
fn refilter(state: &mut State) -> Action {
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

fn open_shopper(state: &mut State, user_id: String) -> Action {
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

fn open_product(state: &mut State, user_id: String, product: ProductRow) -> Action {
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

fn generate(state: &mut State) -> Action {
    if state.active_model.is_none() {
        let reason = no_model_reason(state);
        state.notice(reason);
        return Action::None;
    }
    let Some((user, product)) = state.target() else {
        state.notice(if state.shopper.loading.is_some() {
            "the shopper is still loading; g again in a moment"
        } else {
            "open a shopper first: enter in the shopper list"
        });
        return Action::None;
    };
    let (user_id, product_id) = (user.to_string(), product.product_id.clone());
    if state.candidates.generating {
        state.notice("already generating candidates; they will appear here");
        return Action::None;
    }
    state.candidates.generating = true;
    let n = state.settings.n_candidates;
    Action::Model(ModelRequest::Generate {
        user_id,
        product_id,
        n,
        seed: None,
    })
}

fn label(state: &mut State, verdict: Verdict) -> Action {
    let Some(c) = state.candidates.current() else {
        state.notice(if state.candidates.generating {
            "candidates are on their way"
        } else {
            "no candidate selected: g generates some"
        });
        return Action::None;
    };
    let generation_id = c.generation_id;
    // An edit to the same verdict keeps the reason; a new verdict drops it.
    let (reason, note) = match &c.label {
        Some(l) if l.verdict == verdict => (l.reason.clone(), l.note.clone()),
        _ => (None, None),
    };
    state.pending = Some(Pending::Label(generation_id));
    Action::Query(Query::Label {
        generation_id,
        verdict,
        reason,
        note,
    })
}

fn cancel_job(state: &mut State) -> Action {
    let Some(job) = state.jobs.get_mut(state.job_selected) else {
        state.notice("no job selected");
        return Action::None;
    };
    match job.state {
        JobState::Running if job.cancellable => {
            job.state = JobState::Cancelling;
            let id = job.id;
            state.notice("cancelling: it stops after the current step and saves nothing");
            Action::Cancel(id)
        }
        JobState::Running => {
            state.notice("this job cannot be cancelled; it finishes in a moment");
            Action::None
        }
        JobState::Cancelling => Action::None,
        _ => {
            state.notice("that job has already ended");
            Action::None
        }
    }
}

fn text_key(input: &mut String, key: &KeyEvent) -> bool {
    match key.code {
        KeyCode::Backspace => {
            input.pop();
            true
        }
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                && !c.is_control() =>
        {
            if input.chars().count() < MAX_INPUT {
                input.push(c);
            }
            true
        }
        _ => false,
    }
}

fn filter_key(state: &mut State, key: KeyEvent) -> Action {
    if is_quit_chord(state, &key) {
        return save_session(state).and(Action::Quit);
    }
    match key.code {
        KeyCode::Esc => {
            state.mode = Mode::Normal;
            state.shoppers.filter.clear();
            refilter(state)
        }
        KeyCode::Enter => {
            state.mode = Mode::Normal;
            if state.shoppers.loading {
                // The list on screen is not what was typed yet.
                state.shoppers.open_on_load = true;
                return save_session(state);
            }
            match state.shoppers.rows.get(state.shoppers.selected) {
                Some(row) => {
                    let user = row.user_id.clone();
                    open_shopper(state, user).and(save_session(state))
                }
                None => save_session(state),
            }
        }
        KeyCode::Down => move_in(state, KeyAction::Down),
        KeyCode::Up => move_in(state, KeyAction::Up),
        KeyCode::PageDown => move_in(state, KeyAction::PageDown),
        KeyCode::PageUp => move_in(state, KeyAction::PageUp),
        _ => {
            if text_key(&mut state.shoppers.filter, &key) {
                refilter(state)
            } else {
                Action::None
            }
        }
    }
}

fn command_key(state: &mut State, key: KeyEvent, mut line: LineInput) -> Action {
    if is_quit_chord(state, &key) {
        return save_session(state).and(Action::Quit);
    }
    match key.code {
        KeyCode::Esc => {
            state.mode = Mode::Normal;
            Action::None
        }
        KeyCode::Enter => {
            state.mode = Mode::Normal;
            commands::run(state, &line.text)
        }
        KeyCode::Tab => {
            line.text = commands::complete(state, &line.text);
            state.mode = Mode::Command(line);
            Action::None
        }
        _ => {
            text_key(&mut line.text, &key);
            state.mode = Mode::Command(line);
            Action::None
        }
    }
}

fn reason_key(
    state: &mut State,
    key: KeyEvent,
    generation_id: i64,
    mut input: LineInput,
) -> Action {
    if is_quit_chord(state, &key) {
        return save_session(state).and(Action::Quit);
    }
    match key.code {
        KeyCode::Esc => {
            state.mode = Mode::Normal;
            Action::None
        }
        KeyCode::Enter => {
            state.mode = Mode::Normal;
            let verdict = state
                .candidates
                .rows
                .iter()
                .find(|r| r.generation_id == generation_id)
                .and_then(|r| r.label.as_ref())
                .map(|l| l.verdict);
            let Some(verdict) = verdict else {
                state.notice("that candidate has no label any more");
                return Action::None;
            };
            let (reason, note) = commands::split_reason(&state.settings.reasons, &input.text);
            state.pending = Some(Pending::Reason(generation_id));
            Action::Query(Query::Label {
                generation_id,
                verdict,
                reason,
                note,
            })
        }
        KeyCode::Tab => {
            input.text = commands::complete_reason(&state.settings.reasons, &input.text);
            state.mode = Mode::Reason {
                generation_id,
                input,
            };
            Action::None
        }
        _ => {
            text_key(&mut input.text, &key);
            state.mode = Mode::Reason {
                generation_id,
                input,
            };
            Action::None
        }
    }
}

fn confirm_key(state: &mut State, key: KeyEvent, what: Confirm) -> Action {
    state.mode = Mode::Normal;
    if !matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
        state.notice("cancelled");
        return Action::None;
    }
    match what {
        Confirm::Promote(v) => {
            state.notice(format!("promoting {v}…"));
            Action::Query(Query::Promote(v))
        }
        Confirm::Rollback => {
            state.notice("rolling back…");
            Action::Query(Query::Rollback)
        }
    }
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

fn next_unlabelled(state: &State, from: usize) -> Option<usize> {
    let rows = &state.candidates.rows;
    let n = rows.len();
    (1..=n)
        .map(|d| (from + d) % n)
        .find(|&i| rows[i].label.is_none())
}

fn on_reply(state: &mut State, reply: Reply) -> Action {
    state.dirty = true;
    match reply {
        Reply::Startup(s) => {
            state.ready = true;
            state.active_model = s.active_model;
            state.models = s.models;
            state.progress = s.progress;
            state.trainer_elsewhere = s.trainer;
            let session: Option<Session> = s.session.and_then(|v| serde_json::from_value(v).ok());
            let mut act = Action::None;
            match session {
                Some(session) => {
                    state.shoppers.filter = session.filter.clone();
                    state.focus = session.focus.unwrap_or(Pane::Shoppers);
                    let tag = state.tag();
                    state.shoppers.loading = true;
                    state.shoppers.tag = tag;
                    act = act.and(Action::Query(Query::Shoppers {
                        tag,
                        filter: session.filter.clone(),
                        from: match &session.list_user {
                            Some(u) => PageFrom::Around(u.clone()),
                            None => PageFrom::Start,
                        },
                    }));
                    if let Some(user) = session.user.clone() {
                        act = act.and(open_shopper(state, user));
                    }
                    state.restore = Some(session);
                }
                None => act = act.and(refilter(state)),
            }
            if state.active_model.is_none() {
                if state.trainer_elsewhere.is_none()
                    && state.settings.train_on_first_run
                    && state.training().is_none()
                {
                    state.notice(
                        "no model yet: the first one is training (see Jobs); browse meanwhile",
                    );
                    act = act.and(Action::Train);
                } else {
                    let reason = no_model_reason(state);
                    state.notice(reason);
                }
            }
            act
        }
        Reply::Shoppers { tag, from, page } => {
            if tag != state.shoppers.tag {
                state.dirty = false;
                return Action::None;
            }
            let list = &mut state.shoppers;
            list.loading = false;
            let page = match page {
                Ok(p) => p,
                Err(e) => {
                    list.open_on_load = false;
                    state.error(e);
                    return Action::None;
                }
            };
            match from {
                PageFrom::Start | PageFrom::Around(_) => {
                    list.rows = page.rows;
                    list.next = page.next;
                    list.more_before = page.more_before;
                    let restored = state
                        .restore
                        .as_ref()
                        .and_then(|s| s.list_user.as_ref())
                        .and_then(|u| list.rows.iter().position(|r| &r.user_id == u));
                    list.selected = page.select.or(restored).unwrap_or(0);
                    list.offset.set(list.selected.saturating_sub(3));
                }
                PageFrom::After(_) => {
                    list.rows.extend(page.rows);
                    list.next = page.next;
                    if list.filter.is_empty() && list.rows.len() > MAX_SHOPPER_ROWS {
                        let drop = list.rows.len() - MAX_SHOPPER_ROWS;
                        list.rows.drain(..drop);
                        list.selected = list.selected.saturating_sub(drop);
                        list.offset.set(list.offset.get().saturating_sub(drop));
                        list.more_before = true;
                    }
                }
                PageFrom::Before(_) => {
                    let n = page.rows.len();
                    let mut rows = page.rows;
                    rows.append(&mut list.rows);
                    list.rows = rows;
                    list.selected += n;
                    list.offset.set(list.offset.get() + n);
                    list.more_before = page.more_before;
                    if list.rows.len() > MAX_SHOPPER_ROWS {
                        list.rows.truncate(MAX_SHOPPER_ROWS);
                        list.next = list
                            .rows
                            .last()
                            .map(|r| ShopperCursor::AfterId(r.user_id.clone()));
                    }
                    if n > 0 {
                        list.selected -= 1;
                    }
                }
            }
            list.selected = list.selected.min(list.rows.len().saturating_sub(1));
            if std::mem::take(&mut list.open_on_load) {
                return match list.rows.get(list.selected) {
                    Some(row) => {
                        let user = row.user_id.clone();
                        open_shopper(state, user)
                    }
                    None => {
                        state.notice("no shopper matches the filter");
                        Action::None
                    }
                };
            }
            Action::None
        }
        Reply::Shopper { tag, view } => {
            if tag != state.shopper.tag {
                state.dirty = false;
                return Action::None;
            }
            state.shopper.loading = None;
            let view = match view {
                Ok(v) => *v,
                Err(e) => {
                    state.error(e);
                    return Action::None;
                }
            };
            let user = view.user_id.clone();
            let restored = state.restore.as_ref().and_then(|s| s.product.clone());
            let product = match restored {
                Some(id) => {
                    let found = view.recommended.iter().position(|p| p.product_id == id);
                    if let Some(i) = found {
                        state.shopper.rec_selected = i;
                    }
                    Some(
                        found
                            .map(|i| view.recommended[i].clone())
                            .unwrap_or(ProductRow {
                                title: id.clone(),
                                product_id: id,
                                category: String::new(),
                                brand: None,
                                price: None,
                                score: 0.0,
                            }),
                    )
                }
                None => view.recommended.first().cloned(),
            };
            state.shopper.view = Some(view);
            match product {
                Some(p) => open_product(state, user, p),
                None => {
                    state.candidates.user_id = Some(user);
                    state.candidates.product = None;
                    state.candidates.rows.clear();
                    Action::None
                }
            }
        }
        Reply::Candidates {
            tag,
            user_id,
            product_id,
            rows,
            new_ids,
        } => {
            let list = &mut state.candidates;
            let same_target = list.user_id.as_deref() == Some(&user_id)
                && list.product.as_ref().map(|p| p.product_id.as_str()) == Some(&product_id);
            if tag == 0 {
                list.generating = false;
                if !same_target {
                    state.notice(format!(
                        "{} new candidates for {user_id} × {product_id} are stored (not on screen)",
                        new_ids.len()
                    ));
                    return Action::None;
                }
            } else if tag != list.tag {
                state.dirty = false;
                return Action::None;
            }
            list.loading = false;
            let rows = match rows {
                Ok(r) => r,
                Err(e) => {
                    state.error(e);
                    return Action::None;
                }
            };
            let previous = list.current().map(|c| c.generation_id);
            list.rows = rows;
            let restored = state.restore.take().and_then(|s| s.candidate);
            let find = |id: i64| list.rows.iter().position(|r| r.generation_id == id);
            let selected = new_ids
                .first()
                .and_then(|&id| find(id))
                .or_else(|| restored.and_then(find))
                .or_else(|| previous.and_then(find))
                .or_else(|| list.rows.iter().position(|r| r.label.is_none()))
                .unwrap_or(0);
            list.selected = selected.min(list.rows.len().saturating_sub(1));
            if !new_ids.is_empty() {
                state.focus = Pane::Candidates;
            }
            Action::None
        }
        Reply::Labelled {
            generation_id,
            state: result,
        } => {
            let was = state.pending.take();
            match result {
                Ok(label) => {
                    let list = &mut state.candidates;
                    if let Some(i) = list
                        .rows
                        .iter()
                        .position(|r| r.generation_id == generation_id)
                    {
                        list.rows[i].label = Some(label);
                        if was == Some(Pending::Label(generation_id)) {
                            match next_unlabelled(state, i) {
                                Some(j) => state.candidates.selected = j,
                                None => {
                                    let n = state.candidates.rows.len();
                                    state.notice(format!(
                                        "all {n} candidates for this product are labelled: g generates more"
                                    ));
                                }
                            }
                        }
                    }
                    save_session(state)
                }
                Err(e) => {
                    state.error(e);
                    Action::None
                }
            }
        }
        Reply::Reverted { undo, result } => {
            state.pending = None;
            let verb = if undo { "undone" } else { "redone" };
            match result {
                Ok(Some(r)) => {
                    let list = &mut state.candidates;
                    let now = match &r.now {
                        Some(l) if l.verdict == Verdict::Up => "+",
                        Some(_) => "-",
                        None => "unlabelled",
                    };
                    match list
                        .rows
                        .iter()
                        .position(|c| c.generation_id == r.generation)
                    {
                        Some(i) => {
                            list.rows[i].label = r.now.clone();
                            list.selected = i;
                            state.notice(format!("{verb}: #{} is now {now}", r.generation));
                        }
                        None => state.notice(format!(
                            "{verb}: your label on candidate #{} (not on screen) is now {now}",
                            r.generation
                        )),
                    }
                }
                Ok(None) => state.notice(if undo {
                    "nothing to undo"
                } else {
                    "nothing to redo"
                }),
                Err(e) => state.error(e),
            }
            Action::None
        }
        Reply::Progress(p) => {
            state.progress = p;
            Action::None
        }
        Reply::Models { models, active } => {
            state.models = models;
            state.active_model = active;
            Action::None
        }
        Reply::Notice { text, error } => {
            state.notice = Some(super::state::Notice { text, error });
            Action::None
        }
        Reply::Explained {
            generation_id,
            result,
        } => {
            match &mut state.mode {
                Mode::Explain {
                    generation_id: shown,
                    result: slot,
                } if *shown == generation_id => *slot = Some(result),
                _ => state.dirty = false,
            }
            Action::None
        }
        Reply::NoModel { kind } => {
            if kind == JobKind::Generate {
                state.candidates.generating = false;
            }
            state.active_model = None;
            let reason = no_model_reason(state);
            state.notice(reason);
            Action::None
        }
    }
}

fn on_job(state: &mut State, ev: JobEvent) -> Action {
    state.dirty = true;
    let mut act = Action::None;
    match ev.update {
        JobUpdate::Started {
            kind,
            by,
            what,
            cancellable,
        } => {
            state.jobs.push(JobItem {
                id: ev.id,
                kind,
                by,
                what,
                state: JobState::Running,
                progress: None,
                losses: Vec::new(),
                cancellable,
                outcome: None,
            });
        }
        JobUpdate::Progress(p) => {
            if let Some(job) = state.jobs.iter_mut().find(|j| j.id == ev.id) {
                if let Some(loss) = p.loss
                    && loss.is_finite()
                    && job.progress.as_ref().is_none_or(|old| old.step != p.step)
                {
                    job.losses.push(loss);
                    if job.losses.len() > LOSS_POINTS {
                        job.losses = job
                            .losses
                            .chunks(2)
                            .map(|c| c.iter().sum::<f64>() / c.len() as f64)
                            .collect();
                    }
                }
                job.progress = Some(p);
            } else {
                state.dirty = false;
            }
        }
        JobUpdate::Finished {
            summary,
            active_model,
        } => {
            let kind = finish(state, ev.id, JobState::Done, summary.clone());
            if matches!(
                kind,
                Some(JobKind::Pretrain | JobKind::Finetune | JobKind::Export)
            ) {
                state.notice(summary);
            }
            if let Some(v) = active_model {
                state.active_model = Some(v);
                state.trainer_elsewhere = None;
                act = Action::Query(Query::Models);
            }
        }
        JobUpdate::Failed { error } => {
            let kind = finish(state, ev.id, JobState::Failed, error.clone());
            let name = kind.map_or("job", JobKind::as_str);
            if kind == Some(JobKind::Generate) {
                state.candidates.generating = false;
            }
            if let Mode::Explain { result, .. } = &mut state.mode
                && kind == Some(JobKind::Explain)
                && result.is_none()
            {
                *result = Some(Err(error.clone()));
            }
            state.error(format!("{name} failed: {error}"));
        }
        JobUpdate::Cancelled => {
            let kind = finish(state, ev.id, JobState::Cancelled, "cancelled".into());
            let name = kind.map_or("job", JobKind::as_str);
            state.notice(format!("{name} cancelled; nothing was saved"));
        }
    }
    prune_jobs(state);
    act
}

fn finish(state: &mut State, id: u64, to: JobState, outcome: String) -> Option<JobKind> {
    let job = state.jobs.iter_mut().find(|j| j.id == id)?;
    job.state = to;
    job.outcome = Some(outcome);
    Some(job.kind)
}

fn prune_jobs(state: &mut State) {
    let finished = state
        .jobs
        .iter()
        .filter(|j| !matches!(j.state, JobState::Running | JobState::Cancelling))
        .count();
    let mut excess = finished.saturating_sub(super::state::FINISHED_JOBS_KEPT);
    if excess > 0 {
        state.jobs.retain(|j| {
            if excess > 0 && !matches!(j.state, JobState::Running | JobState::Cancelling) {
                excess -= 1;
                false
            } else {
                true
            }
        });
    }
    state.job_selected = state.job_selected.min(state.jobs.len().saturating_sub(1));
}
