//! Fixed-window rate limits counted atomically in SQL (an upsert), so concurrent requests at
//! different edges cannot both read a stale count the way a KV read-then-write would.

use crate::error::{ApiError, ApiResult};
use crate::ports::{Sql, Stmt, System};
use serde::Deserialize;

const WINDOW_MS: i64 = 60_000;

/// Counts one hit on `bucket`; answers 429 with `Retry-After` once `limit` is passed this minute.
pub async fn hit(sql: &impl Sql, sys: &impl System, bucket: &str, limit: u32) -> ApiResult<()> {
    let now = sys.now_ms();
    let window = now / WINDOW_MS;
    #[derive(Deserialize)]
    struct Count {
        count: i64,
    }
    let rows = crate::repo::all::<Count>(
        sql,
        Stmt::new(
            "INSERT INTO rate_windows (bucket, window, count) VALUES (?, ?, 1) \
             ON CONFLICT (bucket, window) DO UPDATE SET count = count + 1 RETURNING count",
        )
        .bind(bucket)
        .bind(window),
    )
    .await?;
    let count = rows.first().map_or(1, |c| c.count);
    if count == 1 {
        // First hit of a new window: forget this bucket's old windows.
        sql.execute(Stmt::new("DELETE FROM rate_windows WHERE bucket = ? AND window < ?").bind(bucket).bind(window))
            .await?;
    }
    if count > i64::from(limit) {
        let retry_after = ((window + 1) * WINDOW_MS - now + 999) / 1000;
        return Err(ApiError::too_many(u64::try_from(retry_after.max(1)).unwrap_or(60)));
    }
    Ok(())
}
