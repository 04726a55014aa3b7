//! Housekeeping: rate-limit windows that have passed and idempotency keys past the time they
//! replay for are deleted, so the tables stop growing; and jobs that stopped moving are ended.
//! Run by a cron trigger on Workers and, on Spin (which has no timer), by the drain route at most
//! once per [`EVERY_MS`].
//!
//! A job stops moving when every message that would move it is gone: a dead-letter consumer that
//! could not reach the database through all its retries (Queues then drops the message), a
//! retry whose send and undo both failed, a message an operator purged. The job's own rows are
//! the record that survives: after [`STALLED_AFTER_MS`] without any change to the job or its
//! stages it ends as a dead letter would have ended it (a job still waiting for metadata fails;
//! a job past it completes with what its other stages made), with the reason `stalled`, and the
//! seller's retry route re-runs it.

use crate::ingest::IDEMPOTENCY_KEEP_MS;
use crate::jobs::status;
use crate::ports::{PortError, Sql, Stmt, System};
use crate::ratelimit::WINDOW_MS;
use crate::stages::state::{self, Stage};
use serde::{Deserialize, Serialize};

/// How often the drain route runs the sweep on Spin.
pub const EVERY_MS: i64 = 10 * 60 * 1000;

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub rate_windows: u64,
    pub idempotency_keys: u64,
    pub stalled_jobs: u64,
    /// Uploads left processing that long (their message lost): failed, `stalled`.
    pub stalled_uploads: u64,
    /// Analytics salts of days that are over (`crate::analytics`).
    pub analytics_salts: u64,
    /// Raw analytics events past `analytics::RAW_KEEP_DAYS` (their rollups stay).
    pub old_events: u64,
}

/// How long an unfinished job may go without any change before the sweep ends it: far past
/// every retry schedule (five deliveries with backoff capped at `RETRY_MAX_DELAY_SECONDS`, then
/// the dead-letter consumer's own retries).
pub const STALLED_AFTER_MS: i64 = 60 * 60 * 1000;
/// Jobs ended per sweep; the next sweep takes the rest.
pub const STALLED_PER_SWEEP: i64 = 50;
pub const STALLED: &str = "stalled";

/// Deletes every rate window before the current one and every idempotency key older than
/// [`IDEMPOTENCY_KEEP_MS`] (answered or abandoned), fails uploads left processing, and drops
/// analytics salts whose day is over and raw events past their keep.
pub async fn sweep(sql: &impl Sql, sys: &impl System) -> Result<SweepReport, PortError> {
    let now = sys.now_ms();
    let mut stmts = vec![
        Stmt::new("DELETE FROM rate_windows WHERE window < ?").bind(now / WINDOW_MS),
        Stmt::new("DELETE FROM idempotency_keys WHERE created_at < ?").bind(now - IDEMPOTENCY_KEEP_MS),
        Stmt::new(
            "UPDATE uploads SET state = 'failed', error = ?, updated_at = ? WHERE state = 'processing' \
                 AND updated_at < ?",
        )
        .bind(STALLED)
        .bind(now)
        .bind(now - STALLED_AFTER_MS),
    ];
    // Salts of days that are over, raw events past their keep.
    stmts.extend(crate::analytics::sweep_statements(now));
    let counts = sql.batch(stmts).await?;
    let stalled_jobs = fail_stalled(sql, sys).await?;
    Ok(SweepReport {
        rate_windows: counts[0],
        idempotency_keys: counts[1],
        stalled_jobs,
        stalled_uploads: counts.get(2).copied().unwrap_or(0),
        analytics_salts: counts.get(3).copied().unwrap_or(0),
        old_events: counts.get(4).copied().unwrap_or(0),
    })
}

