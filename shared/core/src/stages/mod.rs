//! Queue stages. Each exposes `process(&deps, body, attempt) -> StageOutcome` so tests can step it
//! deterministically; platform shells map the outcome to ack, retry-with-delay or dead-letter.

pub mod analysis;
pub mod dead_letter;
pub mod metadata;
pub mod retry;
pub mod state;
pub mod thumbnail;

use crate::accounts::SellerId;
use crate::config::Config;
use crate::error::ApiError;
use crate::jobs::status;
use crate::log::LogCtx;
use crate::ports::{PortError, Sql, Stmt, System};
use serde::{Deserialize, Serialize};
use state::Stage;

/// The code of a stage whose message ran out of retries.
pub const RETRIES_EXHAUSTED: &str = "retries_exhausted";

/// The body of every stage message. Typed and versioned, sent as JSON text so that every platform
/// carries the same bytes (a `serde_json::Value` handed to a Worker queue arrives as `{}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageMessage {
    pub v: u32,
    pub job_id: String,
    pub seller_id: String,
    pub request_id: String,
}

impl StageMessage {
    pub fn new(job_id: &str, seller: &SellerId, request_id: &str) -> Self {
        Self { v: 1, job_id: job_id.to_owned(), seller_id: seller.0.clone(), request_id: request_id.to_owned() }
    }
    pub fn to_json(&self) -> Result<String, ApiError> {
        Ok(serde_json::to_string(self)?)
    }
    pub fn parse(body: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(body)
    }
    pub fn seller(&self) -> SellerId {
        SellerId(self.seller_id.clone())
    }
}

/// Parses a stage message and makes the log context that follows its job through the stage; a
/// body that is not a stage message is logged and answered with `Discarded`.
pub(crate) fn open(stage: &str, sys: &impl System, body: &str) -> Result<(StageMessage, LogCtx), StageOutcome> {
    let log = LogCtx::new(stage);
    let Ok(msg) = StageMessage::parse(body) else {
        log.error(sys, "unparseable stage message dropped", body);
        return Err(StageOutcome::Discarded);
    };
    let log = log
        .with("job_id", msg.job_id.as_str())
        .with("seller_id", msg.seller_id.as_str())
        .with("request_id", msg.request_id.as_str());
    Ok((msg, log))
}

/// The job row a stage message is about, read with `select` (which must filter on `j.id = ?` and
/// `j.seller_id = ?`, in that order). A read fault is a retry; a missing row (another seller's
/// id, or a deleted job) acknowledges the message.
pub(crate) async fn job_row<T: serde::de::DeserializeOwned>(
    sql: &impl crate::ports::Sql,
    sys: &impl System,
    log: &LogCtx,
    msg: &StageMessage,
    select: String,
) -> Result<T, StageOutcome> {
    let stmt = crate::ports::Stmt::new(select).bind(&msg.job_id).bind(&msg.seller_id);
    match crate::repo::opt(sql, stmt).await {
        Ok(Some(row)) => Ok(row),
        Ok(None) => {
            log.warn(sys, "job not found; message acknowledged", "");
            Err(StageOutcome::Done)
        }
        Err(e) => {
            log.warn(sys, "transient failure reading the job; retry", e.cause.as_deref().unwrap_or(&e.message));
            Err(StageOutcome::RetryAfter(2))
        }
    }
}

/// A transient fault in a stage on its `attempt`-th run: logged, retried with the configured
/// exponential backoff.
pub(crate) fn retry(log: &LogCtx, sys: &impl System, cfg: &Config, attempt: u32, e: &PortError) -> StageOutcome {
    let delay = cfg.retry_delay(attempt.max(1));
    log.warn(sys, &format!("transient failure; retry in {delay}s"), &e.to_string());
    StageOutcome::RetryAfter(delay)
}

/// Counts an attempt at a pending stage: `Ok(Some(n))` to run it, `Ok(None)` when it is no
/// longer pending (a duplicate or late delivery).
pub(crate) async fn begin(
    sql: &impl Sql,
    sys: &impl System,
    msg: &StageMessage,
    stage: Stage,
) -> Result<Option<u32>, PortError> {
    state::count_attempt(sql, &msg.job_id, &msg.seller_id, stage, sys.now_ms()).await
}

