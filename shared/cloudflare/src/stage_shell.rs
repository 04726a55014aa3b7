//! The queue handler shared by the analysis stage Workers: each message is processed by the core
//! and acknowledged, retried with a delay, or left to the platform's dead-letter queue.

use crate::{D1Sql, WorkerSystem, bindings};
use linkhub_core::stages::StageOutcome;
use linkhub_core::stages::analysis::{self, Which};
use worker::{Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder};

pub async fn analysis_stage(batch: MessageBatch<String>, env: Env, which: Which) -> worker::Result<()> {
    let sql = D1Sql(env.d1(bindings::DB)?);
    let dead_letters = batch.queue().ends_with("-dlq");
    for message in batch.raw_iter() {
        let body = message.body().as_string().unwrap_or_default();
        let outcome = if dead_letters {
            analysis::dead_letter(&sql, &WorkerSystem, which, &body).await
        } else {
            analysis::process(&sql, &WorkerSystem, which, &body).await
        };
        match outcome {
            StageOutcome::RetryAfter(delay) => {
                message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(delay).build());
            }
            StageOutcome::Done | StageOutcome::Failed { .. } | StageOutcome::Discarded => message.ack(),
        }
    }
    Ok(())
}
