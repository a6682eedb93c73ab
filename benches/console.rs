//! The console's frame budget.
//!
//! - `render_200x60/*`: one frame of a screen on a 200×60 `TestBackend`,
//!   the selection moving every frame so that there is always a change to
//!   draw (target: under 1 ms).
//! - `key_to_frame_while_training`: the real main loop on a demo store,
//!   pre-training its first model in the background (the console's first
//!   run, CPU-bound on every core); the time from a key event entering the
//!   loop's input to the frame that shows it, reported as median and p99
//!   over every key (target: p99 under 16 ms).
//!
//! `cargo bench --bench console`

// Test and benchmark code: a panic is a failed run, not a crash.
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tailor::config::Config;
use tailor::demo::DemoOptions;
use tailor::jobs::Jobs;
use tailor::store::Store;
use tailor::tui::fixtures::{plain, screen};
use tailor::tui::keymap::Keymap;
use tailor::tui::main_loop::{Frame, LoopOptions, run};
use tailor::tui::state::{Settings, State};
use tailor::tui::theme::Theme;
use tailor::tui::view::render;
use tokio::sync::mpsc::unbounded_channel;

fn render_frames(c: &mut Criterion) {
    for name in ["browse", "first_run", "jobs", "help"] {
        let mut state = screen(name, plain);
        let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
        let mut flip = false;
        c.bench_function(&format!("render_200x60/{name}"), |b| {
            b.iter(|| {
                flip = !flip;
                state.shoppers.selected = flip as usize;
                state.candidates.selected = 2 + flip as usize;
                terminal.draw(|f| render(&state, f)).unwrap();
            })
        });
    }
}

fn press(c: char) -> std::io::Result<TermEvent> {
    Ok(TermEvent::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn key_to_frame(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.store.path = dir.path().join("shop.db");
    config.console.train_on_first_run = true;
    // Never finishes while measured; validation only at the (never) end.
    config.train.epochs = 10_000;
    config.train.eval_every = 0;
    let demo = DemoOptions {
        seed: 42,
        users: 400,
    };
    Store::create_demo(
        &config.store.path,
        &demo,
        &dir.path().join("t.csv"),
        &mut |_| {},
    )
    .unwrap();
    let config = Arc::new(config);
    let (key_tx, mut key_rx) = unbounded_channel();
    let (frame_tx, mut frames) = unbounded_channel::<Frame>();
    let loop_config = config.clone();
    // The console's own arrangement: a current-thread runtime running the
    // loop, training on tokio's blocking threads.
    let console = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (mut jobs, replies) = Jobs::start(loop_config.clone(), "bench".into());
            let keymap = Arc::new(Keymap::from_config(&loop_config.keys).unwrap());
            let mut state = State::new(
                Settings::from_config(&loop_config, "bench".into()),
                keymap,
                Theme::new(false),
            );
            let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
            let input = futures_util::stream::poll_fn(move |cx| key_rx.poll_recv(cx));
            let opts = LoopOptions {
                config: loop_config.clone(),
                max_fps: loop_config.console.max_fps,
                on_frame: Some(frame_tx),
                signals: Vec::new(),
            };
            run(&mut terminal, &mut state, input, &mut jobs, replies, opts)
                .await
                .unwrap();
            jobs.shutdown().await;
        });
        runtime.shutdown_timeout(Duration::from_secs(2));
    });
    // Measure only once the job is in its training steps.
    let store = Store::open(&config.store.path).unwrap();
    let step = |store: &Store| {
        store.running_job(&["pretrain"]).unwrap().and_then(|j| {
            (j.detail["phase"] == "training").then(|| j.detail["step"].as_u64().unwrap_or(0))
        })
    };
    let deadline = Instant::now() + Duration::from_secs(300);
    let first_step = loop {
        if let Some(s) = step(&store) {
            break s;
        }
        assert!(Instant::now() < deadline, "training never started");
        std::thread::sleep(Duration::from_millis(200));
    };
    let started = Instant::now();
    let mut samples: Vec<Duration> = Vec::new();
    let mut sent = 0u64;
    let mut group = c.benchmark_group("key_to_frame");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("while_training", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                while frames.try_recv().is_ok() {}
                sent += 1;
                let key = if sent % 2 == 1 { 'j' } else { 'k' };
                let t0 = Instant::now();
                key_tx.send(press(key)).unwrap();
                let latency = loop {
                    let f = frames.blocking_recv().expect("the loop is running");
                    if f.keys >= sent {
                        break f.at.saturating_duration_since(t0);
                    }
                };
                samples.push(latency);
                total += latency;
            }
            total
        })
    });
    group.finish();
    let seconds = started.elapsed().as_secs_f64();
    // Heartbeats are written every few seconds; wait for one more.
    std::thread::sleep(Duration::from_secs(6));
    let last_step = step(&store).unwrap_or(first_step);
    key_tx.send(press('q')).unwrap();
    console.join().unwrap();
    samples.sort();
    println!(
        "key_to_frame_while_training: {} keys over {seconds:.0}s, median {:.3} ms, p99 {:.3} ms, max {:.3} ms; training ran steps {first_step}..{last_step} meanwhile",
        samples.len(),
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().unwrap().as_secs_f64() * 1e3,
    );
}

criterion_group!(benches, render_frames, key_to_frame);
criterion_main!(benches);
