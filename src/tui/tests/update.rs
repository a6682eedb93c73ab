//! `update` without a terminal: keys in, actions and state out.

use crate::jobs::{
    CandidatesFrom, JobEvent, JobKind, JobProgress, JobUpdate, ModelRequest, PageFrom, Query,
    Reply, Startup,
};
use crate::store::{LabelProgress, LabelState, Reverted, Verdict};
use crate::tui::event::{Action, Event};
use crate::tui::fixtures::{blank, plain, screen};
use crate::tui::keymap::{Keymap, Pane};
use crate::tui::state::{Confirm, JobState, Mode, Pending, Session, State};
use crate::tui::update::handle;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Event {
    Event::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn label(id: i64, verdict: Verdict) -> Event {
    Event::Reply(Reply::Labelled {
        generation_id: id,
        state: Ok(LabelState {
            label_id: id * 10,
            verdict,
            reason: None,
            note: None,
        }),
    })
}

fn selected_id(s: &State) -> i64 {
    s.candidates.current().unwrap().generation_id
}

fn is_save(a: &Action) -> bool {
    matches!(a, Action::Query(Query::SaveSession(_)))
}

#[test]
fn y_n_u_typed_at_once_act_in_order_after_each_write() {
    let mut s = screen("browse", plain);
    assert_eq!(selected_id(&s), 103, "the first unlabelled candidate");
    let a = handle(&mut s, key('y'));
    assert_eq!(
        a,
        [Action::Query(Query::Label {
            generation_id: 103,
            verdict: Verdict::Up,
            reason: None,
            note: None
        })]
    );
    assert_eq!(s.pending, Some(Pending::Label(103)));
    // Typed before the store answered: held back, in order.
    assert!(handle(&mut s, key('n')).is_empty());
    assert!(handle(&mut s, key('u')).is_empty());
    assert!(handle(&mut s, key('q')).is_empty());
    assert_eq!(s.deferred.len(), 3);
    // The screen moves on only once the label is committed...
    assert_eq!(selected_id(&s), 103);
    let a = handle(&mut s, label(103, Verdict::Up));
    // ...and then `n` labels the next unlabelled candidate.
    assert!(is_save(&a[0]));
    assert_eq!(
        a[1],
        Action::Query(Query::Label {
            generation_id: 104,
            verdict: Verdict::Down,
            reason: None,
            note: None
        })
    );
    assert_eq!(
        s.candidates.rows[2].label.as_ref().unwrap().verdict,
        Verdict::Up
    );
    assert_eq!(s.deferred.len(), 2);
    let a = handle(&mut s, label(104, Verdict::Down));
    assert_eq!(a[1], Action::Query(Query::Undo));
    assert_eq!(s.pending, Some(Pending::Revert));
    let a = handle(
        &mut s,
        Event::Reply(Reply::Reverted {
            undo: true,
            result: Ok(Some(Reverted {
                row_id: 99,
                target: 1040,
                generation: 104,
                now: None,
            })),
        }),
    );
    // The undone candidate is selected again and unlabelled; then `q`.
    assert_eq!(selected_id(&s), 104);
    assert_eq!(s.candidates.rows[3].label, None);
    assert!(is_save(&a[0]) && a[1] == Action::Quit, "{a:?}");
}

#[test]
fn a_failed_write_says_so_and_does_not_move_on() {
    let mut s = screen("browse", plain);
    handle(&mut s, key('n'));
    let a = handle(
        &mut s,
        Event::Reply(Reply::Labelled {
            generation_id: 103,
            state: Err("the label was NOT saved: disk I/O error".into()),
        }),
    );
    assert!(a.is_empty());
    assert_eq!(selected_id(&s), 103);
    assert!(s.notice.as_ref().unwrap().error);
    assert!(s.pending.is_none());
}

#[test]
fn labelling_the_last_unlabelled_candidate_says_the_queue_is_done() {
    let mut s = screen("browse", plain);
    handle(&mut s, key('y'));
    handle(&mut s, label(103, Verdict::Up));
    handle(&mut s, key('y'));
    handle(&mut s, label(104, Verdict::Up));
    assert!(
        s.notice.as_ref().unwrap().text.contains("all 4 candidates"),
        "{:?}",
        s.notice
    );
}

#[test]
fn generating_needs_a_model_and_a_shopper_and_selects_the_first_new_candidate() {
    let mut s = screen("first_run", plain);
    assert!(handle(&mut s, key('g')).is_empty());
    let text = &s.notice.as_ref().unwrap().text;
    assert!(
        text.contains("no model yet") && text.contains("15%"),
        "{text}"
    );

    let mut s = blank();
    handle(
        &mut s,
        Event::Reply(Reply::Startup(Box::new(Startup {
            analyst: "ann".into(),
            active_model: Some("v1".into()),
            models: Vec::new(),
            session: None,
            progress: LabelProgress::default(),
            trainer: None,
        }))),
    );
    assert!(handle(&mut s, key('g')).is_empty());
    assert!(s.notice.as_ref().unwrap().text.contains("open a shopper"));

    let mut s = screen("browse", plain);
    s.focus = Pane::Shoppers;
    let a = handle(&mut s, key('g'));
    assert_eq!(
        a,
        [Action::Model(ModelRequest::Generate {
            user_id: "u0000007".into(),
            product_id: "p00031".into(),
            n: 4,
            seed: None
        })]
    );
    assert!(s.candidates.generating);
    let mut rows = s.candidates.rows.clone();
    let mut new = rows[3].clone();
    new.generation_id = 105;
    new.label = None;
    rows.push(new);
    handle(
        &mut s,
        Event::Reply(Reply::Candidates {
            from: CandidatesFrom::Generated,
            user_id: "u0000007".into(),
            product_id: "p00031".into(),
            rows: Ok(rows),
            new_ids: vec![105],
            counts: (5, 3),
        }),
    );
    assert_eq!(selected_id(&s), 105);
    assert_eq!(s.focus, Pane::Candidates);
    assert!(!s.candidates.generating);
}

#[test]
fn the_filter_queries_as_you_type_and_esc_clears_it() {
    let mut s = screen("browse", plain);
    s.focus = Pane::Shoppers;
    assert!(handle(&mut s, key('/')).is_empty());
    assert_eq!(s.mode, Mode::Filter);
    let a = handle(&mut s, key('u'));
    let tag = s.shoppers.tag;
    assert_eq!(
        a,
        [Action::Query(Query::Shoppers {
            tag,
            filter: "u".into(),
            from: PageFrom::Start
        })]
    );
    // `j` is text while filtering, not a move.
    handle(&mut s, key('j'));
    assert_eq!(s.shoppers.filter, "uj");
    handle(&mut s, code(KeyCode::Backspace));
    handle(&mut s, Event::Paste("00\x1b[2J07".into()));
    assert_eq!(s.shoppers.filter, "u00[2J07", "controls are not pasted");
    let a = handle(&mut s, code(KeyCode::Esc));
    assert_eq!(s.shoppers.filter, "");
    assert_eq!(s.mode, Mode::Normal);
    assert!(matches!(&a[0], Action::Query(Query::Shoppers { filter, .. }) if filter.is_empty()));
    // Enter leaves the filter and opens the first match of what was
    // typed: once its page is here, not the stale list on screen.
    handle(&mut s, key('/'));
    for c in "u0000012".chars() {
        handle(&mut s, key(c));
    }
    let a = handle(&mut s, code(KeyCode::Enter));
    assert_eq!(s.mode, Mode::Normal);
    assert!(
        !a.iter()
            .any(|a| matches!(a, Action::Query(Query::Shopper { .. })))
    );
    assert!(s.candidates.user_id.is_some(), "still the old shopper");
    let tag = s.shoppers.tag;
    let mut rows = s.shoppers.rows.clone();
    rows.retain(|r| r.user_id == "u0000012");
    let a = handle(
        &mut s,
        Event::Reply(Reply::Shoppers {
            tag,
            from: PageFrom::Start,
            page: Ok(crate::jobs::ShopperPage {
                rows,
                next: None,
                more_before: false,
                select: None,
                total: None,
            }),
        }),
    );
    assert!(
        matches!(&a[0], Action::Query(Query::Shopper { user_id, .. }) if user_id == "u0000012"),
        "{a:?}"
    );
    // Nothing acts on the previous shopper while this one loads.
    assert!(s.candidates.user_id.is_none() && s.candidates.rows.is_empty());
    assert!(handle(&mut s, key('g')).is_empty());
    assert!(s.notice.as_ref().unwrap().text.contains("still loading"));
}

#[test]
fn an_answer_to_a_superseded_query_is_dropped() {
    let mut s = screen("browse", plain);
    s.focus = Pane::Shoppers;
    handle(&mut s, key('/'));
    handle(&mut s, key('u'));
    let old = s.shoppers.tag;
    handle(&mut s, key('0'));
    s.dirty = false;
    handle(
        &mut s,
        Event::Reply(Reply::Shoppers {
            tag: old,
            from: PageFrom::Start,
            page: Ok(crate::jobs::ShopperPage {
                rows: Vec::new(),
                next: None,
                more_before: false,
                select: None,
                total: None,
            }),
        }),
    );
    assert_eq!(s.shoppers.rows.len(), 30, "the stale page changed nothing");
    assert!(!s.dirty, "and nothing is redrawn for it");
}

#[test]
fn the_list_pages_forward_near_its_end() {
    let mut s = screen("browse", plain);
    s.focus = Pane::Shoppers;
    let mut asked = Vec::new();
    for _ in 0..25 {
        asked.extend(handle(&mut s, key('j')));
    }
    assert_eq!(
        asked.len(),
        1,
        "one page request while it is loading: {asked:?}"
    );
    assert!(matches!(
        &asked[0],
        Action::Query(Query::Shoppers {
            from: PageFrom::After(_),
            ..
        })
    ));
}

#[test]
fn destructive_commands_ask_first() {
    let mut s = screen("browse", plain);
    for c in ":rollback".chars() {
        handle(&mut s, key(c));
    }
    assert!(handle(&mut s, code(KeyCode::Enter)).is_empty());
    assert_eq!(s.mode, Mode::Confirm(Confirm::Rollback));
    assert!(handle(&mut s, key('n')).is_empty());
    assert_eq!(s.mode, Mode::Normal);
    for c in ":promote v1".chars() {
        handle(&mut s, key(c));
    }
    handle(&mut s, code(KeyCode::Enter));
    assert_eq!(s.mode, Mode::Confirm(Confirm::Promote("v1".into())));
    assert_eq!(
        handle(&mut s, key('y')),
        [Action::Query(Query::Promote("v1".into()))]
    );
    for c in ":promote v9".chars() {
        handle(&mut s, key(c));
    }
    handle(&mut s, code(KeyCode::Enter));
    assert_eq!(
        s.mode,
        Mode::Normal,
        "an unknown version is refused at once"
    );
    assert!(s.notice.as_ref().unwrap().error);
}

#[test]
fn the_command_line_completes() {
    let mut s = screen("browse", plain);
    for c in ":pro".chars() {
        handle(&mut s, key(c));
    }
    handle(&mut s, code(KeyCode::Tab));
    assert_eq!(
        s.mode,
        Mode::Command(crate::tui::state::LineInput::new("promote ".into()))
    );
    handle(&mut s, code(KeyCode::Tab));
    assert_eq!(
        s.mode,
        Mode::Command(crate::tui::state::LineInput::new("promote v".into()))
    );
    handle(&mut s, code(KeyCode::Esc));
    for c in ":go".chars() {
        handle(&mut s, key(c));
    }
    handle(&mut s, code(KeyCode::Tab));
    for c in "u000001".chars() {
        handle(&mut s, key(c));
    }
    handle(&mut s, code(KeyCode::Tab));
    assert_eq!(
        s.mode,
        Mode::Command(crate::tui::state::LineInput::new("goto u000001".into())),
        "ambiguous: u0000010..u0000019"
    );
    handle(&mut s, key('2'));
    let a = handle(&mut s, code(KeyCode::Enter));
    assert!(
        a.iter().any(
            |a| matches!(a, Action::Query(Query::Shopper { user_id, .. }) if user_id == "u0000012")
        ),
        "{a:?}"
    );
    assert!(a.iter().any(|a| matches!(
        a,
        Action::Query(Query::Shoppers { from: PageFrom::Around(u), .. }) if u == "u0000012"
    )));
    for c in ":finetune".chars() {
        handle(&mut s, key(c));
    }
    // This screen trains already: one trainer at a time.
    assert!(handle(&mut s, code(KeyCode::Enter)).is_empty());
    assert!(
        s.notice
            .as_ref()
            .unwrap()
            .text
            .contains("already training (pretrain)")
    );
    // Once it is done, `:finetune` and `t` say what the gate still needs
    // while it could not judge the result…
    s.jobs.clear();
    s.progress.gate.short_up = 3;
    assert!(handle(&mut s, key('t')).is_empty());
    assert!(s.mode == Mode::Normal);
    let notice = &s.notice.as_ref().unwrap().text;
    assert!(
        notice.contains("not yet: to judge a fine-tune the gate needs 4 held-out up-labels")
            && notice.contains("label about 6 more up-labels"),
        "{notice}"
    );
    // …and otherwise ask first, then start fine-tuning.
    s.progress.gate.short_up = 0;
    for c in ":finetune".chars() {
        handle(&mut s, key(c));
    }
    assert!(handle(&mut s, code(KeyCode::Enter)).is_empty());
    assert_eq!(s.mode, Mode::Confirm(Confirm::Finetune));
    assert_eq!(handle(&mut s, key('y')), [Action::Finetune]);
    assert!(
        s.notice
            .as_ref()
            .unwrap()
            .text
            .contains("fine-tuning on new labels")
    );
    assert!(handle(&mut s, key('t')).is_empty());
    assert!(handle(&mut s, key('n')).is_empty(), "no is no");
    assert_eq!(s.notice.as_ref().unwrap().text, "cancelled");
    // `:train` asks too.
    for c in ":train".chars() {
        handle(&mut s, key(c));
    }
    assert!(handle(&mut s, code(KeyCode::Enter)).is_empty());
    assert_eq!(s.mode, Mode::Confirm(Confirm::Train));
    assert_eq!(handle(&mut s, key('y')), [Action::Train]);
}

#[test]
fn capital_y_labels_with_a_reason_in_one_go_on_the_candidate_it_was_pressed_on() {
    let mut s = screen("browse", plain);
    assert_eq!(selected_id(&s), 103);
    assert!(handle(&mut s, key('Y')).is_empty(), "nothing written yet");
    // Readline's kill keys work in the prompt.
    for c in "great-hook uses the tent".chars() {
        handle(&mut s, key(c));
    }
    let ctrl = |c: char| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    handle(&mut s, ctrl('w'));
    handle(&mut s, ctrl('w'));
    for c in "purchase".chars() {
        handle(&mut s, key(c));
    }
    let a = handle(&mut s, code(KeyCode::Enter));
    assert_eq!(
        a,
        [Action::Query(Query::Label {
            generation_id: 103,
            verdict: Verdict::Up,
            reason: Some("great-hook".into()),
            note: Some("uses purchase".into()),
        })]
    );
    // Committed: the list moves on as after y.
    handle(&mut s, label(103, Verdict::Up));
    assert_ne!(selected_id(&s), 103);
    // N then Esc writes nothing; Ctrl-U clears what was typed.
    let before = selected_id(&s);
    handle(&mut s, key('N'));
    handle(&mut s, key('x'));
    handle(&mut s, ctrl('u'));
    assert!(
        matches!(&s.mode, Mode::Reason { input, verdict: Some(Verdict::Down), .. } if input.text.is_empty())
    );
    assert!(handle(&mut s, code(KeyCode::Esc)).is_empty());
    assert_eq!(s.notice.as_ref().unwrap().text, "not labelled");
    assert_eq!(selected_id(&s), before);
}

#[test]
fn a_reason_is_a_new_label_row_and_the_selection_stays() {
    let mut s = screen("browse", plain);
    handle(&mut s, key('r'));
    assert!(
        s.notice.as_ref().unwrap().text.contains("label it first"),
        "no label on #103 yet"
    );
    handle(&mut s, key('k'));
    handle(&mut s, key('r'));
    assert!(matches!(
        s.mode,
        Mode::Reason {
            generation_id: 102,
            ..
        }
    ));
    // The existing reason is there to edit; replace it.
    for _ in 0..20 {
        handle(&mut s, code(KeyCode::Backspace));
    }
    for c in "wro".chars() {
        handle(&mut s, key(c));
    }
    handle(&mut s, code(KeyCode::Tab));
    for c in "price is wrong".chars() {
        handle(&mut s, key(c));
    }
    let a = handle(&mut s, code(KeyCode::Enter));
    assert_eq!(
        a,
        [Action::Query(Query::Label {
            generation_id: 102,
            verdict: Verdict::Down,
            reason: Some("wrong-fact".into()),
            note: Some("price is wrong".into()),
        })]
    );
    handle(&mut s, label(102, Verdict::Down));
    assert_eq!(selected_id(&s), 102, "adding a reason does not move on");
}

#[test]
fn the_jobs_pane_moves_in_the_order_it_shows_newest_first() {
    let mut s = screen("first_run", plain);
    for id in 2..=3 {
        handle(
            &mut s,
            Event::Job(JobEvent {
                id,
                update: JobUpdate::Started {
                    kind: JobKind::Generate,
                    by: "ana".into(),
                    what: format!("job {id}"),
                    cancellable: false,
                },
            }),
        );
    }
    s.focus = Pane::Jobs;
    let selected = |s: &State| s.jobs[s.job_selected].id;
    handle(&mut s, code(KeyCode::Home));
    assert_eq!(selected(&s), 3, "Home: the newest, at the top");
    handle(&mut s, key('j'));
    assert_eq!(selected(&s), 2, "j: the one below it, older");
    handle(&mut s, key('k'));
    assert_eq!(selected(&s), 3, "k: back up");
    handle(&mut s, code(KeyCode::End));
    assert_eq!(selected(&s), 1, "End: the oldest, at the bottom");
    handle(&mut s, key('j'));
    assert_eq!(selected(&s), 1, "j stops at the bottom");
}

#[test]
fn candidates_beyond_the_first_page_are_reached_by_moving_up() {
    let mut s = screen("browse", plain);
    s.focus = Pane::Candidates;
    // The store holds 1,000 candidates; the list has the newest 4 of them.
    let rows = s.candidates.rows.clone();
    s.candidates.set_counts((1000, 10));
    assert_eq!(s.candidates.totals(), (1000, 10));
    handle(&mut s, code(KeyCode::Home));
    let first = rows[0].generation_id;
    let a = handle(&mut s, key('k'));
    let tag = s.candidates.tag;
    assert_eq!(
        a,
        [Action::Query(Query::Candidates {
            tag,
            user_id: "u0000007".into(),
            product_id: "p00031".into(),
            before: Some(first),
        })]
    );
    assert!(handle(&mut s, key('k')).is_empty(), "one page at a time");
    let mut older = rows[..2].to_vec();
    for (i, r) in older.iter_mut().enumerate() {
        r.generation_id = first - 10 + i as i64;
        r.label = None;
    }
    handle(
        &mut s,
        Event::Reply(Reply::Candidates {
            from: CandidatesFrom::Earlier(tag),
            user_id: "u0000007".into(),
            product_id: "p00031".into(),
            rows: Ok(older),
            new_ids: Vec::new(),
            counts: (1000, 10),
        }),
    );
    assert_eq!(s.candidates.rows.len(), rows.len() + 2);
    assert_eq!(selected_id(&s), first - 9, "the row just above");
    assert_eq!(s.candidates.totals(), (1000, 10));
}

#[test]
fn end_in_the_shopper_list_asks_for_the_last_page_and_selects_its_last_row() {
    let mut s = screen("browse", plain);
    s.focus = Pane::Shoppers;
    let a = handle(&mut s, code(KeyCode::End));
    let tag = s.shoppers.tag;
    assert_eq!(
        a,
        [Action::Query(Query::Shoppers {
            tag,
            filter: String::new(),
            from: PageFrom::End,
        })]
    );
    let rows: Vec<crate::store::ShopperRow> = s.shoppers.rows[..5].to_vec();
    handle(
        &mut s,
        Event::Reply(Reply::Shoppers {
            tag,
            from: PageFrom::End,
            page: Ok(crate::jobs::ShopperPage {
                rows,
                next: None,
                more_before: true,
                select: Some(4),
                total: Some(2000),
            }),
        }),
    );
    assert_eq!(s.shoppers.selected, 4);
    assert!(s.shoppers.more_before && s.shoppers.next.is_none());
    assert_eq!(s.shoppers.total, Some(2000));
}

#[test]
fn work_from_a_shell_refreshes_the_registry_and_the_counts() {
    let mut s = screen("browse", plain);
    let a = handle(&mut s, Event::Reply(Reply::StoreChanged));
    assert_eq!(
        a,
        [Action::Query(Query::Models), Action::Query(Query::Progress)]
    );
}

#[test]
fn cancel_stops_a_training_job_and_the_job_says_so() {
    let mut s = screen("first_run", plain);
    s.focus = Pane::Jobs;
    assert_eq!(handle(&mut s, key('c')), [Action::Cancel(1)]);
    assert_eq!(s.jobs[0].state, JobState::Cancelling);
    handle(
        &mut s,
        Event::Job(JobEvent {
            id: 1,
            update: JobUpdate::Cancelled,
        }),
    );
    assert_eq!(s.jobs[0].state, JobState::Cancelled);
    assert!(
        s.notice
            .as_ref()
            .unwrap()
            .text
            .contains("nothing was saved")
    );
    assert!(s.jobs[0].losses.len() > 30, "the loss history was kept");
}

#[test]
fn the_first_model_arriving_is_announced_and_enables_generation() {
    let mut s = screen("first_run", plain);
    let a = handle(
        &mut s,
        Event::Job(JobEvent {
            id: 1,
            update: JobUpdate::Finished {
                summary: "v1 is now active: val_ppl 20.00 after 800 steps".into(),
                active_model: Some("v1".into()),
            },
        }),
    );
    assert_eq!(a, [Action::Query(Query::Models)]);
    assert_eq!(s.active_model.as_deref(), Some("v1"));
    assert!(s.notice.as_ref().unwrap().text.contains("v1 is now active"));
}

#[test]
fn start_up_trains_only_when_asked_and_nobody_else_is() {
    let startup = |trainer| {
        Event::Reply(Reply::Startup(Box::new(Startup {
            analyst: "ann".into(),
            active_model: None,
            models: Vec::new(),
            session: None,
            progress: LabelProgress::default(),
            trainer,
        })))
    };
    let mut s = blank();
    s.settings.train_on_first_run = true;
    assert!(handle(&mut s, startup(None)).contains(&Action::Train));
    let mut s = blank();
    s.settings.train_on_first_run = false;
    assert!(!handle(&mut s, startup(None)).contains(&Action::Train));
    assert!(s.notice.as_ref().unwrap().text.contains(":train"));
    let mut s = blank();
    s.settings.train_on_first_run = true;
    let a = handle(&mut s, startup(Some(("pretrain".into(), "bob".into(), 0))));
    assert!(!a.contains(&Action::Train));
    assert!(s.notice.as_ref().unwrap().text.contains("bob"));
}

#[test]
fn the_console_reopens_where_the_analyst_left_off() {
    let before = screen("browse", plain);
    let mut session = before.session();
    session.filter = "u00".into();
    assert_eq!(session.candidate, Some(103));
    let mut s = blank();
    let a = handle(
        &mut s,
        Event::Reply(Reply::Startup(Box::new(Startup {
            analyst: "ann".into(),
            active_model: Some("v2".into()),
            models: Vec::new(),
            session: Some(serde_json::to_value(&session).unwrap()),
            progress: LabelProgress::default(),
            trainer: None,
        }))),
    );
    assert_eq!(s.shoppers.filter, "u00");
    assert_eq!(s.focus, Pane::Candidates);
    assert!(a.iter().any(|a| matches!(
        a,
        Action::Query(Query::Shoppers { from: PageFrom::Around(u), filter, .. })
            if u == "u0000007" && filter == "u00"
    )));
    assert!(a.iter().any(|a| matches!(
        a,
        Action::Query(Query::Shopper { user_id, .. }) if user_id == "u0000007"
    )));
    // A session that does not parse is a fresh start, not an error.
    let mut s = blank();
    let a = handle(
        &mut s,
        Event::Reply(Reply::Startup(Box::new(Startup {
            analyst: "ann".into(),
            active_model: Some("v2".into()),
            models: Vec::new(),
            session: Some(serde_json::json!({"filter": 7})),
            progress: LabelProgress::default(),
            trainer: None,
        }))),
    );
    assert!(matches!(
        &a[0],
        Action::Query(Query::Shoppers {
            from: PageFrom::Start,
            ..
        })
    ));
    let _ = Session::default();
}

#[test]
fn signals_and_quit_keys_save_the_position_and_quit() {
    for ev in [Event::Terminate, key('q'), ctrl('c')] {
        let mut s = screen("browse", plain);
        let a = handle(&mut s, ev);
        assert!(is_save(&a[0]) && a[1] == Action::Quit, "{a:?}");
    }
    // Ctrl-C also quits from the middle of typing a filter.
    let mut s = screen("browse", plain);
    s.focus = Pane::Shoppers;
    handle(&mut s, key('/'));
    let a = handle(&mut s, ctrl('c'));
    assert_eq!(a.last(), Some(&Action::Quit));
}

#[test]
fn rebound_keys_are_the_ones_that_act() {
    let mut s = screen("browse", plain);
    let mut keys = crate::config::Config::default().keys;
    keys.label_up = vec!["a".into()];
    s.keymap = std::sync::Arc::new(Keymap::from_config(&keys).unwrap());
    assert!(handle(&mut s, key('y')).is_empty());
    assert!(matches!(
        &handle(&mut s, key('a'))[0],
        Action::Query(Query::Label {
            verdict: Verdict::Up,
            ..
        })
    ));
}

#[test]
fn progress_keeps_a_loss_history_of_bounded_length() {
    let mut s = blank();
    handle(
        &mut s,
        Event::Job(JobEvent {
            id: 5,
            update: JobUpdate::Started {
                kind: JobKind::Pretrain,
                by: "ann".into(),
                what: "x".into(),
                cancellable: true,
            },
        }),
    );
    for step in 1..=5000 {
        handle(
            &mut s,
            Event::Job(JobEvent {
                id: 5,
                update: JobUpdate::Progress(JobProgress {
                    phase: "training".into(),
                    step,
                    total: 5000,
                    loss: Some(1.0 / step as f64),
                    ..Default::default()
                }),
            }),
        );
    }
    let n = s.jobs[0].losses.len();
    assert!((128..=256).contains(&n), "{n}");
    // A progress report for a job this console does not know draws nothing.
    s.dirty = false;
    handle(
        &mut s,
        Event::Job(JobEvent {
            id: 77,
            update: JobUpdate::Progress(JobProgress::default()),
        }),
    );
    assert!(!s.dirty);
}

#[test]
fn help_opens_scrolls_and_closes() {
    let mut s = screen("browse", plain);
    handle(&mut s, key('?'));
    handle(&mut s, key('j'));
    assert_eq!(s.mode, Mode::Help { scroll: 1 });
    handle(&mut s, code(KeyCode::Esc));
    assert_eq!(s.mode, Mode::Normal);
}

#[test]
fn the_queue_opens_the_next_unlabelled_candidate_and_goes_on_after_a_products_last() {
    let mut s = screen("browse", plain);
    let rows = s.candidates.rows.clone();
    assert_eq!(handle(&mut s, key('Q')), [Action::Query(Query::Queue)]);
    assert!(s.queue);
    // The lane's answer: another shopper, and a product not among their
    // recommendations.
    let mut product = s.shopper.view.as_ref().unwrap().recommended[0].clone();
    product.product_id = "p00999".into();
    product.title = "Queued Kettle".into();
    let item = crate::jobs::QueueItem {
        user_id: "u0000012".into(),
        product,
        generation_id: 104,
        left: 1_041,
        why: "first the shoppers the gate can judge with".into(),
    };
    let a = handle(&mut s, Event::Reply(Reply::Queue(Ok(Some(Box::new(item))))));
    assert!(
        a.iter().any(
            |a| matches!(a, Action::Query(Query::Shopper { user_id, .. }) if user_id == "u0000012")
        ),
        "{a:?}"
    );
    let notice = &s.notice.as_ref().unwrap().text;
    assert!(
        notice.starts_with("queue: 1,041 unlabelled by you · first the shoppers"),
        "{notice}"
    );
    // Their view arrives: the queued product opens all the same.
    let mut view = s.shopper.view.clone().unwrap();
    view.user_id = "u0000012".into();
    let tag = s.shopper.tag;
    let a = handle(
        &mut s,
        Event::Reply(Reply::Shopper {
            tag,
            view: Ok(Box::new(view)),
        }),
    );
    assert!(
        a.iter().any(
            |a| matches!(a, Action::Query(Query::Candidates { product_id, .. }) if product_id == "p00999")
        ),
        "{a:?}"
    );
    assert_eq!(
        s.candidates.product.as_ref().unwrap().title,
        "Queued Kettle"
    );
    // Its candidates arrive: the queued one is selected, in the candidates.
    let tag = s.candidates.tag;
    handle(
        &mut s,
        Event::Reply(Reply::Candidates {
            from: CandidatesFrom::Query(tag),
            user_id: "u0000012".into(),
            product_id: "p00999".into(),
            rows: Ok(rows),
            new_ids: Vec::new(),
            counts: (4, 2),
        }),
    );
    assert_eq!(selected_id(&s), 104);
    assert_eq!(s.focus, Pane::Candidates);
    // Labelling moves to the product's other unlabelled candidate, and
    // after the last one the queue asks for the next.
    handle(&mut s, key('y'));
    assert!(
        handle(&mut s, label(104, Verdict::Up))
            .iter()
            .all(|a| !matches!(a, Action::Query(Query::Queue)))
    );
    assert_eq!(selected_id(&s), 103);
    handle(&mut s, key('n'));
    let a = handle(&mut s, label(103, Verdict::Down));
    assert!(a.contains(&Action::Query(Query::Queue)), "{a:?}");
    // Opening a shopper by hand (here through the filter) leaves the queue.
    handle(&mut s, key('/'));
    handle(&mut s, code(KeyCode::Enter));
    assert!(!s.queue);
    s.queue = true;
    // An empty queue says so, and the queue stops.
    handle(&mut s, Event::Reply(Reply::Queue(Ok(None))));
    assert!(!s.queue);
    assert!(
        s.notice
            .as_ref()
            .unwrap()
            .text
            .starts_with("the queue is empty")
    );
}

#[test]
fn prompts_have_readline_cursor_keys() {
    let alt = |c: char| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT));
    let line = |s: &State| match &s.mode {
        Mode::Command(l) => {
            let (a, b) = l.split();
            format!("{a}|{b}")
        }
        other => panic!("{other:?}"),
    };
    let mut s = screen("browse", plain);
    handle(&mut s, key(':'));
    for c in "goto u7 now".chars() {
        handle(&mut s, key(c));
    }
    assert_eq!(line(&s), "goto u7 now|");
    // Alt-B twice: to the start of "u7"; typing inserts there.
    handle(&mut s, alt('b'));
    handle(&mut s, alt('b'));
    assert_eq!(line(&s), "goto |u7 now");
    for c in "u000000".chars() {
        handle(&mut s, key(c));
    }
    assert_eq!(line(&s), "goto u000000|u7 now");
    // Delete the stray "u", then Alt-F past the word, Ctrl-K the rest.
    handle(&mut s, code(KeyCode::Delete));
    handle(&mut s, alt('f'));
    handle(&mut s, ctrl('k'));
    assert_eq!(line(&s), "goto u0000007|");
    // Ctrl-A and Ctrl-E; Ctrl-U deletes to the start only.
    handle(&mut s, ctrl('a'));
    assert_eq!(line(&s), "|goto u0000007");
    handle(&mut s, code(KeyCode::Right));
    handle(&mut s, ctrl('e'));
    assert_eq!(line(&s), "goto u0000007|");
    handle(&mut s, code(KeyCode::Left));
    handle(&mut s, ctrl('u'));
    assert_eq!(line(&s), "|7");
    // Ctrl-W deletes the word before the cursor, not after it.
    let mut s = screen("browse", plain);
    handle(&mut s, key(':'));
    for c in "compare v1 v2".chars() {
        handle(&mut s, key(c));
    }
    handle(&mut s, alt('b'));
    handle(&mut s, ctrl('w'));
    assert_eq!(line(&s), "compare |v2");
}