/// Moves the job to `ready` once every stage after metadata has finished (done or failed),
/// storing the draft of what they made; returns whether this call did it. Safe to call any
/// number of times from any stage: only a `metadata_ready` job with no pending stage changes.
pub async fn complete(sql: &impl Sql, sys: &impl System, job_id: &str, seller_id: &str) -> Result<bool, PortError> {
    #[derive(serde::Deserialize)]
    struct Status {
        status: String,
    }
    let job: Option<Status> = crate::repo::opt(
        sql,
        Stmt::new("SELECT status FROM jobs WHERE id = ? AND seller_id = ?").bind(job_id).bind(seller_id),
    )
    .await
    .map_err(|e| PortError::unavailable(e.cause.unwrap_or(e.message)))?;
    if job.is_none_or(|j| j.status != status::METADATA_READY) {
        return Ok(false);
    }
    let rows = state::of_job(sql, job_id, seller_id).await?;
    if !rows.iter().all(|r| state::finished(&r.state)) {
        return Ok(false);
    }
    let mut draft = crate::catalog::build_draft(sql, job_id, seller_id).await?;
    // A bulk import's title and price for this link win over what the stages found.
    if let Some((title, price, currency)) = crate::imports::overrides(sql, job_id, seller_id)
        .await
        .map_err(|e| PortError::unavailable(e.cause.unwrap_or(e.message)))?
    {
        if let Some(t) = title {
            draft.title = t;
        }
        if price.is_some() {
            draft.price = price;
            draft.currency = currency;
        }
    }
    let now = sys.now_ms();
    let product_id = crate::ids::new_id(sys, "prd")?;
    let code = crate::products::new_code(sys).map_err(|e| PortError::unavailable(e.cause.unwrap_or(e.message)))?;
    let mut stmts = vec![crate::catalog::save_draft(job_id, seller_id, &draft, now)];
    // The job's product (made once; a re-run refreshes only its renditions), and the catalog
    // version the caches key on.
    stmts.extend(crate::products::from_job(job_id, seller_id, &draft, &product_id, &code, now));
    stmts.push(crate::storefront::bump(seller_id, now));
    let ready_at = stmts.len();
    stmts.push(
        Stmt::new(
            "UPDATE jobs SET status = ?, updated_at = ? WHERE id = ? AND seller_id = ? AND status = ? \
                 AND NOT EXISTS (SELECT 1 FROM job_stages s WHERE s.job_id = ? AND s.seller_id = ? AND s.state = ?)",
        )
        .bind(status::READY)
        .bind(now)
        .bind(job_id)
        .bind(seller_id)
        .bind(status::METADATA_READY)
        .bind(job_id)
        .bind(seller_id)
        .bind(state::PENDING),
    );
    let changed = sql.batch(stmts).await?;
    Ok(changed.get(ready_at).copied().unwrap_or(0) > 0)
}

/// Ends a stage run: tries to complete the job and logs how it stands.
pub(crate) async fn finish(
    sql: &impl Sql,
    sys: &impl System,
    cfg: &Config,
    log: &LogCtx,
    msg: &StageMessage,
    outcome: StageOutcome,
) -> StageOutcome {
    match complete(sql, sys, &msg.job_id, &msg.seller_id).await {
        Ok(true) => log.info(sys, "stage finished; product draft assembled, job ready"),
        Ok(false) => log.info(sys, "stage finished"),
        Err(e) => return retry(log, sys, cfg, 1, &e),
    }
    outcome
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "value", rename_all = "snake_case")]
pub enum StageOutcome {
    /// Finished (or nothing left to do): acknowledge.
    Done,
    /// A transient fault: retry after this many seconds. The platform dead-letters the message
    /// once its retry budget is spent.
    RetryAfter(u32),
    /// The job failed for good and is marked so: acknowledge.
    Failed { code: String },
    /// The message itself is unusable (unparseable): acknowledge and log; nothing can be marked.
    Discarded,
}

/// Why a stage run stopped short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageError {
    /// Worth retrying: network faults, 429, 5xx.
    Transient(String),
    /// Will never succeed: the job fails with this code and readable message.
    Permanent { code: &'static str, message: String },
}

impl StageError {
    pub fn permanent(code: &'static str, message: impl Into<String>) -> Self {
        StageError::Permanent { code, message: message.into() }
    }
}

impl From<ApiError> for StageError {
    fn from(e: ApiError) -> Self {
        StageError::Transient(e.cause.unwrap_or(e.message))
    }
}
