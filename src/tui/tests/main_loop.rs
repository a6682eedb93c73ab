//! The main loop on a real store, with keys from a channel and frames on a
//! test backend: a key is answered with a frame, an idle console draws
//! nothing (no tick), and `q` ends the loop after the store lane has
//! written what it was given.

use crate::config::Config;
use crate::demo::DemoOptions;
use crate::jobs::Jobs;
use crate::store::Store;
use crate::tui::keymap::Keymap;
use crate::tui::main_loop::{Frame, LoopOptions, run};
use crate::tui::state::{Settings, State};
use crate::tui::theme::Theme;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

fn press(c: char) -> std::io::Result<TermEvent> {
    Ok(TermEvent::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

/// Frames that arrive within `quiet` of each other, until a quiet spell.
async fn settle(frames: &mut UnboundedReceiver<Frame>, quiet: Duration) -> usize {
    let mut n = 0;
    while tokio::time::timeout(quiet, frames.recv()).await.is_ok() {
        n += 1;
    }
    n
}

#[test]
fn keys_draw_at_once_idle_draws_nothing_and_q_quits() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.store.path = dir.path().join("shop.db");
    config.console.train_on_first_run = false;
    let opts = DemoOptions { seed: 1, users: 30 };
    Store::create_demo(
        &config.store.path,
        &opts,
        &dir.path().join("t.csv"),
        &mut |_| {},
    )
    .unwrap();
    let config = Arc::new(config);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (mut jobs, replies) = Jobs::start(config.clone(), "ann".into());
        let (frame_tx, mut frames) = unbounded_channel();
        let (key_tx, mut keys) = unbounded_channel();
        let input = futures_util::stream::poll_fn(move |cx| keys.poll_recv(cx));
        let keymap = Arc::new(Keymap::from_config(&config.keys).unwrap());
        let loop_config = config.clone();
        let task = tokio::spawn(async move {
            let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
            let mut state = State::new(
                Settings::from_config(&loop_config, "ann".into()),
                keymap,
                Theme::new(false),
            );
            let opts = LoopOptions {
                config: loop_config.clone(),
                max_fps: 30,
                on_frame: Some(frame_tx),
                signals: Vec::new(),
            };
            run(&mut terminal, &mut state, input, &mut jobs, replies, opts)
                .await
                .unwrap();
            jobs.shutdown().await;
            terminal.backend().to_string()
        });
        // Start-up: a few frames as the store answers, then quiet.
        let startup = settle(&mut frames, Duration::from_millis(400)).await;
        assert!(startup >= 1);
        // Idle: no tick, so no frame at all.
        assert_eq!(settle(&mut frames, Duration::from_millis(600)).await, 0);
        // A key is answered with a frame that has seen it.
        key_tx.send(press('j')).unwrap();
        let f = tokio::time::timeout(Duration::from_secs(2), frames.recv())
            .await
            .expect("a frame after a key")
            .unwrap();
        assert_eq!(f.keys, 1);
        key_tx.send(press('q')).unwrap();
        let screen = tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("q ends the loop")
            .unwrap();
        assert!(screen.contains("u0000002"), "{screen}");
    });
    // q saved the position, through the store lane, before the loop ended.
    let store = Store::open(&config.store.path).unwrap();
    let session = store.load_session("ann").unwrap().unwrap();
    assert_eq!(session["list_user"], "u0000002");
}

#[test]
fn a_terminal_that_goes_away_ends_the_loop_and_saves_the_position() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.store.path = dir.path().join("shop.db");
    config.console.train_on_first_run = false;
    Store::create_demo(
        &config.store.path,
        &DemoOptions { seed: 1, users: 5 },
        &dir.path().join("t.csv"),
        &mut |_| {},
    )
    .unwrap();
    let config = Arc::new(config);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (mut jobs, replies) = Jobs::start(config.clone(), "ann".into());
        // A read error, as when an SSH connection drops.
        let (key_tx, mut keys) = unbounded_channel();
        let input = futures_util::stream::poll_fn(move |cx| keys.poll_recv(cx));
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let mut state = State::new(
            Settings::from_config(&config, "ann".into()),
            Arc::new(Keymap::from_config(&config.keys).unwrap()),
            Theme::new(false),
        );
        key_tx.send(press('/')).unwrap();
        key_tx.send(press('u')).unwrap();
        key_tx
            .send(Err(std::io::Error::other("input/output error")))
            .unwrap();
        let opts = LoopOptions {
            config: config.clone(),
            max_fps: 30,
            on_frame: None,
            signals: Vec::new(),
        };
        tokio::time::timeout(
            Duration::from_secs(10),
            run(&mut terminal, &mut state, input, &mut jobs, replies, opts),
        )
        .await
        .expect("the loop ends")
        .unwrap();
        jobs.shutdown().await;
    });
    let store = Store::open(&config.store.path).unwrap();
    let session = store.load_session("ann").unwrap().unwrap();
    assert_eq!(session["filter"], "u");
}
