//! Housekeeping that keeps tables from growing without bound: rate-limit windows that have
//! passed, and idempotency keys past the time they replay for. Run by a cron trigger on Workers
//! and, on Spin (which has no timer), by the drain route at most once per [`EVERY_MS`].

use crate::ingest::IDEMPOTENCY_KEEP_MS;
use crate::ports::{PortError, Sql, Stmt, System};
use crate::ratelimit::WINDOW_MS;
use serde::Serialize;

/// How often the drain route runs the sweep on Spin.
pub const EVERY_MS: i64 = 10 * 60 * 1000;

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub rate_windows: u64,
    pub idempotency_keys: u64,
}

/// Deletes every rate window before the current one and every idempotency key older than
/// [`IDEMPOTENCY_KEEP_MS`] (answered or abandoned).
pub async fn sweep(sql: &impl Sql, sys: &impl System) -> Result<SweepReport, PortError> {
    let now = sys.now_ms();
    let counts = sql
        .batch(vec![
            Stmt::new("DELETE FROM rate_windows WHERE window < ?").bind(now / WINDOW_MS),
            Stmt::new("DELETE FROM idempotency_keys WHERE created_at < ?").bind(now - IDEMPOTENCY_KEEP_MS),
        ])
        .await?;
    Ok(SweepReport { rate_windows: counts[0], idempotency_keys: counts[1] })
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
