//! Pre-training a new model version as a background job: the same steps as
//! `tailor train` (dataset, training loop, version folder, registry), with
//! progress to the jobs pane and the cancel flag wired to `c`.

use super::{BackgroundJob, JobContext, JobError, JobKind, JobOutcome, JobProgress};
use crate::config::Config;
use crate::model::checkpoint::sweep_temporary;
use crate::store::Store;
use crate::train::data;
use crate::train::pretrain::{StopReason, TrainProgress, train};
use crate::train::versions::{self, VersionSettings};
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

    fn run(self: Box<Self>, ctx: &JobContext) -> Result<JobOutcome, JobError> {
        let config = &self.config;
        let mut store = Store::open(&config.store.path).map_err(anyhow::Error::from)?;
        let dir = versions::models_dir(config);
        sweep_temporary(&dir);
        ctx.progress(phase("building the dataset"), true);
        let data =
            data::build(&store, &config.model, &config.train, None).map_err(anyhow::Error::from)?;
        if ctx.cancelled() {
            return Err(JobError::Cancelled);
        }
        let model_cfg = crate::train::pretrain::model_config(&config.model, &data.vocab);
        let mut progress = |p: &TrainProgress| {
            ctx.progress(
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
            )
        };
        let trained = train(
            &model_cfg,
            &data,
            &config.train,
            &mut progress,
            ctx.cancel_flag(),
        )
        .map_err(anyhow::Error::from)?;
        if trained.stop == StopReason::Cancelled {
            return Err(JobError::Cancelled);
        }
        ctx.progress(phase("saving"), true);
        let val_ppl = trained.val_loss.exp();
        let version = versions::next_version(&store, &dir).map_err(anyhow::Error::from)?;
        let metrics = serde_json::json!({
            "val_ppl": val_ppl,
            "train_loss": trained.train_loss,
            "steps": trained.steps,
            "tokens_per_s": trained.tokens_per_s,
            "seconds": trained.seconds,
            "skipped_steps": trained.skipped_steps,
            "stop": trained.stop,
        });
        let settings =
            VersionSettings::from_config(&config.model, &config.train, model_cfg, "pretrain", None);
        versions::save(
            &mut store,
            &dir,
            &version,
            &trained.varmap,
            &data.vocab,
            &settings,
            &metrics,
            Some(&self.analyst),
        )
        .map_err(anyhow::Error::from)?;
        tracing::info!(%version, val_ppl, "console: model version saved and activated");
        Ok(JobOutcome {
            summary: format!(
                "{version} is now active: val_ppl {val_ppl:.2} after {} steps",
                trained.steps
            ),
            active_model: Some(version),
        })
    }
}
