//! `POST /api/v1/ingestion/jobs/{id}/retry`: a seller re-runs the failed stages of a finished
//! job. A `failed` job (its metadata stage failed) starts again from metadata; a `ready` job
//! with failed stages re-runs those and completes again. Idempotent: a job with nothing failed,
//! or already re-running, is answered as it is.

use super::StageMessage;
use super::state::{self, Stage};
use crate::accounts::SellerId;
use crate::error::{ApiError, ApiResult};
use crate::jobs::{self, JobView, status};
use crate::ports::{Queue, Sql, Stmt, System};
use http::StatusCode;

pub async fn retry_job(
    sql: &impl Sql,
    queue: &impl Queue,
    sys: &impl System,
    seller: &SellerId,
    job_id: &str,
    request_id: &str,
) -> ApiResult<(StatusCode, JobView)> {
    let job = jobs::find(sql, seller, job_id).await?.ok_or_else(|| ApiError::not_found("no such job"))?;
    let rows = state::of_job(sql, job_id, &seller.0).await?;
    let failed = |s: Stage| state::pick(&rows, s).state == state::FAILED;
    let now = sys.now_ms();
    let (from, to, reopen, send): (&str, &str, Vec<&str>, Vec<Stage>) = if job.status == status::FAILED {
        (status::FAILED, status::QUEUED, vec![state::FAILED, state::SKIPPED], vec![Stage::Metadata])
    } else if job.status == status::READY && [Stage::Caption, Stage::Tagging, Stage::Thumbnail].into_iter().any(failed)
    {
        // The caption stage starts the tagger and the thumbnails itself when they are pending.
        let send = if failed(Stage::Caption) {
            vec![Stage::Caption]
        } else {
            [Stage::Tagging, Stage::Thumbnail].into_iter().filter(|s| failed(*s)).collect()
        };
        (status::READY, status::METADATA_READY, vec![state::FAILED], send)
    } else {
        return Ok((StatusCode::OK, jobs::view(sql, seller, job).await?));
    };
    let mut stmts = vec![
        Stmt::new(
            "UPDATE jobs SET status = ?, error_code = NULL, error_message = NULL, updated_at = ? \
             WHERE id = ? AND seller_id = ? AND status = ?",
        )
        .bind(to)
        .bind(now)
        .bind(job_id)
        .bind(&seller.0)
        .bind(from),
    ];
    for s in Stage::ALL {
        let row = state::pick(&rows, s);
        if reopen.contains(&row.state.as_str()) {
            stmts.push(
                Stmt::new(
                    "UPDATE job_stages SET state = ?, attempts = 0, last_error = NULL, updated_at = ? \
                     WHERE job_id = ? AND seller_id = ? AND stage = ? AND state = ? \
                     AND EXISTS (SELECT 1 FROM jobs WHERE id = ? AND seller_id = ? AND status = ?)",
                )
                .bind(state::PENDING)
                .bind(now)
                .bind(job_id)
                .bind(&seller.0)
                .bind(s.name())
                .bind(row.state.clone())
                .bind(job_id)
                .bind(&seller.0)
                .bind(to),
            );
        }
    }
    let changed = sql.batch(stmts).await?;
    if changed.first().copied().unwrap_or(0) == 0 {
        // Another retry got there first: the job is already re-running.
        let job = jobs::find(sql, seller, job_id).await?.ok_or_else(|| ApiError::not_found("no such job"))?;
        return Ok((StatusCode::OK, jobs::view(sql, seller, job).await?));
    }
    let body = StageMessage::new(job_id, seller, request_id).to_json()?;
    for s in send {
        if let Err(e) = queue.send(s.topic(), &body).await {
            // Without its message the stage would wait forever: put the job back as it was, so
            // the seller can retry again.
            let mut undo = vec![
                Stmt::new(
                    "UPDATE jobs SET status = ?, error_code = ?, error_message = ?, updated_at = ? \
                     WHERE id = ? AND seller_id = ? AND status = ?",
                )
                .bind(from)
                .bind(job.error_code.clone())
                .bind(job.error_message.clone())
                .bind(now)
                .bind(job_id)
                .bind(&seller.0)
                .bind(to),
            ];
            for r in &rows {
                if reopen.contains(&r.state.as_str()) {
                    undo.push(
                        Stmt::new(
                            "UPDATE job_stages SET state = ?, last_error = ?, attempts = ? WHERE job_id = ? \
                             AND seller_id = ? AND stage = ? AND state = ?",
                        )
                        .bind(r.state.clone())
                        .bind(r.last_error.clone())
                        .bind(r.attempts)
                        .bind(job_id)
                        .bind(&seller.0)
                        .bind(r.stage.clone())
                        .bind(state::PENDING),
                    );
                }
            }
            if let Err(undo_failed) = sql.batch(undo).await {
                // Both the queue and the database are failing: the job waits with pending stages
                // and no message. Said loudly; the stalled-job sweep
                // (`maintenance::fail_stalled`) ends it an hour later, and it can be retried then.
                return Err(ApiError::internal(format!("retry send failed ({e}) and its undo too ({undo_failed})")));
            }
            return Err(e.into());
        }
    }
    Ok((StatusCode::ACCEPTED, jobs::get(sql, seller, job_id).await?))
}
