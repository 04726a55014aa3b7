//! A durable queue in SQL, for platforms without one (Spin). `Outbox` implements the `Queue` port
//! by inserting into the `outbox` table in the same database as everything else; `drain` claims
//! due messages with a lease (so two drains never run the same message at once), hands each to
//! the platform's stage dispatcher, and settles it with the rules of the Queues path:
//!
//! - `Done`, `Failed` and `Discarded` delete the message;
//! - `RetryAfter(s)` makes it due again in `s` seconds, until `MAX_ATTEMPTS` deliveries have
//!   failed; then it is dead: the next drain hands it to the stage's dead-letter handler, retried
//!   up to `MAX_DEAD_LETTER_ATTEMPTS` times, and it is kept (never dropped) if that fails too;
//! - a message whose drain died mid-way (lease expired) is delivered again: stages are idempotent.

use crate::ids::new_id;
use crate::ports::{PortError, Queue, Sql, Stmt, System, Topic};
use crate::repo::all;
use serde::{Deserialize, Serialize};

/// Deliveries before a message is dead-lettered (as `max_retries` + 1 in the Workers configs).
pub const MAX_ATTEMPTS: i64 = 5;
/// Dead-letter deliveries before the message is left in the table for an operator.
pub const MAX_DEAD_LETTER_ATTEMPTS: i64 = MAX_ATTEMPTS + 10;
/// How long a drain owns a claimed message.
pub const LEASE_MS: i64 = 60_000;

pub struct Outbox<'a, S, Y> {
    pub sql: &'a S,
    pub sys: &'a Y,
}

impl<S: Sql, Y: System> Queue for Outbox<'_, S, Y> {
    async fn send_after(&self, topic: Topic, body: &str, delay_seconds: u32) -> Result<(), PortError> {
        if body.len() > crate::ports::MAX_QUEUE_MESSAGE_BYTES {
            return Err(PortError::new(crate::ports::PortErrorKind::TooLarge, "queue message too large"));
        }
        let now = self.sys.now_ms();
        self.sql
            .execute(
                Stmt::new(
                    "INSERT INTO outbox (id, topic, body, attempts, available_at, lease_until, dead, created_at) \
                     VALUES (?, ?, ?, 0, ?, 0, 0, ?)",
                )
                .bind(new_id(self.sys, "msg")?)
                .bind(topic.name())
                .bind(body)
                .bind(now + i64::from(delay_seconds.min(crate::ports::MAX_QUEUE_DELAY_SECONDS)) * 1000)
                .bind(now),
            )
            .await
            .map(|_| ())
    }
}

/// A message as a drain hands it to a stage over HTTP (Spin's local service chaining).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub topic: String,
    pub body: String,
    /// The dead-letter delivery: run the stage's dead-letter handling.
    pub dead: bool,
}

/// A claimed message.
#[derive(Debug, Clone, Deserialize)]
pub struct Claimed {
    pub id: String,
    pub topic: String,
    pub body: String,
    /// Deliveries including this one.
    pub attempts: i64,
    /// Retries are exhausted: run the stage's dead-letter handling.
    pub dead: i64,
}

/// How a drain went.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct DrainReport {
    pub delivered: usize,
    pub done: usize,
    pub retried: usize,
    pub dead_lettered: usize,
    /// Dead letters whose handling kept failing: kept for an operator, never dropped.
    pub parked: usize,
}

/// Claims up to `limit` due messages, oldest first.
pub async fn claim(sql: &impl Sql, sys: &impl System, limit: u32) -> Result<Vec<Claimed>, PortError> {
    let now = sys.now_ms();
    let due: Vec<Claimed> = all(
        sql,
        Stmt::new(
            "SELECT id, topic, body, attempts, dead FROM outbox \
             WHERE available_at <= ? AND lease_until <= ? ORDER BY available_at LIMIT ?",
        )
        .bind(now)
        .bind(now)
        .bind(limit),
    )
    .await
    .map_err(|e| PortError::unavailable(e.cause.unwrap_or(e.message)))?;
    let mut claimed = Vec::with_capacity(due.len());
    for mut m in due {
        // The guard makes a concurrent drain's claim of the same row a no-op.
        let won = sql
            .execute(
                Stmt::new(
                    "UPDATE outbox SET lease_until = ?, attempts = attempts + 1 WHERE id = ? AND lease_until <= ?",
                )
                .bind(now + LEASE_MS)
                .bind(&m.id)
                .bind(now),
            )
            .await?;
        if won == 1 {
            m.attempts += 1;
            claimed.push(m);
        }
    }
    Ok(claimed)
}

