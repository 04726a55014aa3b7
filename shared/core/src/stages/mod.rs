//! Queue stages. Each exposes `process(&deps, body, attempt) -> StageOutcome` so tests can step it
//! deterministically; platform shells map the outcome to ack, retry-with-delay or dead-letter.

pub mod analysis;
pub mod dead_letter;
pub mod draft;
pub mod metadata;
pub mod thumbnail;

use crate::accounts::SellerId;
use crate::error::ApiError;
use crate::log::LogCtx;
use crate::ports::{PortError, System};
use serde::{Deserialize, Serialize};

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
        Err(e) => Err(retry(log, sys, &PortError::unavailable(e.cause.unwrap_or(e.message)))),
    }
}

/// A transient fault in a stage: logged, retried shortly.
pub(crate) fn retry(log: &LogCtx, sys: &impl System, e: &PortError) -> StageOutcome {
    log.warn(sys, "transient failure; retry", &e.to_string());
    StageOutcome::RetryAfter(5)
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
