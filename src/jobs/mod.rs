//! The only async boundary: everything the console asks of the store or the
//! model runs here, on tokio's blocking threads, and comes back as a
//! [`Message`] on one channel. The console's render and key paths never wait
//! on SQL or candle.
//!
//! Three kinds of work:
//!
//! - the **store lane** ([`Query`]): one blocking thread that owns a store
//!   connection and answers queries in order, so a label written before an
//!   undo is in the store before the undo looks for it. Superseded reads
//!   (a filter typed further before its first page came back) are skipped;
//! - the **model lane** ([`ModelRequest`]): one blocking thread that keeps
//!   the loaded model and generates or explains candidates;
//! - **background jobs** ([`BackgroundJob`]): pre-training and fine-tuning,
//!   each on its own blocking thread with progress and a cancel flag,
//!   exclusive across processes through the trainer lock and visible to
//!   every analyst through its lease row (`train::lock::with_trainer`, the
//!   same wrapper `tailor train` and `tailor finetune` use).
//!
//! The work itself is synchronous code (`store`, `train`, `model`) with its
//! own tests; this layer only runs it off the UI thread.

pub mod explain;
pub mod finetune;
pub mod messages;
pub mod model_lane;
pub mod pretrain;
pub mod profile;
pub mod store_lane;

use crate::config::Config;
use crate::train::lock::{LeaseEnd, LockError, Trainer, with_trainer};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

pub use crate::train::compare::{CompareSide, Comparison};
pub use crate::train::gate::GateCheck;
pub use messages::{
    CandidatesFrom, ExportWhat, PageFrom, ProductRow, Query, QueueItem, Reply, ShopperPage,
    ShopperView, Startup,
};
pub use model_lane::{Generated, ModelRequest};

/// A job's number within this console.
pub type JobId = u64;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// Pre-training a new model version.
    Pretrain,
    /// Fine-tuning on labels.
    Finetune,
    /// Generating candidates.
    Generate,
    /// Explaining a candidate.
    Explain,
}

impl JobKind {
    /// The name shown in the jobs pane and stored in lease rows.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Pretrain => "pretrain",
            JobKind::Finetune => "finetune",
            JobKind::Generate => "generate",
            JobKind::Explain => "explain",
        }
    }

    /// Whether the job needs the one trainer (one per store, across processes).
    pub fn needs_trainer(self) -> bool {
        matches!(self, JobKind::Pretrain | JobKind::Finetune)
    }
}

/// Where a training job is.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JobProgress {
    /// What it is doing now ("building the dataset", "training", "saving").
    pub phase: String,
    /// Steps done.
    pub step: usize,
    /// Steps planned.
    pub total: usize,
    /// Loss of the last step.
    pub loss: Option<f64>,
    /// Held-out loss at the last validation.
    pub val_loss: Option<f64>,
    /// Seconds left, estimated.
    pub eta_s: Option<f64>,
    /// Tokens per second.
    pub tokens_per_s: Option<f64>,
}

/// News about one job.
#[derive(Debug, Clone, PartialEq)]
pub enum JobUpdate {
    /// It began.
    Started {
        /// What it does.
        kind: JobKind,
        /// The analyst who started it.
        by: String,
        /// A one-line description.
        what: String,
        /// Whether `c` can stop it.
        cancellable: bool,
    },
    /// It moved on.
    Progress(JobProgress),
    /// It ended well; the summary is shown as a notice.
    Finished {
        /// One line for the analyst.
        summary: String,
        /// The active model version, when the job changed it.
        active_model: Option<String>,
    },
    /// It failed.
    Failed {
        /// Why, in words.
        error: String,
    },
    /// It stopped because it was asked to; nothing was saved.
    Cancelled,
}

/// A job's update with its id.
#[derive(Debug, Clone, PartialEq)]
pub struct JobEvent {
    /// Which job.
    pub id: JobId,
    /// What happened.
    pub update: JobUpdate,
}

