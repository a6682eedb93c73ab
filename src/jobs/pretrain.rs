//! Pre-training a new model version as a background job: the same steps as
//! `tailor train` (dataset, training loop, version folder, registry), with
//! progress to the jobs pane and the cancel flag wired to `c`.

use super::{BackgroundJob, JobContext, JobError, JobKind, JobOutcome, JobProgress};
use crate::config::Config;
use crate::store::Store;
use crate::train::new_version::{Activation, Stage, train_and_save};
use crate::train::versions;
use std::sync::Arc;

/// Pre-trains and activates a new version.
pub struct PretrainJob {
    config: Arc<Config>,
    analyst: String,
}

impl PretrainJob {
    /// A job that trains with `config` for `analyst`.
    pub fn new(config: Arc<Config>, analyst: String) -> PretrainJob {
        PretrainJob { config, analyst }
    }
}

fn phase(name: &str) -> JobProgress {
    JobProgress {
        phase: name.into(),
        ..Default::default()
    }
}

impl BackgroundJob for PretrainJob {
    fn kind(&self) -> JobKind {
        JobKind::Pretrain
    }

    fn what(&self) -> String {
        "new model version".into()
    }

    fn run(self: Box<Self>, ctx: &JobContext<'_>) -> Result<JobOutcome, JobError> {
        let config = &self.config;
        let trainer = ctx
            .trainer()
            .ok_or_else(|| anyhow::anyhow!("a training job runs only inside the trainer"))?;
        let mut store = Store::open(&config.store.path).map_err(anyhow::Error::from)?;
        let dir = versions::models_dir(config);
        let mut on_stage = |stage: Stage<'_>| match stage {
            Stage::BuildingDataset => ctx.progress(phase("building the dataset"), true),
            Stage::Comparing => ctx.progress(phase("comparing with the active version"), true),
            Stage::Saving => ctx.progress(phase("saving"), true),
            Stage::Training(p) => ctx.progress(
                JobProgress {
                    phase: "training".into(),
                    step: p.step,
                    total: p.total_steps,
                    loss: Some(p.loss),
                    val_loss: p.val_loss,
                    eta_s: Some(p.eta_s),
                    tokens_per_s: Some(p.tokens_per_s),
                },
                p.step == p.total_steps,
            ),
        };
        let saved = train_and_save(
            config,
            &mut store,
            &dir,
            trainer,
            &self.analyst,
            Activation::Gate,
            &mut on_stage,
            ctx.cancel_flag(),
        )?
        .ok_or(JobError::Cancelled)?;
        let summary = match (&saved.gate, saved.activated) {
            (Some(g), false) => g.reason.clone(),
            _ => format!(
                "{} is now active: val_ppl {:.2} after {} steps",
                saved.version, saved.val_ppl, saved.trained.steps
            ),
        };
        Ok(JobOutcome {
            summary,
            active_model: saved.activated.then_some(saved.version),
        })
    }
}