/// Records what the stage made of a claimed message.
pub async fn settle(
    sql: &impl Sql,
    sys: &impl System,
    m: &Claimed,
    outcome: &crate::stages::StageOutcome,
) -> Result<Settled, PortError> {
    use crate::stages::StageOutcome;
    let now = sys.now_ms();
    match outcome {
        StageOutcome::Done | StageOutcome::Failed { .. } | StageOutcome::Discarded => {
            sql.execute(Stmt::new("DELETE FROM outbox WHERE id = ?").bind(&m.id)).await?;
            Ok(Settled::Removed)
        }
        StageOutcome::RetryAfter(seconds) => {
            let dead = m.dead == 1 || m.attempts >= MAX_ATTEMPTS;
            if m.dead == 1 && m.attempts >= MAX_DEAD_LETTER_ATTEMPTS {
                // Kept for an operator, out of the drain's way.
                sql.execute(
                    Stmt::new("UPDATE outbox SET lease_until = ?, available_at = ? WHERE id = ?")
                        .bind(i64::MAX)
                        .bind(i64::MAX)
                        .bind(&m.id),
                )
                .await?;
                return Ok(Settled::Parked);
            }
            let delay = if dead && m.dead == 0 { 0 } else { i64::from(*seconds) * 1000 };
            sql.execute(
                Stmt::new("UPDATE outbox SET available_at = ?, lease_until = 0, dead = ? WHERE id = ?")
                    .bind(now + delay)
                    .bind(i64::from(dead))
                    .bind(&m.id),
            )
            .await?;
            Ok(if dead && m.dead == 0 { Settled::DeadLettered } else { Settled::Retried })
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Removed,
    Retried,
    /// Retries exhausted: the next drain runs its dead-letter handling.
    DeadLettered,
    /// Even the dead-letter handling keeps failing: left for an operator.
    Parked,
}

/// Claims and delivers due messages until none is left or `max` were delivered. `deliver` gets
/// the topic, the body and whether this is the dead-letter delivery, and runs the stage.
pub async fn drain<F>(sql: &impl Sql, sys: &impl System, max: usize, deliver: F) -> Result<DrainReport, PortError>
where
    F: AsyncFn(Topic, &str, bool) -> crate::stages::StageOutcome,
{
    let mut report = DrainReport::default();
    while report.delivered < max {
        let batch = claim(sql, sys, 10).await?;
        if batch.is_empty() {
            break;
        }
        for m in batch {
            let outcome = match Topic::from_name(&m.topic) {
                Some(topic) => deliver(topic, &m.body, m.dead == 1).await,
                None => crate::stages::StageOutcome::Discarded,
            };
            report.delivered += 1;
            match settle(sql, sys, &m, &outcome).await? {
                Settled::Removed => report.done += 1,
                Settled::Retried => report.retried += 1,
                Settled::Parked => report.parked += 1,
                Settled::DeadLettered => report.dead_lettered += 1,
            }
        }
    }
    Ok(report)
}

/// Checks the bearer token of the drain and migration routes (Spin): 503 while no `DRAIN_TOKEN`
/// is configured, 401 for a wrong or missing one. Compared in constant time.
pub fn authorize_drain(cfg: &crate::config::Config, authorization: Option<&str>) -> Result<(), crate::error::ApiError> {
    use subtle::ConstantTimeEq;
    let Some(expected) = cfg.drain_token.as_deref() else {
        return Err(crate::error::ApiError::new(
            http::StatusCode::SERVICE_UNAVAILABLE,
            "drain_unconfigured",
            "set the drain_token variable to enable this route",
        ));
    };
    let given = authorization.and_then(|h| h.strip_prefix("Bearer ")).unwrap_or("");
    if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(crate::error::ApiError::unauthorized("a valid drain token is required"))
    }
}
