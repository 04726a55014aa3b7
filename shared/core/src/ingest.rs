//! Link submission: validate, dedupe in SQL, enqueue. No outbound call happens on this path.

use crate::accounts::SellerId;
use crate::error::{ApiError, ApiResult};
use crate::ids::{new_id, sha256_hex};
use crate::jobs::{self, JobView, status};
use crate::ports::{Queue, Sql, Stmt, System, Topic};
use crate::repo::opt;
use crate::stages::StageMessage;
use crate::stages::state;
use crate::stages::{metadata, retry};
use crate::tiktok::{MAX_URL_LEN, TikTokLink};
use http::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SubmitRequest {
    /// A TikTok video, photo or short link, as pasted.
    pub url: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubmitResponse {
    pub job_id: String,
    pub status: String,
    /// Unknown until a short link is resolved.
    pub video_id: Option<String>,
    pub canonical_url: String,
    /// True when this seller had already submitted the same video: the existing job is returned.
    pub duplicate: bool,
}

/// A response ready to send: status and JSON body (the shape that idempotency replays).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub status: StatusCode,
    pub body: String,
    pub replayed: bool,
}

pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// A job whose first message could not be queued.
pub const ENQUEUE_FAILED: &str = "enqueue_failed";

/// How long a claimed key waits for its request's answer before another request may take it
/// over (a request that died mid-way leaves its claim behind).
pub const IDEMPOTENCY_CLAIM_TTL_MS: i64 = 60_000;

/// How long an answered key replays its answer (the maintenance sweep purges older ones).
pub const IDEMPOTENCY_KEEP_MS: i64 = 24 * 60 * 60 * 1000;

/// Handles `POST /api/v1/ingestion/tiktok-link`, honouring an `Idempotency-Key`.
pub async fn submit_idempotent(
    sql: &impl Sql,
    queue: &impl Queue,
    sys: &impl System,
    seller: &SellerId,
    idempotency_key: Option<&str>,
    body: &[u8],
    request_id: &str,
) -> ApiResult<Stored> {
    let Some(key) = idempotency_key else {
        return submit_body(sql, queue, sys, seller, body, request_id).await;
    };
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1-255 visible ASCII characters",
        ));
    }
    let hash = sha256_hex(body);
    let now = sys.now_ms();
    // Claim the key first, in one atomic statement: of concurrent requests with one key, exactly
    // one runs; the others see its claim.
    let claimed = sql
        .execute(
            Stmt::new(
                "INSERT INTO idempotency_keys (seller_id, key, request_hash, status, body, created_at) \
                 VALUES (?, ?, ?, 0, '', ?) ON CONFLICT (seller_id, key) DO NOTHING",
            )
            .bind(&seller.0)
            .bind(key)
            .bind(&hash)
            .bind(now),
        )
        .await?;
    if claimed == 0 {
        #[derive(Deserialize)]
        struct Prior {
            request_hash: String,
            status: u16,
            body: String,
            created_at: i64,
        }
        let prior: Prior = opt(
            sql,
            Stmt::new(
                "SELECT request_hash, status, body, created_at FROM idempotency_keys WHERE seller_id = ? AND key = ?",
            )
            .bind(&seller.0)
            .bind(key),
        )
        .await?
        // The claim was there and is gone: its request failed and released it just now. Ask
        // the client to come back rather than racing for it here.
        .ok_or_else(in_flight)?;
        if prior.request_hash != hash {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used with a different request body",
            ));
        }
        if prior.status != 0 {
            let status = StatusCode::from_u16(prior.status).map_err(|e| ApiError::internal(e.to_string()))?;
            return Ok(Stored { status, body: prior.body, replayed: true });
        }
        // In flight. A claim whose request died without an answer expires, and the next request
        // with the key takes it over (one of them: the update is guarded on the old claim).
        let expired = now - prior.created_at >= IDEMPOTENCY_CLAIM_TTL_MS;
        let taken = expired
            && sql
                .execute(
                    Stmt::new(
                        "UPDATE idempotency_keys SET created_at = ? WHERE seller_id = ? AND key = ? AND status = 0 \
                         AND created_at = ?",
                    )
                    .bind(now)
                    .bind(&seller.0)
                    .bind(key)
                    .bind(prior.created_at),
                )
                .await?
                == 1;
        if !taken {
            return Err(in_flight());
        }
    }
    // Guarded on this request's own claim: a claim that expired and was taken over is not ours.
    let release =
        Stmt::new("DELETE FROM idempotency_keys WHERE seller_id = ? AND key = ? AND status = 0 AND created_at = ?")
            .bind(&seller.0)
            .bind(key)
            .bind(now);
    let out = match submit_body(sql, queue, sys, seller, body, request_id).await {
        Ok(out) => out,
        Err(e) => {
            // No answer to replay (a job whose enqueue failed is kept, failed, and the same
            // link re-sends it): let the client try the same key again.
            let _ = sql.execute(release).await;
            return Err(e);
        }
    };
    sql.execute(
        Stmt::new(
            "UPDATE idempotency_keys SET status = ?, body = ? WHERE seller_id = ? AND key = ? AND status = 0 \
             AND created_at = ?",
        )
        .bind(i64::from(out.status.as_u16()))
        .bind(&out.body)
        .bind(&seller.0)
        .bind(key)
        .bind(now),
    )
    .await?;
    Ok(out)
}

