//! The dead-letter consumer: a message whose retries are spent marks its job failed instead of
//! vanishing.

use super::{StageMessage, StageOutcome};
use crate::jobs::{stage, status};
use crate::log::LogCtx;
use crate::ports::{Sql, Stmt, System};

pub const RETRIES_EXHAUSTED: &str = "retries_exhausted";

pub async fn process(sql: &impl Sql, sys: &impl System, body: &str) -> Result<StageOutcome, String> {
    let log = LogCtx::new("dead-letter");
    let Ok(msg) = StageMessage::parse(body) else {
        log.error(sys, "unparseable dead letter dropped", body);
        return Ok(StageOutcome::Discarded);
    };
    let log = log.with("job_id", msg.job_id.as_str()).with("seller_id", msg.seller_id.as_str());
    let changed = sql
        .execute(
            Stmt::new(
                "UPDATE jobs SET status = ?, metadata_state = ?, error_code = ?, \
                 error_message = 'gave up after ' || attempts || ' attempts: ' || COALESCE(last_error, 'unknown error'), \
                 updated_at = ? WHERE id = ? AND seller_id = ? AND status = ?",
            )
            .bind(status::FAILED)
            .bind(stage::FAILED)
            .bind(RETRIES_EXHAUSTED)
            .bind(sys.now_ms())
            .bind(&msg.job_id)
            .bind(&msg.seller_id)
            .bind(status::QUEUED),
        )
        .await
        .map_err(|e| e.to_string())?;
    log.warn(sys, "job dead-lettered", if changed > 0 { "marked failed" } else { "already settled" });
    Ok(StageOutcome::Failed { code: RETRIES_EXHAUSTED.to_owned() })
}