/// Everything that comes back from this layer.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// An answer to a query or a model request.
    Reply(Reply),
    /// News about a job.
    Job(JobEvent),
}

/// How a background job ended.
#[derive(Debug)]
pub enum JobError {
    /// The cancel flag was raised; nothing was saved.
    Cancelled,
    /// Something went wrong.
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for JobError {
    fn from(e: anyhow::Error) -> Self {
        JobError::Failed(e)
    }
}

/// What a successful background job reports.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOutcome {
    /// One line for the analyst.
    pub summary: String,
    /// The active model version, when the job changed it.
    pub active_model: Option<String>,
}

/// Long work with progress and cancel: pre-training and fine-tuning.
/// `run` is synchronous and runs on a blocking thread.
pub trait BackgroundJob: Send + 'static {
    /// What kind of job this is.
    fn kind(&self) -> JobKind;
    /// A one-line description for the jobs pane.
    fn what(&self) -> String;
    /// Does the work, reporting through `ctx` and checking its cancel flag.
    fn run(self: Box<Self>, ctx: &JobContext<'_>) -> Result<JobOutcome, JobError>;
}

/// What a running job sees: its cancel flag, a progress sink that
/// forwards at most a few updates a second, and the trainer when it holds it.
pub struct JobContext<'a> {
    id: JobId,
    cancel: Arc<AtomicBool>,
    tx: UnboundedSender<Message>,
    last: std::sync::Mutex<Option<Instant>>,
    trainer: Option<&'a Trainer>,
}

/// Progress is forwarded at most this often (the last step always is).
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

impl JobContext<'_> {
    /// The trainer, for a job whose kind needs it.
    pub fn trainer(&self) -> Option<&Trainer> {
        self.trainer
    }

    /// The flag that `c` raises.
    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }

    /// Whether the job has been asked to stop.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Reports progress; dropped when the previous report was very recent,
    /// unless `force` (a phase change, the last step).
    pub fn progress(&self, p: JobProgress, force: bool) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if !force && last.is_some_and(|t| now.duration_since(t) < PROGRESS_EVERY) {
            return;
        }
        *last = Some(now);
        drop(last);
        let _ = self.tx.send(Message::Job(JobEvent {
            id: self.id,
            update: JobUpdate::Progress(p),
        }));
    }
}

/// The console's handle on this layer.
pub struct Jobs {
    config: Arc<Config>,
    analyst: String,
    tx: UnboundedSender<Message>,
    store: UnboundedSender<Query>,
    model: UnboundedSender<(JobId, ModelRequest)>,
    store_lane: tokio::task::JoinHandle<()>,
    cancels: HashMap<JobId, Arc<AtomicBool>>,
    next_id: JobId,
}

impl Jobs {
    /// Starts the lanes. Must be called inside a tokio runtime; returns the
    /// handle and the channel every answer comes back on.
    pub fn start(config: Arc<Config>, analyst: String) -> (Jobs, UnboundedReceiver<Message>) {
        let (tx, rx) = unbounded_channel();
        let (store_tx, store_rx) = unbounded_channel();
        let (model_tx, model_rx) = unbounded_channel();
        let store_lane = store_lane::spawn(config.clone(), analyst.clone(), store_rx, tx.clone());
        store_lane::watch(
            config.store.path.clone(),
            store_lane::WATCH_EVERY,
            tx.clone(),
        );
        // The model lane is not joined: a generation under way when the
        // console quits is dropped whole (it writes in one transaction).
        drop(model_lane::spawn(
            config.clone(),
            analyst.clone(),
            model_rx,
            tx.clone(),
        ));
        let jobs = Jobs {
            config,
            analyst,
            tx,
            store: store_tx,
            model: model_tx,
            store_lane,
            cancels: HashMap::new(),
            next_id: 1,
        };
        (jobs, rx)
    }

    /// The analyst this console runs for.
    pub fn analyst(&self) -> &str {
        &self.analyst
    }

