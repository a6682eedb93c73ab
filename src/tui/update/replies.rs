//! What the answers from the store and model lanes and the news about jobs
//! change.

use super::*;

pub(super) fn next_unlabelled(state: &State, from: usize) -> Option<usize> {
    let rows = &state.candidates.rows;
    let n = rows.len();
    (1..=n)
        .map(|d| (from + d) % n)
        .find(|&i| rows[i].label.is_none())
}

pub(super) fn on_reply(state: &mut State, reply: Reply) -> Action {
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
            if page.total.is_some() {
                list.total = page.total;
            }
            match from {
                PageFrom::Start | PageFrom::Around(_) | PageFrom::End => {
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
            let queued = state.queued_product.take();
            let product = match restored {
                Some(id) => {
                    let found = view.recommended.iter().position(|p| p.product_id == id);
                    if let Some(i) = found {
                        state.shopper.rec_selected = i;
                    }
                    Some(
                        found
                            .map(|i| view.recommended[i].clone())
                            .or(queued.filter(|p| p.product_id == id))
                            .unwrap_or(ProductRow {
                                title: id.clone(),
                                product_id: id,
                                category: String::new(),
                                brand: None,
                                price: None,
                                score: 0.0,
                                description: None,
                                facts: Vec::new(),
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
            from,
            user_id,
            product_id,
            rows,
            new_ids,
            counts,
        } => {
            let list = &mut state.candidates;
            let same_target = list.user_id.as_deref() == Some(&user_id)
                && list.product.as_ref().map(|p| p.product_id.as_str()) == Some(&product_id);
            if from == CandidatesFrom::Earlier(list.tag) && same_target {
                // The page above the list: the row just above where the
                // analyst was is selected.
                list.loading_earlier = false;
                match rows {
                    Ok(mut older) => {
                        let n = older.len();
                        older.append(&mut list.rows);
                        list.rows = older;
                        list.set_counts(counts);
                        list.selected = n.saturating_sub(1);
                    }
                    Err(e) => state.error(e),
                }
                return Action::None;
            }
            if matches!(from, CandidatesFrom::Earlier(_)) {
                state.dirty = false;
                return Action::None;
            }
            if from == CandidatesFrom::Generated {
                list.generating = false;
                if !same_target {
                    state.notice(format!(
                        "{} new candidates for {user_id} × {product_id} are stored (not on screen)",
                        new_ids.len()
                    ));
                    return Action::None;
                }
            } else if from != CandidatesFrom::Query(list.tag) {
                state.dirty = false;
                return Action::None;
            }
            list.loading = false;
            list.loading_earlier = false;
            let rows = match rows {
                Ok(r) => r,
                Err(e) => {
                    state.error(e);
                    return Action::None;
                }
            };
            let previous = list.current().map(|c| c.generation_id);
            list.rows = rows;
            list.set_counts(counts);
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
        Reply::Guidelines(result) => {
            if let Mode::Guidelines { text, .. } = &mut state.mode {
                *text = Some(result);
            }
            Action::None
        }
        Reply::Queue(result) => match result {
            Ok(Some(item)) => {
                let item = *item;
                state.restore = Some(crate::tui::state::Session {
                    filter: String::new(),
                    list_user: Some(item.user_id.clone()),
                    user: Some(item.user_id.clone()),
                    product: Some(item.product.product_id.clone()),
                    candidate: Some(item.generation_id),
                    focus: Some(Pane::Candidates),
                });
                state.queued_product = Some(item.product);
                state.focus = Pane::Candidates;
                state.notice(format!(
                    "queue: {} unlabelled by you · {}",
                    crate::tui::view::panes::thousands(item.left),
                    item.why
                ));
                goto(state, item.user_id)
            }
            Ok(None) => {
                state.queue = false;
                state.notice(
                    "the queue is empty: every candidate has your label; g writes more for a product",
                );
                Action::None
            }
            Err(e) => {
                state.queue = false;
                state.error(format!("queue: {e}"));
                Action::None
            }
        },
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
                                // In the queue, on to the next product.
                                None if state.queue => {
                                    return save_session(state)
                                        .and(crate::tui::update::keys::next_in_queue(state));
                                }
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
        // Work from a shell or another console: refresh what it may change
        // (the registry and the counts), not what the analyst is reading.
        Reply::StoreChanged => {
            state.dirty = false;
            Action::Many(vec![
                Action::Query(Query::Models),
                Action::Query(Query::Progress),
            ])
        }
        Reply::Models { models, active } => {
            state.models = models;
            state.active_model = active;
            Action::None
        }
        Reply::Notice { text, error } => {
            state.notice = Some(crate::tui::state::Notice { text, error });
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
        Reply::Compared { result } => {
            match &mut state.mode {
                Mode::Compare { result: slot, .. } => *slot = Some(result),
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

pub(super) fn on_job(state: &mut State, ev: JobEvent) -> Action {
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
            // The newest job is at the top of the pane: select it, unless
            // the analyst is moving in the pane (pushing keeps their index).
            if state.focus != Pane::Jobs {
                state.job_selected = state.jobs.len() - 1;
            }
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
            if matches!(kind, Some(JobKind::Pretrain | JobKind::Finetune)) {
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

pub(super) fn finish(state: &mut State, id: u64, to: JobState, outcome: String) -> Option<JobKind> {
    let job = state.jobs.iter_mut().find(|j| j.id == id)?;
    job.state = to;
    job.outcome = Some(outcome);
    Some(job.kind)
}

pub(super) fn prune_jobs(state: &mut State) {
    let finished = state
        .jobs
        .iter()
        .filter(|j| !matches!(j.state, JobState::Running | JobState::Cancelling))
        .count();
    let mut excess = finished.saturating_sub(crate::tui::state::FINISHED_JOBS_KEPT);
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