/// Ends the unfinished jobs that have not changed for [`STALLED_AFTER_MS`]; returns how many.
pub async fn fail_stalled(sql: &impl Sql, sys: &impl System) -> Result<u64, PortError> {
    #[derive(Deserialize)]
    struct Stalled {
        id: String,
        seller_id: String,
        status: String,
    }
    let now = sys.now_ms();
    let cutoff = now - STALLED_AFTER_MS;
    let jobs: Vec<Stalled> = crate::repo::all(
        sql,
        Stmt::new(
            "SELECT j.id, j.seller_id, j.status FROM jobs j \
             WHERE j.status IN (?, ?) AND j.updated_at < ? \
             AND NOT EXISTS (SELECT 1 FROM job_stages s WHERE s.job_id = j.id AND s.updated_at >= ?) \
             ORDER BY j.updated_at LIMIT ?",
        )
        .bind(status::QUEUED)
        .bind(status::METADATA_READY)
        .bind(cutoff)
        .bind(cutoff)
        .bind(STALLED_PER_SWEEP),
    )
    .await
    .map_err(|e| PortError::unavailable(e.cause.unwrap_or(e.message)))?;
    // Every write is guarded on the job still being silent: a stage that starts between the
    // select and the write is not failed under it. (This sweep's own writes carry `now` and do
    // not count.) Binds: job id, cutoff, now.
    let silent =
        "NOT EXISTS (SELECT 1 FROM job_stages s WHERE s.job_id = ? AND s.updated_at >= ? AND s.updated_at < ?)";
    let mut ended = 0;
    for job in jobs {
        let message = "the job stopped moving for an hour (its messages were lost); retry it";
        if job.status == status::QUEUED {
            let failed = sql
                .execute(
                    Stmt::new(format!(
                        "UPDATE jobs SET status = ?, error_code = ?, error_message = ?, updated_at = ? \
                         WHERE id = ? AND seller_id = ? AND status = ? AND updated_at < ? AND {silent}"
                    ))
                    .bind(status::FAILED)
                    .bind(STALLED)
                    .bind(message)
                    .bind(now)
                    .bind(&job.id)
                    .bind(&job.seller_id)
                    .bind(status::QUEUED)
                    .bind(cutoff)
                    .bind(&job.id)
                    .bind(cutoff)
                    .bind(now),
                )
                .await?;
            if failed == 0 {
                continue;
            }
            let mut stmts =
                vec![state::settle(&job.id, &job.seller_id, Stage::Metadata, state::FAILED, Some(STALLED), now)];
            stmts.extend(state::skip_after_metadata(&job.id, &job.seller_id, now));
            sql.batch(stmts).await?;
        } else {
            let settle: Vec<Stmt> = [Stage::Caption, Stage::Tagging, Stage::Thumbnail]
                .into_iter()
                .map(|stage| {
                    Stmt::new(format!(
                        "UPDATE job_stages SET state = ?, last_error = ?, updated_at = ? \
                         WHERE job_id = ? AND seller_id = ? AND stage = ? AND state = ? AND {silent}"
                    ))
                    .bind(state::FAILED)
                    .bind(STALLED)
                    .bind(now)
                    .bind(&job.id)
                    .bind(&job.seller_id)
                    .bind(stage.name())
                    .bind(state::PENDING)
                    .bind(&job.id)
                    .bind(cutoff)
                    .bind(now)
                })
                .collect();
            sql.batch(settle).await?;
            if !crate::stages::complete(sql, sys, &job.id, &job.seller_id).await? {
                continue;
            }
        }
        ended += 1;
    }
    Ok(ended)
}

/// Runs [`sweep`] when the last run is older than [`EVERY_MS`]; the claim on the run is one
/// guarded upsert, so concurrent callers sweep once.
pub async fn sweep_if_due(sql: &impl Sql, sys: &impl System) -> Result<Option<SweepReport>, PortError> {
    let now = sys.now_ms();
    let claimed = sql
        .execute(
            Stmt::new(
                "INSERT INTO maintenance_runs (name, last_run) VALUES ('sweep', ?) \
                 ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run WHERE last_run <= ?",
            )
            .bind(now)
            .bind(now - EVERY_MS),
        )
        .await?;
    if claimed == 0 {
        return Ok(None);
    }
    sweep(sql, sys).await.map(Some)
}
