//! Trend signals for a seller: hashtag and keyword use in the latest window against the window
//! before it, from the `tag_events` the auto-tagger stores.

use crate::accounts::SellerId;
use crate::error::{ApiError, ApiResult};
use crate::ports::{Sql, Stmt, System};
use crate::repo::all;
use linkhub_analysis::trends::{Trend, trends};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct TrendsQuery {
    /// Window length in days, 1-90 (default 7): the latest window is compared with the one before.
    pub days: Option<u32>,
    /// How many terms, 1-100 (default 20).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrendsView {
    pub window_days: u32,
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Trend>,
}

pub async fn seller_trends(
    sql: &impl Sql,
    sys: &impl System,
    seller: &SellerId,
    q: TrendsQuery,
) -> ApiResult<TrendsView> {
    let days = q.days.unwrap_or(7);
    let limit = q.limit.unwrap_or(20);
    if !(1..=90).contains(&days) || !(1..=100).contains(&limit) {
        return Err(ApiError::bad_request("invalid_query", "days must be 1-90 and limit 1-100"));
    }
    let window_ms = i64::from(days) * 86_400_000;
    let now = sys.now_ms();
    #[derive(Deserialize)]
    struct Event {
        term: String,
        at: i64,
    }
    let events: Vec<Event> = all(
        sql,
        Stmt::new("SELECT term, at FROM tag_events WHERE seller_id = ? AND at >= ?")
            .bind(&seller.0)
            .bind(now - 2 * window_ms),
    )
    .await?;
    let pairs: Vec<(String, i64)> = events.into_iter().map(|e| (e.term, e.at)).collect();
    let mut items = trends(&pairs, now, window_ms);
    items.truncate(limit as usize);
    Ok(TrendsView { window_days: days, items })
}