fn in_flight() -> ApiError {
    let mut e = ApiError::new(
        StatusCode::CONFLICT,
        "idempotency_in_flight",
        "a request with this Idempotency-Key is still being processed; retry shortly",
    );
    e.retry_after = Some(1);
    e
}

async fn submit_body(
    sql: &impl Sql,
    queue: &impl Queue,
    sys: &impl System,
    seller: &SellerId,
    body: &[u8],
    request_id: &str,
) -> ApiResult<Stored> {
    let req: SubmitRequest = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("body must be JSON {{\"url\": \"...\"}}: {e}")))?;
    let (status, resp) = submit(sql, queue, sys, seller, &req.url, request_id).await?;
    Ok(Stored { status, body: serde_json::to_string(&resp)?, replayed: false })
}

pub async fn submit(
    sql: &impl Sql,
    queue: &impl Queue,
    sys: &impl System,
    seller: &SellerId,
    url: &str,
    request_id: &str,
) -> ApiResult<(StatusCode, SubmitResponse)> {
    if url.len() > MAX_URL_LEN {
        return Err(ApiError::bad_request("url_too_long", "the url is longer than 2048 characters"));
    }
    let link = TikTokLink::parse(url).map_err(|e| ApiError::bad_request(e.code(), e.message()))?;
    let dedupe_key = link.dedupe_key();
    let job_id = new_id(sys, "job")?;
    let now = sys.now_ms();
    let mut stmts = vec![
        Stmt::new(
            "INSERT INTO jobs (id, seller_id, dedupe_key, source_url, canonical_url, link_kind, \
                 video_id, status, request_id, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(&job_id)
        .bind(&seller.0)
        .bind(&dedupe_key)
        .bind(url.trim())
        .bind(link.canonical_url())
        .bind(link.kind())
        .bind(link.video_id())
        .bind(status::QUEUED)
        .bind(request_id)
        .bind(now)
        .bind(now),
    ];
    stmts.extend(state::create(&job_id, &seller.0, now));
    let inserted = sql.batch(stmts).await?.first().copied().unwrap_or(0);
    if inserted == 0 {
        // The same link (dedupe key), or a direct link to a video a resolved short link has.
        let existing = match jobs::find_by_dedupe_key(sql, seller, &dedupe_key).await? {
            Some(job) => job,
            None => jobs::find_by_video(sql, seller, link.video_id().unwrap_or_default())
                .await?
                .ok_or_else(|| ApiError::internal("dedupe conflict without a row"))?,
        };
        if existing.status == status::FAILED && existing.error_code.as_deref() == Some(ENQUEUE_FAILED) {
            // Submitting again after the queue failed is the retry the 503 asked for.
            let (_, view) = retry::retry_job(sql, queue, sys, seller, &existing.id, request_id).await?;
            return Ok((StatusCode::ACCEPTED, response(view, false)));
        }
        return Ok((StatusCode::OK, response(jobs::view(sql, seller, existing).await?, true)));
    }
    let msg = StageMessage::new(&job_id, seller, request_id);
    if let Err(e) = queue.send(Topic::Metadata, &msg.to_json()?).await {
        // Without its message the job would never move. It is not deleted: a concurrent
        // submission of the same link may already have been answered with it. It fails with a
        // reason, and submitting again (or the retry route) re-sends it.
        let message = "the job could not be queued; submit the link again or retry the job";
        metadata::fail_job(sql, sys, seller, &job_id, ENQUEUE_FAILED, message).await?;
        return Err(e.into());
    }
    let view = jobs::get(sql, seller, &job_id).await?;
    Ok((StatusCode::ACCEPTED, response(view, false)))
}

fn response(job: JobView, duplicate: bool) -> SubmitResponse {
    SubmitResponse {
        job_id: job.job_id,
        status: job.status,
        video_id: job.video_id,
        canonical_url: job.canonical_url,
        duplicate,
    }
}
