//! What each key does, per mode.

use super::*;

pub(super) fn is_quit_chord(state: &State, key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && state.keymap.is(KeyAction::Quit, key)
}

pub(super) fn on_key(state: &mut State, key: KeyEvent) -> Action {
    match state.mode.clone() {
        Mode::Normal => normal_key(state, key),
        Mode::Filter => filter_key(state, key),
        Mode::Command(line) => command_key(state, key, line),
        Mode::Reason {
            generation_id,
            verdict,
            input,
        } => reason_key(state, key, generation_id, verdict, input),
        Mode::Confirm(what) => confirm_key(state, key, what),
        Mode::Help { scroll } => {
            if let Some(scroll) = scroll_key(state, &key, KeyAction::Help, scroll) {
                state.mode = Mode::Help { scroll };
            }
            Action::None
        }
        Mode::Guidelines { scroll, text } => {
            if let Some(scroll) = scroll_key(state, &key, KeyAction::Guidelines, scroll) {
                state.mode = Mode::Guidelines { scroll, text };
            }
            Action::None
        }
        Mode::JobDetail { id, scroll } => {
            if let Some(scroll) = scroll_key(state, &key, KeyAction::JobDetail, scroll) {
                state.mode = Mode::JobDetail { id, scroll };
            }
            Action::None
        }
        Mode::Models | Mode::Explain { .. } | Mode::Compare { .. } => {
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

/// A key in a scrolling window opened by `opener`: Esc, the opener or quit
/// closes it (`None`, back to normal); the list keys scroll it.
fn scroll_key(
    state: &mut State,
    key: &KeyEvent,
    opener: KeyAction,
    scroll: usize,
) -> Option<usize> {
    let is = |a: KeyAction| state.keymap.is(a, key);
    if key.code == KeyCode::Esc || is(opener) || is(KeyAction::Quit) {
        state.mode = Mode::Normal;
        return None;
    }
    Some(if is(KeyAction::Down) {
        scroll + 1
    } else if is(KeyAction::Up) {
        scroll.saturating_sub(1)
    } else if is(KeyAction::PageDown) {
        scroll + PAGE_ROWS
    } else if is(KeyAction::PageUp) {
        scroll.saturating_sub(PAGE_ROWS)
    } else {
        scroll
    })
}

pub(super) fn normal_key(state: &mut State, key: KeyEvent) -> Action {
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
        Open => {
            // Browsing by hand leaves the queue.
            state.queue = false;
            open_selected(state)
        }
        Generate => generate(state),
        LabelUp => label(state, Verdict::Up),
        LabelDown => label(state, Verdict::Down),
        Reason => {
            let Some(c) = state.candidates.current() else {
                state.notice("no candidate selected: g generates some");
                return Action::None;
            };
            let Some(label) = &c.label else {
                state.notice("label it first (y or n), or Y or N to label it with a reason");
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
                verdict: None,
                input: LineInput::new(text),
            };
            Action::None
        }
        LabelUpWhy | LabelDownWhy => {
            let Some(c) = state.candidates.current() else {
                state.notice("no candidate selected: g generates some");
                return Action::None;
            };
            state.mode = Mode::Reason {
                generation_id: c.generation_id,
                verdict: Some(if action == LabelUpWhy {
                    Verdict::Up
                } else {
                    Verdict::Down
                }),
                input: LineInput::default(),
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
        Finetune => commands::start_finetune(state),
        Queue => next_in_queue(state),
        Guidelines => {
            state.mode = Mode::Guidelines {
                scroll: 0,
                text: None,
            };
            Action::Query(Query::Guidelines)
        }
        CancelJob => cancel_job(state),
        JobDetail => match state.jobs.get(state.job_selected) {
            Some(job) => {
                state.mode = Mode::JobDetail {
                    id: job.id,
                    scroll: 0,
                };
                Action::None
            }
            None => {
                state.notice("no job selected");
                Action::None
            }
        },
        Command => {
            state.mode = Mode::Command(LineInput::default());
            Action::None
        }
    }
}

pub(super) fn move_in(state: &mut State, action: KeyAction) -> Action {
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
            // End of an unfiltered list beyond the loaded window: its last page.
            if action == KeyAction::Last && list.filter.is_empty() && list.next.is_some() {
                let tag = state.tag();
                let list = &mut state.shoppers;
                list.loading = true;
                list.tag = tag;
                return Action::Query(Query::Shoppers {
                    tag,
                    filter: String::new(),
                    from: PageFrom::End,
                });
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
            let list = &mut state.candidates;
            let at_top = list.selected == 0;
            list.selected = step(list.selected, list.rows.len());
            // Above the first row: the page of older candidates.
            let up = matches!(action, KeyAction::Up | KeyAction::PageUp | KeyAction::First);
            if at_top && up && list.more_before() && !list.loading_earlier {
                let (Some(user_id), Some(product), Some(first)) = (
                    list.user_id.clone(),
                    list.product.as_ref(),
                    list.rows.first(),
                ) else {
                    return Action::None;
                };
                list.loading_earlier = true;
                return Action::Query(Query::Candidates {
                    tag: list.tag,
                    user_id,
                    product_id: product.product_id.clone(),
                    before: Some(first.generation_id),
                });
            }
            Action::None
        }
        Pane::Jobs => {
            // The pane lists the newest job first: move on the screen's
            // order, so that j goes down, Home to the newest, End to the
            // oldest.
            let len = state.jobs.len();
            let shown = len.saturating_sub(1).saturating_sub(state.job_selected);
            state.job_selected = len.saturating_sub(1).saturating_sub(step(shown, len));
            Action::None
        }
    }
}

pub(super) fn generate(state: &mut State) -> Action {
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

pub(super) fn label(state: &mut State, verdict: Verdict) -> Action {
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

/// Opens the selected shopper or product.
fn open_selected(state: &mut State) -> Action {
    match state.focus {
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
    }
}

/// Asks for the review queue's next candidate.
pub(crate) fn next_in_queue(state: &mut State) -> Action {
    state.queue = true;
    state.notice("finding your next unlabelled candidate…");
    Action::Query(Query::Queue)
}

pub(super) fn cancel_job(state: &mut State) -> Action {
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

/// Readline keys in a one-line field whose cursor sits `back` characters
/// before the end: typing inserts there; Backspace and Delete; Ctrl-A and
/// Home, Ctrl-E and End; Ctrl-B and Left, Ctrl-F and Right; Alt-B and
/// Alt-F by words; Ctrl-U deletes to the start, Ctrl-K to the end, Ctrl-W
/// the word before the cursor. Returns whether the text changed.
pub(super) fn text_key(input: &mut String, back: &mut usize, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let chars: Vec<char> = input.chars().collect();
    let n = chars.len();
    let mut at = n - (*back).min(n);
    let word_start = |mut i: usize| {
        while i > 0 && chars[i - 1].is_whitespace() {
            i -= 1;
        }
        while i > 0 && !chars[i - 1].is_whitespace() {
            i -= 1;
        }
        i
    };
    let word_end = |mut i: usize| {
        while i < n && chars[i].is_whitespace() {
            i += 1;
        }
        while i < n && !chars[i].is_whitespace() {
            i += 1;
        }
        i
    };
    let mut text = chars.clone();
    match key.code {
        KeyCode::Backspace if at > 0 => {
            text.remove(at - 1);
            at -= 1;
        }
        KeyCode::Delete if at < n => {
            text.remove(at);
        }
        KeyCode::Char('d') if ctrl && at < n => {
            text.remove(at);
        }
        KeyCode::Home => at = 0,
        KeyCode::Char('a') if ctrl => at = 0,
        KeyCode::End => at = n,
        KeyCode::Char('e') if ctrl => at = n,
        KeyCode::Left => at = at.saturating_sub(1),
        KeyCode::Char('b') if ctrl => at = at.saturating_sub(1),
        KeyCode::Right => at = (at + 1).min(n),
        KeyCode::Char('f') if ctrl => at = (at + 1).min(n),
        KeyCode::Char('b') if alt => at = word_start(at),
        KeyCode::Char('f') if alt => at = word_end(at),
        KeyCode::Char('u') if ctrl => {
            text.drain(..at);
            at = 0;
        }
        KeyCode::Char('k') if ctrl => text.truncate(at),
        KeyCode::Char('w') if ctrl => {
            let from = word_start(at);
            text.drain(from..at);
            at = from;
        }
        KeyCode::Char(c) if !ctrl && !alt && !c.is_control() => {
            if n < MAX_INPUT {
                text.insert(at, c);
                at += 1;
            }
        }
        _ => return false,
    }
    *back = text.len() - at;
    let changed = text != chars;
    if changed {
        *input = text.into_iter().collect();
    }
    changed
}

pub(super) fn filter_key(state: &mut State, key: KeyEvent) -> Action {
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
            // Opening a shopper by hand leaves the review queue.
            state.queue = false;
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
            if text_key(
                &mut state.shoppers.filter,
                &mut state.shoppers.filter_back,
                &key,
            ) {
                refilter(state)
            } else {
                Action::None
            }
        }
    }
}

pub(super) fn command_key(state: &mut State, key: KeyEvent, mut line: LineInput) -> Action {
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
            line = LineInput::new(commands::complete(state, &line.text));
            state.mode = Mode::Command(line);
            Action::None
        }
        _ => {
            text_key(&mut line.text, &mut line.back, &key);
            state.mode = Mode::Command(line);
            Action::None
        }
    }
}

pub(super) fn reason_key(
    state: &mut State,
    key: KeyEvent,
    generation_id: i64,
    with: Option<Verdict>,
    mut input: LineInput,
) -> Action {
    if is_quit_chord(state, &key) {
        return save_session(state).and(Action::Quit);
    }
    match key.code {
        KeyCode::Esc => {
            state.mode = Mode::Normal;
            if with.is_some() {
                state.notice("not labelled");
            }
            Action::None
        }
        KeyCode::Enter => {
            state.mode = Mode::Normal;
            let verdict = with.or_else(|| {
                state
                    .candidates
                    .rows
                    .iter()
                    .find(|r| r.generation_id == generation_id)
                    .and_then(|r| r.label.as_ref())
                    .map(|l| l.verdict)
            });
            let Some(verdict) = verdict else {
                state.notice("that candidate has no label any more");
                return Action::None;
            };
            let (reason, note) = commands::split_reason(&state.settings.reasons, &input.text);
            // With Y or N this is a new label: the list moves on as after
            // y or n. With r it adds to the label and stays.
            state.pending = Some(if with.is_some() {
                Pending::Label(generation_id)
            } else {
                Pending::Reason(generation_id)
            });
            Action::Query(Query::Label {
                generation_id,
                verdict,
                reason,
                note,
            })
        }
        KeyCode::Tab => {
            input = LineInput::new(commands::complete_reason(
                &state.settings.reasons,
                &input.text,
            ));
            state.mode = Mode::Reason {
                generation_id,
                verdict: with,
                input,
            };
            Action::None
        }
        _ => {
            text_key(&mut input.text, &mut input.back, &key);
            state.mode = Mode::Reason {
                generation_id,
                verdict: with,
                input,
            };
            Action::None
        }
    }
}

pub(super) fn confirm_key(state: &mut State, key: KeyEvent, what: Confirm) -> Action {
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
        Confirm::Train => {
            state.notice("pre-training a new version in the background: see Jobs");
            Action::Train
        }
        Confirm::Finetune => {
            state.notice("fine-tuning on new labels in the background: see Jobs");
            Action::Finetune
        }
    }
}
