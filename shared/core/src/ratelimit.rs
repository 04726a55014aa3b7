//! Fixed-window rate limits counted atomically in SQL (an upsert), so concurrent requests at
//! different edges cannot both read a stale count the way a KV read-then-write would.

use crate::error::{ApiError, ApiResult};
use crate::ports::{Sql, Stmt, System};
use serde::Deserialize;

pub const WINDOW_MS: i64 = 60_000;

/// The bucket key of a client address: the address itself for IPv4, its /64 for IPv6 (one
/// subscriber usually holds a whole /64, so per-address limits would not limit anyone).
pub fn client_key(addr: &str) -> String {
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6.to_ipv4_mapped().map_or_else(|| addr.to_owned(), |v4| v4.to_string()),
        Ok(std::net::IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => addr.to_owned(),
    }
}

/// Counts one hit on `bucket`; answers 429 with `Retry-After` once `limit` is passed this minute.
pub async fn hit(sql: &impl Sql, sys: &impl System, bucket: &str, limit: u32) -> ApiResult<()> {
    match hit_within(sql, sys, bucket, limit, WINDOW_MS).await? {
        None => Ok(()),
        Some(wait_ms) => Err(ApiError::too_many(u64::try_from((wait_ms + 999) / 1000).unwrap_or(60).max(1))),
    }
}

/// Counts one hit on `bucket` in windows of `window_ms`; once `limit` is passed, how long (ms)
/// until the window ends. Buckets of different window lengths must not share a name.
pub async fn hit_within(
    sql: &impl Sql,
    sys: &impl System,
    bucket: &str,
    limit: u32,
    window_ms: i64,
) -> ApiResult<Option<i64>> {
    let now = sys.now_ms();
    let window = now / window_ms;
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
    Ok((count > i64::from(limit)).then(|| ((window + 1) * window_ms - now).max(1)))
}

#[cfg(test)]
mod tests {
    use super::client_key;

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        assert_eq!(client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(client_key("2001:db8:1:2:ffff:ffff:ffff:fffe"), "2001:db8:1:2::/64");
        assert_ne!(client_key("2001:db8:1:3::1"), client_key("2001:db8:1:2::1"));
        assert_eq!(client_key("203.0.113.9"), "203.0.113.9");
        assert_eq!(client_key("::ffff:203.0.113.9"), "203.0.113.9");
        assert_eq!(client_key("unknown"), "unknown");
    }
}
