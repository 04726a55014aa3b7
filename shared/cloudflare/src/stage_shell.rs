//! The queue handlers of the stage Workers: each message is processed by the core
//! and acknowledged, retried with a delay, or left to the platform's dead-letter queue.

use crate::{D1Sql, QueuePort, R2Blobs, WorkerSystem, bindings};
use linkhub_core::stages::StageOutcome;
use linkhub_core::stages::analysis::{self, Which};
use linkhub_core::stages::thumbnail;
use worker::{Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder};

pub async fn analysis_stage(batch: MessageBatch<String>, env: Env, which: Which) -> worker::Result<()> {
    let sql = D1Sql(env.d1(bindings::DB)?);
    let queue = QueuePort(&env);
    let dead_letters = batch.queue().ends_with("-dlq");
    for message in batch.raw_iter() {
        let body = message.body().as_string().unwrap_or_default();
        let outcome = if dead_letters {
            analysis::dead_letter(&sql, &queue, &WorkerSystem, which, &body).await
        } else {
            analysis::process(&sql, &queue, &WorkerSystem, which, &body).await
        };
        settle(&message, outcome);
    }
    Ok(())
}

/// The thumbnail stage queue (and its dead-letter queue): renditions rendered into R2.
pub async fn thumbnail_stage(batch: MessageBatch<String>, env: Env) -> worker::Result<()> {
    let sql = D1Sql(env.d1(bindings::DB)?);
    let blobs = R2Blobs(env.bucket(bindings::BLOBS)?);
    let dead_letters = batch.queue().ends_with("-dlq");
    for message in batch.raw_iter() {
        let body = message.body().as_string().unwrap_or_default();
        let outcome = if dead_letters {
            thumbnail::dead_letter(&sql, &WorkerSystem, &body).await
        } else {
            thumbnail::process(&sql, &blobs, &WorkerSystem, &body).await
        };
        settle(&message, outcome);
    }
    Ok(())
}

fn settle(message: &worker::RawMessage, outcome: StageOutcome) {
    match outcome {
        StageOutcome::RetryAfter(delay) => {
            message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(delay).build());
        }
        StageOutcome::Done | StageOutcome::Failed { .. } | StageOutcome::Discarded => message.ack(),
    }
}
