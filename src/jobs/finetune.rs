//! Fine-tuning on new labels as a background job (`t`, `:finetune`): the
//! same steps as `tailor finetune` (`finetuned_version::finetune_and_save`;
//! the jobs layer already holds the trainer), with progress to the jobs
//! pane, cancel wired to `c`, and the promotion gate's decision as the notice.

use super::{BackgroundJob, JobContext, JobError, JobKind, JobOutcome, JobProgress};
use crate::config::Config;
use crate::store::Store;
use crate::train::finetuned_version::{FinetuneError, finetune_and_save};
use crate::train::pretrain::TrainProgress;
use crate::train::versions;
use std::sync::Arc;

/// Fine-tunes the active version for `analyst`.
pub struct FinetuneJob {
    config: Arc<Config>,
    analyst: String,
}

impl FinetuneJob {
    /// A job that fine-tunes with `config` for `analyst`.
    pub fn new(config: Arc<Config>, analyst: String) -> FinetuneJob {
        FinetuneJob { config, analyst }
    }
}

impl BackgroundJob for FinetuneJob {
    fn kind(&self) -> JobKind {
        JobKind::Finetune
    }

    fn what(&self) -> String {
        "fine-tune on new labels".into()
    }

    fn run(self: Box<Self>, ctx: &JobContext<'_>) -> Result<JobOutcome, JobError> {
        let config = &self.config;
        let trainer = ctx
            .trainer()
            .ok_or_else(|| anyhow::anyhow!("a training job runs only inside the trainer"))?;
        let mut store = Store::open(&config.store.path).map_err(anyhow::Error::from)?;
        let dir = versions::models_dir(config);
        ctx.progress(
            JobProgress {
                phase: "preparing labels and data".into(),
                ..Default::default()
            },
            true,
        );
        let mut progress = |p: &TrainProgress| {
            ctx.progress(
                JobProgress {
                    phase: "fine-tuning".into(),
                    step: p.step,
                    total: p.total_steps,
                    loss: Some(p.loss),
                    val_loss: None,
                    eta_s: Some(p.eta_s),
                    tokens_per_s: Some(p.tokens_per_s),
                },
                p.step == p.total_steps,
            )
        };
        let report = match finetune_and_save(
            &mut store,
            config,
            &dir,
            trainer,
            &self.analyst,
            None,
            &mut progress,
            ctx.cancel_flag(),
        ) {
            Ok(r) => r,
            Err(FinetuneError::Cancelled) => return Err(JobError::Cancelled),
            Err(e) => return Err(JobError::Failed(e.into())),
        };
        Ok(JobOutcome {
            summary: format!(
                "{} from {} labels: {}",
                report.model_version, report.labels_used, report.eval.reason
            ),
            active_model: report.promoted.then(|| report.model_version.clone()),
        })
    }
}
