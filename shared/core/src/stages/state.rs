//! Per-stage state as rows (`job_stages`): one per job and stage, with its state, attempt count
//! and last error. A new stage is a new [`Stage`] and a row, not new columns; every stage backs
//! off by its own attempts; every change of state is guarded on the stage still being pending,
//! so duplicate and late deliveries change nothing.

use crate::ports::{PortError, Sql, Stmt, Topic};
use crate::repo::all;
use serde::{Deserialize, Serialize};

/// Stage states.
pub const PENDING: &str = "pending";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";
/// Not run: the job turned out to be a duplicate of another.
pub const SKIPPED: &str = "skipped";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Metadata,
    Caption,
    Tagging,
    Thumbnail,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Metadata, Stage::Caption, Stage::Tagging, Stage::Thumbnail];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Metadata => "metadata",
            Stage::Caption => "caption",
            Stage::Tagging => "tagging",
            Stage::Thumbnail => "thumbnail",
        }
    }

    pub fn parse(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The queue (or outbox topic) that runs this stage.
    pub fn topic(self) -> Topic {
        match self {
            Stage::Metadata => Topic::Metadata,
            Stage::Caption => Topic::Caption,
            Stage::Tagging => Topic::Tagging,
            Stage::Thumbnail => Topic::Thumbnail,
        }
    }
}

/// Whether a stage state is final.
pub fn finished(state: &str) -> bool {
    state == DONE || state == FAILED || state == SKIPPED
}

#[derive(Debug, Clone, Deserialize)]
pub struct StageRow {
    pub stage: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// The rows of a new job, every stage pending; written in the batch that inserts the job, and
/// only when that insert took (a deduplicated submission adds no rows).
pub fn create(job_id: &str, seller_id: &str, now: i64) -> Vec<Stmt> {
    Stage::ALL
        .iter()
        .map(|s| {
            Stmt::new(
                "INSERT INTO job_stages (job_id, seller_id, stage, state, attempts, updated_at) \
                 SELECT id, seller_id, ?, ?, 0, ? FROM jobs WHERE id = ? AND seller_id = ? \
                 ON CONFLICT (job_id, stage) DO NOTHING",
            )
            .bind(s.name())
            .bind(PENDING)
            .bind(now)
            .bind(job_id)
            .bind(seller_id)
        })
        .collect()
}

/// Counts one attempt at a pending stage and returns the new count (none when the stage is not
/// pending any more).
pub async fn count_attempt(
    sql: &impl Sql,
    job_id: &str,
    seller_id: &str,
    stage: Stage,
    now: i64,
) -> Result<Option<u32>, PortError> {
    #[derive(Deserialize)]
    struct Attempts {
        attempts: i64,
    }
    let rows: Vec<Attempts> = all(
        sql,
        Stmt::new(
            "UPDATE job_stages SET attempts = attempts + 1, updated_at = ? \
             WHERE job_id = ? AND seller_id = ? AND stage = ? AND state = ? RETURNING attempts",
        )
        .bind(now)
        .bind(job_id)
        .bind(seller_id)
        .bind(stage.name())
        .bind(PENDING),
    )
    .await
    .map_err(|e| PortError::unavailable(e.cause.unwrap_or(e.message)))?;
    Ok(rows.first().map(|r| u32::try_from(r.attempts).unwrap_or(u32::MAX)))
}

/// Records a transient fault on a pending stage (shown as its `last_error`).
pub fn record_fault(job_id: &str, seller_id: &str, stage: Stage, reason: &str, now: i64) -> Stmt {
    Stmt::new(
        "UPDATE job_stages SET last_error = ?, updated_at = ? WHERE job_id = ? AND seller_id = ? AND stage = ? \
         AND state = ?",
    )
    .bind(reason)
    .bind(now)
    .bind(job_id)
    .bind(seller_id)
    .bind(stage.name())
    .bind(PENDING)
}

/// Moves a pending stage to `state` (done, failed or skipped) with `error` as its last error
/// (cleared when none); a stage that is not pending is left alone.
pub fn settle(job_id: &str, seller_id: &str, stage: Stage, state: &str, error: Option<&str>, now: i64) -> Stmt {
    Stmt::new(
        "UPDATE job_stages SET state = ?, last_error = ?, updated_at = ? \
         WHERE job_id = ? AND seller_id = ? AND stage = ? AND state = ?",
    )
    .bind(state)
    .bind(error)
    .bind(now)
    .bind(job_id)
    .bind(seller_id)
    .bind(stage.name())
    .bind(PENDING)
}

/// Skips the stages after metadata (a job that failed or is a duplicate runs none of them).
pub fn skip_after_metadata(job_id: &str, seller_id: &str, now: i64) -> Vec<Stmt> {
    [Stage::Caption, Stage::Tagging, Stage::Thumbnail]
        .into_iter()
        .map(|s| settle(job_id, seller_id, s, SKIPPED, None, now))
        .collect()
}

/// Puts a failed stage back to pending with a fresh attempt count (the retry route).
pub fn reopen(job_id: &str, seller_id: &str, stage: Stage, now: i64) -> Stmt {
    Stmt::new(
        "UPDATE job_stages SET state = ?, attempts = 0, last_error = NULL, updated_at = ? \
         WHERE job_id = ? AND seller_id = ? AND stage = ? AND state = ?",
    )
    .bind(PENDING)
    .bind(now)
    .bind(job_id)
    .bind(seller_id)
    .bind(stage.name())
    .bind(FAILED)
}

/// Every stage row of a job.
pub async fn of_job(sql: &impl Sql, job_id: &str, seller_id: &str) -> Result<Vec<StageRow>, PortError> {
    all(
        sql,
        Stmt::new("SELECT stage, state, attempts, last_error FROM job_stages WHERE job_id = ? AND seller_id = ?")
            .bind(job_id)
            .bind(seller_id),
    )
    .await
    .map_err(|e| PortError::unavailable(e.cause.unwrap_or(e.message)))
}

/// A stage's row from a job's rows; a missing row reads as pending.
pub fn pick(rows: &[StageRow], stage: Stage) -> StageRow {
    rows.iter().find(|r| r.stage == stage.name()).cloned().unwrap_or(StageRow {
        stage: stage.name().to_owned(),
        state: PENDING.to_owned(),
        attempts: 0,
        last_error: None,
    })
}
