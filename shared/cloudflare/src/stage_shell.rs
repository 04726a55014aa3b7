//! The queue handlers of the stage Workers: each message is processed by the core and
//! acknowledged, retried with a delay, or left to the platform's dead-letter queue.

use crate::{D1Sql, QueuePort, R2Blobs, WorkerSystem, bindings};
use linkhub_core::config::{Config, Role};
use linkhub_core::stages::StageOutcome;
use linkhub_core::stages::analysis::{self, AnalysisDeps, Which};
use linkhub_core::stages::thumbnail;
use std::rc::Rc;
use worker::{Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder};

/// Runs `stage(body, dead_letter)` for every message of the batch and settles each by its
/// outcome. `dead_letter` is true on a dead-letter queue (named `*-dlq`).
pub async fn consume(batch: MessageBatch<String>, stage: impl AsyncFn(&str, bool) -> StageOutcome) {
    let dead_letters = batch.queue().ends_with("-dlq");
    for message in batch.raw_iter() {
        let body = message.body().as_string().unwrap_or_default();
        match stage(&body, dead_letters).await {
            StageOutcome::RetryAfter(delay) => {
                message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(delay).build());
            }
            StageOutcome::Done | StageOutcome::Failed { .. } | StageOutcome::Discarded => message.ack(),
        }
    }
}

/// The configuration of a stage Worker; while it is unusable (logged by `config`) the batch is
/// retried, so nothing is lost while an operator fixes the setting.
fn stage_config(batch: &MessageBatch<String>, env: &Env) -> Option<Rc<Config>> {
    let cfg = crate::config(env, &[Role::Stage]).ok();
    if cfg.is_none() {
        batch.retry_all();
    }
    cfg
}

pub async fn analysis_stage(batch: MessageBatch<String>, env: Env, which: Which) -> worker::Result<()> {
    let Some(cfg) = stage_config(&batch, &env) else { return Ok(()) };
    let (sql, queue) = (D1Sql(env.d1(bindings::DB)?), QueuePort(&env));
    let deps = AnalysisDeps { sql: &sql, queue: &queue, sys: &WorkerSystem, cfg: &cfg };
    consume(batch, async |body: &str, dead| {
        if dead { analysis::dead_letter(&deps, which, body).await } else { analysis::process(&deps, which, body).await }
    })
    .await;
    Ok(())
}

/// The thumbnail stage queue (and its dead-letter queue): renditions rendered into R2.
pub async fn thumbnail_stage(batch: MessageBatch<String>, env: Env) -> worker::Result<()> {
    let Some(cfg) = stage_config(&batch, &env) else { return Ok(()) };
    let (sql, blobs) = (D1Sql(env.d1(bindings::DB)?), R2Blobs(env.bucket(bindings::BLOBS)?));
    let deps = thumbnail::ThumbnailDeps { sql: &sql, blobs: &blobs, sys: &WorkerSystem, cfg: &cfg };
    consume(batch, async |body: &str, dead| {
        if dead {
            thumbnail::dead_letter(&sql, &WorkerSystem, &cfg, body).await
        } else {
            thumbnail::process(&deps, body).await
        }
    })
    .await;
    Ok(())
}
