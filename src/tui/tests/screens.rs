//! Every screen at 120×40, 80×24 and 50×16 as insta snapshots, and every
//! screen at every size from 0×0 to 200×60 without a panic.

use crate::tui::fixtures::{SCREENS, plain, screen};
use crate::tui::keymap::Pane;
use crate::tui::state::State;
use crate::tui::view::render;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

fn draw(state: &State, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| render(state, f)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn every_screen_at_three_sizes() {
    for name in SCREENS {
        let state = screen(name, plain);
        for (w, h) in [(120, 40), (80, 24), (50, 16)] {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), draw(&state, w, h));
        }
    }
}

#[test]
fn every_pane_alone_in_the_single_pane_arrangement() {
    let mut state = screen("browse", plain);
    for pane in Pane::ALL {
        state.focus = pane;
        insta::assert_snapshot!(
            format!("single_{pane:?}_50x16").to_lowercase(),
            draw(&state, 50, 16)
        );
    }
}

#[test]
fn the_help_overlay_follows_the_keymap() {
    // The overlay is generated: rebinding a key changes it.
    let mut keys = crate::config::Config::default().keys;
    keys.label_up = vec!["a".into(), "+".into()];
    keys.label_down = vec!["z".into(), "-".into()];
    let keymap = crate::tui::keymap::Keymap::from_config(&keys).unwrap();
    let mut state = screen("help", plain);
    state.keymap = std::sync::Arc::new(keymap);
    let text = draw(&state, 120, 40);
    assert!(text.contains("a +") && text.contains("z -"), "{text}");
    insta::assert_snapshot!("help_rebound_120x40", text);
}

/// Sizes from 0×0 to 200×60 in steps, with the arrangement boundaries.
fn sizes() -> Vec<(u16, u16)> {
    let mut ws: Vec<u16> = (0..=200).step_by(9).collect();
    ws.extend([1, 2, 29, 30, 31, 59, 60, 61, 99, 100, 101, 200]);
    let mut hs: Vec<u16> = (0..=60).step_by(4).collect();
    hs.extend([1, 2, 3, 7, 8, 9, 16, 24, 60]);
    ws.sort_unstable();
    ws.dedup();
    hs.sort_unstable();
    hs.dedup();
    ws.iter()
        .flat_map(|&w| hs.iter().map(move |&h| (w, h)))
        .collect()
}

#[test]
fn no_screen_panics_at_any_size_even_when_resized_between_frames() {
    let sizes = sizes();
    let mut panics = Vec::new();
    let mut frames = 0;
    for name in SCREENS {
        let mut state = screen(name, plain);
        for pane in Pane::ALL {
            state.focus = pane;
            // One terminal, resized before every frame: a resize storm.
            let mut terminal = Terminal::new(TestBackend::new(1, 1)).unwrap();
            for &(w, h) in &sizes {
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    terminal.backend_mut().resize(w, h);
                    terminal.resize(Rect::new(0, 0, w, h)).unwrap();
                    terminal.draw(|f| render(&state, f)).unwrap();
                }));
                frames += 1;
                if result.is_err() {
                    panics.push(format!("{name} {pane:?} {w}x{h}"));
                }
            }
        }
    }
    assert!(frames > 10_000, "{frames}");
    assert_eq!(panics, Vec::<String>::new(), "panics: {}", panics.len());
}

#[test]
fn a_long_list_keeps_the_selection_in_view_whichever_way_it_moves() {
    use crate::tui::event::Event;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut state = screen("browse", plain);
    state.focus = Pane::Shoppers;
    state.shoppers.rows = (1..=1000)
        .map(|i| crate::store::ShopperRow {
            user_id: format!("u{i:07}"),
            display_name: None,
            orders: 1,
            last_seen: None,
        })
        .collect();
    state.shoppers.next = None;
    state.shoppers.selected = 0;
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let press = |c: KeyCode| Event::Key(KeyEvent::new(c, KeyModifiers::NONE));
    let moves = [KeyCode::PageDown; 60]
        .into_iter()
        .chain([KeyCode::Up; 25])
        .chain([KeyCode::PageUp; 7])
        .chain([KeyCode::End, KeyCode::Home]);
    for m in moves {
        crate::tui::update::handle(&mut state, press(m));
        terminal.draw(|f| render(&state, f)).unwrap();
        let want = format!("›  u{:07}", state.shoppers.selected + 1);
        let screen = terminal.backend().to_string();
        assert!(screen.contains(&want), "{m:?}: {want} not in\n{screen}");
    }
}

#[test]
fn a_jobs_whole_verdict_is_shown_in_its_detail() {
    let mut state = screen("job_detail", plain);
    let verdict = "kept as a candidate: v3 favours what analysts approved more than v2 did in only 61% of pairs from 72 held-out labels (50% is no change), not clearly better (it could be 44%)";
    let crate::tui::state::Mode::JobDetail { id, .. } = state.mode else {
        panic!("{:?}", state.mode);
    };
    let job = state.jobs.iter_mut().find(|j| j.id == id).unwrap();
    job.outcome = Some(verdict.into());
    let text = draw(&state, 80, 24);
    let flat: String = text
        .lines()
        .map(|l| l.trim_matches(|c| c == '"' || c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains("(it could be 44%)"), "{text}");
    assert!(!text.contains('…'), "nothing cut: {text}");
}
