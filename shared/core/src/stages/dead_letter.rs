//! The dead-letter consumer: a message whose retries are spent marks its job failed instead of
//! vanishing.

use super::state::{self, Stage};
use super::{RETRIES_EXHAUSTED, StageMessage, StageOutcome};
use crate::jobs::status;
use crate::log::LogCtx;
use crate::ports::{Sql, Stmt, System};

pub async fn process(sql: &impl Sql, sys: &impl System, body: &str) -> Result<StageOutcome, String> {
    let log = LogCtx::new("dead-letter");
    let Ok(msg) = StageMessage::parse(body) else {
        log.error(sys, "unparseable dead letter dropped", body);
        return Ok(StageOutcome::Discarded);
    };
    let log = log.with("job_id", msg.job_id.as_str()).with("seller_id", msg.seller_id.as_str());
    let now = sys.now_ms();
    let mut stmts = vec![
        Stmt::new(
            "UPDATE jobs SET status = ?, error_code = ?, error_message = (SELECT 'gave up after ' || s.attempts || \
             ' attempts: ' || COALESCE(s.last_error, 'unknown error') FROM job_stages s WHERE s.job_id = jobs.id \
             AND s.stage = ?), updated_at = ? WHERE id = ? AND seller_id = ? AND status = ?",
        )
        .bind(status::FAILED)
        .bind(RETRIES_EXHAUSTED)
        .bind(Stage::Metadata.name())
        .bind(now)
        .bind(&msg.job_id)
        .bind(&msg.seller_id)
        .bind(status::QUEUED),
        state::settle(&msg.job_id, &msg.seller_id, Stage::Metadata, state::FAILED, Some(RETRIES_EXHAUSTED), now),
    ];
    stmts.extend(state::skip_after_metadata(&msg.job_id, &msg.seller_id, now));
    let changed = sql.batch(stmts).await.map_err(|e| e.to_string())?.first().copied().unwrap_or(0);
    log.warn(sys, "job dead-lettered", if changed > 0 { "marked failed" } else { "already settled" });
    Ok(StageOutcome::Failed { code: RETRIES_EXHAUSTED.to_owned() })
}
