//! Ingestion jobs: one per seller and video, carrying each stage's state.

use crate::accounts::SellerId;
use crate::error::{ApiError, ApiResult};
use crate::ports::{Sql, Stmt};
use crate::repo::{all, opt};
use serde::{Deserialize, Serialize};

/// Job status as the API reports it.
pub mod status {
    pub const QUEUED: &str = "queued";
    pub const METADATA_READY: &str = "metadata_ready";
    pub const READY: &str = "ready";
    pub const FAILED: &str = "failed";
    pub const ALL: [&str; 4] = [QUEUED, METADATA_READY, READY, FAILED];
}

/// Stage state.
pub mod stage {
    pub const PENDING: &str = "pending";
    pub const DONE: &str = "done";
    pub const FAILED: &str = "failed";
}

/// The columns of a job row, shared by every query that reads one.
pub const JOB_COLUMNS: &str = "j.id, j.seller_id, j.source_url, j.canonical_url, j.link_kind, j.video_id, \
     j.status, j.metadata_state, j.caption_state, j.thumbnail_state, j.tagging_state, j.attempts, \
     j.last_error, j.error_code, j.error_message, j.thumbnail_error, j.created_at, j.updated_at, \
     v.caption, v.author_name, v.author_url, v.cover_key, v.cover_content_type, v.cover_bytes, \
     v.cover_width, v.cover_height";