    fn new_id(&mut self) -> JobId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Sends a query to the store lane.
    pub fn query(&self, q: Query) {
        // The lane ends only when this handle drops.
        let _ = self.store.send(q);
    }

    /// Sends a request to the model lane; it shows in the jobs pane.
    pub fn model(&mut self, r: ModelRequest) -> JobId {
        let id = self.new_id();
        let _ = self.model.send((id, r));
        id
    }

    /// Starts a background job on its own blocking thread.
    pub fn spawn(&mut self, job: Box<dyn BackgroundJob>) -> JobId {
        let id = self.new_id();
        let cancel = Arc::new(AtomicBool::new(false));
        self.cancels.insert(id, cancel.clone());
        let tx = self.tx.clone();
        let config = self.config.clone();
        let analyst = self.analyst.clone();
        let kind = job.kind();
        let _ = tx.send(Message::Job(JobEvent {
            id,
            update: JobUpdate::Started {
                kind,
                by: analyst.clone(),
                what: job.what(),
                cancellable: true,
            },
        }));
        tokio::task::spawn_blocking(move || {
            let update = run_background(id, job, &config, &analyst, cancel, tx.clone());
            let _ = tx.send(Message::Job(JobEvent { id, update }));
        });
        id
    }

    /// Raises a job's cancel flag; false when the job cannot be cancelled.
    pub fn cancel(&self, id: JobId) -> bool {
        match self.cancels.get(&id) {
            Some(flag) => {
                flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// Waits for the store lane to finish what it was sent (so a label
    /// typed just before quitting is written, and the position saved), and
    /// raises every job's cancel flag. Nothing else is waited for: the
    /// process is ending, and no job records anything before its work is
    /// complete.
    pub async fn shutdown(self) {
        for flag in self.cancels.values() {
            flag.store(true, Ordering::Relaxed);
        }
        drop(self.store);
        drop(self.model);
        let _ = self.store_lane.await;
    }
}

/// Runs a background job, inside the trainer (`with_trainer`) when its kind
/// needs it, and turns its result into the final update.
fn run_background(
    id: JobId,
    job: Box<dyn BackgroundJob>,
    config: &Config,
    analyst: &str,
    cancel: Arc<AtomicBool>,
    tx: UnboundedSender<Message>,
) -> JobUpdate {
    let kind = job.kind();
    let run = |trainer: Option<&Trainer>| -> Result<JobOutcome, JobError> {
        let ctx = JobContext {
            id,
            cancel,
            tx,
            last: std::sync::Mutex::new(None),
            trainer,
        };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(&ctx))).unwrap_or_else(
            |panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".into());
                Err(JobError::Failed(anyhow::anyhow!(
                    "the job panicked: {what}"
                )))
            },
        )
    };
    let result = if kind.needs_trainer() {
        with_trainer(config, kind.as_str(), analyst, |t| run(Some(t)), lease_end)
    } else {
        run(None)
    };
    let update = match result {
        Ok(outcome) => JobUpdate::Finished {
            summary: outcome.summary,
            active_model: outcome.active_model,
        },
        Err(JobError::Cancelled) => JobUpdate::Cancelled,
        Err(JobError::Failed(e)) => JobUpdate::Failed {
            error: format!("{e:#}"),
        },
    };
    tracing::info!(id, kind = kind.as_str(), ?update, "job ended");
    update
}

/// How a console job ends its trainer lease.
fn lease_end(result: &Result<JobOutcome, JobError>) -> LeaseEnd {
    match result {
        Ok(o) => LeaseEnd::Done(
            serde_json::json!({"summary": o.summary, "active_model": o.active_model}),
        ),
        Err(JobError::Cancelled) => LeaseEnd::Cancelled,
        Err(JobError::Failed(e)) => LeaseEnd::Failed(format!("{e:#}")),
    }
}

impl From<LockError> for JobError {
    fn from(e: LockError) -> Self {
        JobError::Failed(e.into())
    }
}
