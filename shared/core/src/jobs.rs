//! Ingestion jobs: one per seller and video. A job's stages are rows of `job_stages`
//! (`crate::stages::state`); its status says where the whole job stands.

use crate::accounts::SellerId;
use crate::error::{ApiError, ApiResult};
use crate::ports::{Sql, Stmt};
use crate::repo::{all, opt};
use crate::stages::state::{self, Stage, StageRow};
use serde::{Deserialize, Serialize};

/// Job status as the API reports it. `ready`, `failed` and `duplicate` are terminal: a job is
/// `failed` when its metadata stage failed (no video, no cover), `ready` with whatever its other
/// stages made once each has finished (done or failed, each failure's reason on its stage), and
/// `duplicate` when another job of the seller already has the video (`duplicate_of`).
pub mod status {
    pub const QUEUED: &str = "queued";
    pub const METADATA_READY: &str = "metadata_ready";
    pub const READY: &str = "ready";
    pub const FAILED: &str = "failed";
    pub const DUPLICATE: &str = "duplicate";
    pub const ALL: [&str; 5] = [QUEUED, METADATA_READY, READY, FAILED, DUPLICATE];
    pub const TERMINAL: [&str; 3] = [READY, FAILED, DUPLICATE];
}

/// The columns of a job row, shared by every query that reads one.
pub const JOB_COLUMNS: &str = "j.id, j.seller_id, j.source_url, j.canonical_url, j.link_kind, j.video_id, \
     j.status, j.error_code, j.error_message, j.duplicate_of, j.created_at, j.updated_at, \
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
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub duplicate_of: Option<String>,
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
    /// The job's stage rows as a JSON array, read in the same statement as the job ([`find`]):
    /// one snapshot, so a reader never sees a stage done while its job still looks queued
    /// (the stage and the job change in one transaction, but two reads may straddle it).
    #[serde(default)]
    pub stage_rows: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobView {
    pub job_id: String,
    /// `queued`, `metadata_ready`, then one of the terminal `ready`, `failed` or `duplicate`.
    pub status: String,
    /// For a `duplicate`: the seller's job that already has this video.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
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
    /// The product draft, once every stage has finished (single-job reads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft: Option<crate::catalog::Draft>,
    /// The product the job made, once it is ready (single-job reads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<JobProduct>,
    pub error: Option<JobErrorView>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobProduct {
    pub id: String,
    pub code: String,
    /// `draft`, `published` or `archived`.
    pub status: String,
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
    /// `pending`, `done`, `failed` or `skipped` (a duplicate job's stages).
    pub state: String,
    pub attempts: i64,
    /// The last transient fault of a pending stage, or why a failed stage failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl StageView {
    fn of(rows: &[StageRow], stage: Stage) -> Self {
        let row = state::pick(rows, stage);
        StageView { state: row.state, attempts: row.attempts, last_error: row.last_error }
    }
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
    /// The API view of the job with its stage rows.
    pub fn view(self, stages: &[StageRow]) -> JobView {
        let cover = match (self.cover_key, self.cover_content_type, self.cover_bytes) {
            (Some(key), Some(content_type), Some(bytes)) => Some(CoverView {
                // Versioned by the object it names: a replaced cover is a new URL, not a cached old image.
                url: format!(
                    "/api/v1/ingestion/jobs/{}/cover?v={}",
                    self.id,
                    &crate::ids::sha256_hex(key.as_bytes())[..12]
                ),
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
            duplicate_of: self.duplicate_of,
            video_id: self.video_id,
            canonical_url: self.canonical_url,
            source_url: self.source_url,
            link_kind: self.link_kind,
            stages: StagesView {
                metadata: StageView::of(stages, Stage::Metadata),
                caption: StageView::of(stages, Stage::Caption),
                thumbnail: StageView::of(stages, Stage::Thumbnail),
                tagging: StageView::of(stages, Stage::Tagging),
            },
            video,
            analysis: None,
            draft: None,
            product: None,
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
            "SELECT {JOB_COLUMNS}, (SELECT json_group_array(json_object('stage', s.stage, 'state', s.state, \
             'attempts', s.attempts, 'last_error', s.last_error)) FROM job_stages s \
             WHERE s.job_id = j.id AND s.seller_id = j.seller_id) AS stage_rows \
             FROM jobs j LEFT JOIN videos v ON v.job_id = j.id WHERE j.id = ? AND j.seller_id = ?"
        ))
        .bind(job_id)
        .bind(&seller.0),
    )
    .await
}

/// The job's view with its stages (no analysis or draft).
pub async fn view(sql: &impl Sql, seller: &SellerId, row: JobRow) -> ApiResult<JobView> {
    let stages = match row.stage_rows.as_deref().map(serde_json::from_str::<Vec<StageRow>>) {
        Some(Ok(rows)) => rows,
        _ => state::of_job(sql, &row.id, &seller.0).await?,
    };
    Ok(row.view(&stages))
}

pub async fn get(sql: &impl Sql, seller: &SellerId, job_id: &str) -> ApiResult<JobView> {
    let row = find(sql, seller, job_id).await?.ok_or_else(|| ApiError::not_found("no such job"))?;
    let mut view = view(sql, seller, row).await?;
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
    view.draft = crate::catalog::draft_of(sql, &seller.0, job_id).await?;
    view.product = opt(
        sql,
        Stmt::new("SELECT id, code, status FROM products WHERE job_id = ? AND seller_id = ?")
            .bind(job_id)
            .bind(&seller.0),
    )
    .await?;
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

/// The seller's original job (not a duplicate) for a video.
pub async fn find_by_video(sql: &impl Sql, seller: &SellerId, video_id: &str) -> ApiResult<Option<JobRow>> {
    opt(
        sql,
        Stmt::new(format!(
            "SELECT {JOB_COLUMNS} FROM jobs j LEFT JOIN videos v ON v.job_id = j.id \
             WHERE j.seller_id = ? AND j.video_id = ? AND j.duplicate_of IS NULL"
        ))
        .bind(&seller.0)
        .bind(video_id),
    )
    .await
}

#[derive(Deserialize)]
struct PageStage {
    job_id: String,
    #[serde(flatten)]
    row: StageRow,
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
    let rows: Vec<JobRow> = rows.into_iter().take(limit as usize).collect();
    // The page's stage rows in one query, for exactly the page's jobs (a status filter leaves
    // other jobs between them); the ids go as one JSON array, one bound parameter however long
    // the page (D1 allows 100 per statement).
    let stages: Vec<PageStage> = if rows.is_empty() {
        Vec::new()
    } else {
        let ids = serde_json::to_string(&rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>())
            .map_err(|e| ApiError::internal(e.to_string()))?;
        all(
            sql,
            Stmt::new(
                "SELECT job_id, stage, state, attempts, last_error FROM job_stages \
                 WHERE seller_id = ? AND job_id IN (SELECT value FROM json_each(?))",
            )
            .bind(&seller.0)
            .bind(ids),
        )
        .await?
    };
    let items: Vec<JobView> = rows
        .into_iter()
        .map(|r| {
            let mine: Vec<StageRow> = stages.iter().filter(|s| s.job_id == r.id).map(|s| s.row.clone()).collect();
            r.view(&mine)
        })
        .collect();
    let next_cursor = if more { items.last().map(|j| j.job_id.clone()) } else { None };
    Ok(JobPage { items, next_cursor })
}