#[derive(Debug, Clone, Deserialize)]
pub struct JobRow {
    pub id: String,
    pub seller_id: String,
    pub source_url: String,
    pub canonical_url: String,
    pub link_kind: String,
    pub video_id: Option<String>,
    pub status: String,
    pub metadata_state: String,
    pub caption_state: String,
    pub thumbnail_state: String,
    pub tagging_state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub thumbnail_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub caption: Option<String>,
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    pub cover_key: Option<String>,
    pub cover_content_type: Option<String>,
    pub cover_bytes: Option<i64>,
    pub cover_width: Option<i64>,
    pub cover_height: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobView {
    pub job_id: String,
    /// `queued`, `metadata_ready`, `ready` or `failed`.
    pub status: String,
    pub video_id: Option<String>,
    pub canonical_url: String,
    pub source_url: String,
    pub link_kind: String,
    pub stages: StagesView,
    pub video: Option<VideoView>,
    /// The caption analysis (single-job reads only): language, prices, ctas, sentiment,
    /// category, hashtags, products and extras.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub analysis: Option<serde_json::Value>,
    /// The product draft, once every active stage is done (single-job reads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft: Option<crate::stages::draft::Draft>,
    pub error: Option<JobErrorView>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StagesView {
    pub metadata: StageView,
    pub caption: StageView,
    pub thumbnail: StageView,
    pub tagging: StageView,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StageView {
    /// `pending`, `done` or `failed`.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VideoView {
    pub caption: String,
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    pub cover: Option<CoverView>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CoverView {
    /// Object key in the blob store.
    pub key: String,
    pub content_type: String,
    pub bytes: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// Where the dashboard can fetch it.
    pub url: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobErrorView {
    pub code: String,
    pub message: String,
}

impl JobRow {
    pub fn view(self) -> JobView {
        let plain = |state: String| StageView { state, attempts: None, last_error: None };
        let cover = match (self.cover_key, self.cover_content_type, self.cover_bytes) {
            (Some(key), Some(content_type), Some(bytes)) => Some(CoverView {
                url: format!("/api/v1/ingestion/jobs/{}/cover", self.id),
                key,
                content_type,
                bytes,
                width: self.cover_width,
                height: self.cover_height,
            }),
            _ => None,
        };
        let video = self.caption.map(|caption| VideoView {
            caption,
            author_name: self.author_name,
            author_url: self.author_url,
            cover,
        });
        let error = match (self.error_code, self.error_message) {
            (Some(code), Some(message)) => Some(JobErrorView { code, message }),
            _ => None,
        };
        JobView {
            job_id: self.id,
            status: self.status,
            video_id: self.video_id,
            canonical_url: self.canonical_url,
            source_url: self.source_url,
            link_kind: self.link_kind,
            stages: StagesView {
                metadata: StageView {
                    state: self.metadata_state,
                    attempts: Some(self.attempts),
                    last_error: self.last_error,
                },
                caption: plain(self.caption_state),
                thumbnail: StageView { state: self.thumbnail_state, attempts: None, last_error: self.thumbnail_error },
                tagging: plain(self.tagging_state),
            },
            video,
            analysis: None,
            draft: None,
            error,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

pub async fn find(sql: &impl Sql, seller: &SellerId, job_id: &str) -> ApiResult<Option<JobRow>> {
    opt(
        sql,
        Stmt::new(format!(
            "SELECT {JOB_COLUMNS} FROM jobs j LEFT JOIN videos v ON v.job_id = j.id \
             WHERE j.id = ? AND j.seller_id = ?"
        ))
        .bind(job_id)
        .bind(&seller.0),
    )
    .await
}

pub async fn get(sql: &impl Sql, seller: &SellerId, job_id: &str) -> ApiResult<JobView> {
    let mut view =
        find(sql, seller, job_id).await?.map(JobRow::view).ok_or_else(|| ApiError::not_found("no such job"))?;
    #[derive(Deserialize)]
    struct Body {
        body: String,
    }
    let analysis: Option<Body> = opt(
        sql,
        Stmt::new("SELECT body FROM analyses WHERE job_id = ? AND seller_id = ?").bind(job_id).bind(&seller.0),
    )
    .await?;
    view.analysis = analysis.and_then(|a| serde_json::from_str(&a.body).ok());
    #[derive(Deserialize)]
    struct DraftRow {
        title: String,
        price: Option<String>,
        currency: Option<String>,
        category: String,
        tags: String,
        seo: String,
        thumbnails: Option<String>,
    }
    let draft: Option<DraftRow> = opt(
        sql,
        Stmt::new(
            "SELECT title, price, currency, category, tags, seo, thumbnails FROM product_drafts \
             WHERE job_id = ? AND seller_id = ?",
        )
        .bind(job_id)
        .bind(&seller.0),
    )
    .await?;
    view.draft = match draft {
        Some(d) => Some(crate::stages::draft::Draft {
            title: d.title,
            price: d.price,
            currency: d.currency,
            category: d.category,
            tags: serde_json::from_str(&d.tags)?,
            seo: serde_json::from_str(&d.seo)?,
            thumbnails: d.thumbnails.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default(),
        }),
        None => None,
    };
    Ok(view)
}

pub async fn find_by_dedupe_key(sql: &impl Sql, seller: &SellerId, key: &str) -> ApiResult<Option<JobRow>> {
    opt(
        sql,
        Stmt::new(format!(
            "SELECT {JOB_COLUMNS} FROM jobs j LEFT JOIN videos v ON v.job_id = j.id \
             WHERE j.seller_id = ? AND j.dedupe_key = ?"
        ))
        .bind(&seller.0)
        .bind(key),
    )
    .await
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only jobs in this status.
    pub status: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1-100, default 20.
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobPage {
    pub items: Vec<JobView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

pub async fn list(sql: &impl Sql, seller: &SellerId, q: ListQuery) -> ApiResult<JobPage> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::bad_request("invalid_limit", "limit must be between 1 and 100"));
    }
    if let Some(s) = &q.status
        && !status::ALL.contains(&s.as_str())
    {
        return Err(ApiError::bad_request(
            "invalid_status",
            format!("status must be one of {}", status::ALL.join(", ")),
        ));
    }
    if let Some(c) = &q.cursor
        && (c.len() > 64 || !c.starts_with("job_"))
    {
        return Err(ApiError::bad_request("invalid_cursor", "cursor is not one this API returned"));
    }
    let rows: Vec<JobRow> = all(
        sql,
        Stmt::new(format!(
            "SELECT {JOB_COLUMNS} FROM jobs j LEFT JOIN videos v ON v.job_id = j.id \
             WHERE j.seller_id = ? AND (? IS NULL OR j.status = ?) AND (? IS NULL OR j.id < ?) \
             ORDER BY j.id DESC LIMIT ?"
        ))
        .bind(&seller.0)
        .bind(q.status.clone())
        .bind(q.status)
        .bind(q.cursor.clone())
        .bind(q.cursor)
        .bind(limit + 1),
    )
    .await?;
    let more = rows.len() > limit as usize;
    let items: Vec<JobView> = rows.into_iter().take(limit as usize).map(JobRow::view).collect();
    let next_cursor = if more { items.last().map(|j| j.job_id.clone()) } else { None };
    Ok(JobPage { items, next_cursor })
}
