//! The one loop: `select!` over the terminal's events, the jobs layer's
//! messages, the quitting signals (SIGTERM, SIGHUP, SIGINT, SIGQUIT) and a
//! frame slot. It draws only when the state
//! changed: at once after a key (a key is answered with a frame), otherwise
//! at most `max_fps` times a second. Idle, it sleeps: no tick.

use super::event::{Action, Event};
use super::state::State;
use super::update::handle;
use super::view::render;
use crate::config::Config;
use crate::jobs::finetune::FinetuneJob;
use crate::jobs::pretrain::PretrainJob;
use crate::jobs::{Jobs, Message};
use anyhow::Result;
use crossterm::event::Event as TermEvent;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::signal::unix::Signal;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// A frame drawn: when, and how many key events had been handled by then
/// (so a benchmark knows which frame answers which key).
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    /// When the frame was written to the backend.
    pub at: Instant,
    /// Key events handled before it was drawn.
    pub keys: u64,
}

/// What the loop is given besides the terminal and the state.
pub struct LoopOptions {
    /// The configuration (training jobs need it).
    pub config: Arc<Config>,
    /// Frames per second at most for changes that do not come from a key.
    pub max_fps: u32,
    /// Told of every frame drawn (benchmarks and tests).
    pub on_frame: Option<UnboundedSender<Frame>>,
    /// The signals that quit the console as `q` does (none in tests).
    pub signals: Vec<Signal>,
}

/// Waits for any of `signals`; never returns when there are none.
async fn signalled(signals: &mut [Signal]) {
    std::future::poll_fn(|cx| {
        if signals.iter_mut().any(|s| s.poll_recv(cx).is_ready()) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}

fn from_terminal(ev: TermEvent) -> Option<Event> {
    match ev {
        TermEvent::Key(k) => Some(Event::Key(k)),
        TermEvent::Paste(p) => Some(Event::Paste(p)),
        TermEvent::Resize(w, h) => Some(Event::Resize(w, h)),
        _ => None,
    }
}

fn from_jobs(m: Message) -> Event {
    match m {
        Message::Reply(r) => Event::Reply(r),
        Message::Job(j) => Event::Job(j),
    }
}

/// Carries out the actions; returns true on quit.
fn dispatch(actions: Vec<Action>, jobs: &mut Jobs, config: &Arc<Config>) -> bool {
    let mut quit = false;
    for a in actions {
        match a {
            Action::None => {}
            Action::Quit => quit = true,
            Action::Query(q) => jobs.query(q),
            Action::Model(r) => {
                jobs.model(r);
            }
            Action::Train => {
                let job = PretrainJob::new(config.clone(), jobs.analyst().to_string());
                jobs.spawn(Box::new(job));
            }
            Action::Finetune => {
                let job = FinetuneJob::new(config.clone(), jobs.analyst().to_string());
                jobs.spawn(Box::new(job));
            }
            Action::Cancel(id) => {
                jobs.cancel(id);
            }
            Action::Many(v) => quit |= dispatch(v, jobs, config),
        }
    }
    quit
}

fn draw<B: Backend>(
    terminal: &mut Terminal<B>,
    state: &mut State,
    on_frame: &Option<UnboundedSender<Frame>>,
    keys: u64,
) -> Result<()> {
    terminal
        .draw(|f| render(state, f))
        .map_err(|e| anyhow::anyhow!("drawing: {e:?}"))?;
    state.dirty = false;
    if let Some(tx) = on_frame {
        let _ = tx.send(Frame {
            at: Instant::now(),
            keys,
        });
    }
    Ok(())
}

/// Runs the console until it quits. `input` is the terminal's event
/// stream (crossterm's `EventStream`, or a channel in tests).
pub async fn run<B, S>(
    terminal: &mut Terminal<B>,
    state: &mut State,
    mut input: S,
    jobs: &mut Jobs,
    mut replies: UnboundedReceiver<Message>,
    mut opts: LoopOptions,
) -> Result<()>
where
    B: Backend,
    S: Stream<Item = std::io::Result<TermEvent>> + Unpin,
{
    let gap = Duration::from_secs_f64(1.0 / opts.max_fps.max(1) as f64);
    let config = opts.config.clone();
    jobs.query(crate::jobs::Query::Startup);
    let mut keys = 0u64;
    draw(terminal, state, &opts.on_frame, keys)?;
    let mut last_draw = Instant::now();
    loop {
        let slot = tokio::time::Instant::from_std(last_draw + gap);
        let dirty = state.dirty;
        let (event, from_key) = tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(ev)) => {
                    let ev = from_terminal(ev);
                    let key = ev.is_some();
                    (ev, key)
                }
                // The terminal went away (a dropped SSH connection): leave
                // as on SIGHUP, saving the position on the way.
                Some(Err(e)) => {
                    tracing::warn!("reading the terminal: {e}; quitting");
                    (Some(Event::Terminate), false)
                }
                None => (Some(Event::Terminate), false),
            },
            Some(m) = replies.recv() => (Some(from_jobs(m)), false),
            _ = signalled(&mut opts.signals) => (Some(Event::Terminate), false),
            _ = tokio::time::sleep_until(slot), if dirty => (None, false),
        };
        let mut quit = false;
        if let Some(ev) = event {
            keys += matches!(ev, Event::Key(_)) as u64;
            quit |= dispatch(handle(state, ev), jobs, &config);
        }
        // Take whatever else has arrived, so one frame shows it all.
        while !quit && let Ok(m) = replies.try_recv() {
            quit |= dispatch(handle(state, from_jobs(m)), jobs, &config);
        }
        if quit {
            return Ok(());
        }
        if state.dirty && (from_key || last_draw.elapsed() >= gap) {
            draw(terminal, state, &opts.on_frame, keys)?;
            last_draw = Instant::now();
        }
    }
}
