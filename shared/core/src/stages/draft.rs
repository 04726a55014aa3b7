//! The product draft, assembled by whichever stage finishes last: the caption analysis gives the
//! price, the tagger the title, category, tags and SEO, the thumbnailer the images. A failed
//! thumbnail stage does not hold the draft back: the product is ready without images and the job
//! says why.

use crate::jobs::{stage, status};
use crate::ports::{PortError, Sql, Stmt, System};
use crate::repo::{all, opt};
use linkhub_analysis::Analysis;
use serde::{Deserialize, Serialize};

/// The stage columns a job waits for before it is `ready`.
pub const ACTIVE_STAGES: [&str; 3] = ["caption_state", "tagging_state", "thumbnail_state"];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Draft {
    pub title: String,
    /// Exact decimal string.
    pub price: Option<String>,
    pub currency: Option<String>,
    pub category: String,
    pub tags: Vec<String>,
    #[schema(value_type = Object)]
    pub seo: linkhub_analysis::Seo,
    /// Every rendition, or none when the thumbnail stage failed.
    pub thumbnails: Vec<ThumbnailView>,
}

/// One rendition as the storefront links it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ThumbnailView {
    /// `square-150`, `square-320`, `card-360x640` or `share-1200x630`.
    pub name: String,
    pub width: u32,
    pub height: u32,
    /// Served as WebP or JPEG by the `Accept` header; versioned, so cacheable for a year.
    pub url: String,
    pub formats: Vec<FormatView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FormatView {
    /// `jpeg` or `webp`.
    pub format: String,
    pub url: String,
    pub bytes: u64,
}

#[derive(Deserialize)]
struct ThumbRow {
    name: String,
    format: String,
    width: u32,
    height: u32,
    bytes: u64,
    etag: String,
}

/// The public path of a rendition; `ext` picks a format, none negotiates.
pub fn media_path(seller_id: &str, job_id: &str, name: &str, ext: Option<&str>, etag: &str) -> String {
    let version: String = etag.chars().filter(char::is_ascii_alphanumeric).take(12).collect();
    match ext {
        Some(ext) => format!("/media/{seller_id}/{job_id}/{name}.{ext}?v={version}"),
        None => format!("/media/{seller_id}/{job_id}/{name}?v={version}"),
    }
}

pub async fn thumbnails(sql: &impl Sql, seller_id: &str, job_id: &str) -> Result<Vec<ThumbnailView>, PortError> {
    let rows: Vec<ThumbRow> = all(
        sql,
        Stmt::new(
            "SELECT name, format, width, height, bytes, etag FROM thumbnails WHERE job_id = ? AND seller_id = ? \
             ORDER BY width * height, name, format",
        )
        .bind(job_id)
        .bind(seller_id),
    )
    .await
    .map_err(|e| PortError::unavailable(e.cause.unwrap_or(e.message)))?;
    let mut out: Vec<ThumbnailView> = Vec::new();
    for r in rows {
        let ext = if r.format == "webp" { "webp" } else { "jpg" };
        let format = FormatView {
            url: media_path(seller_id, job_id, &r.name, Some(ext), &r.etag),
            format: r.format.clone(),
            bytes: r.bytes,
        };
        match out.iter_mut().find(|t| t.name == r.name) {
            Some(t) => t.formats.push(format),
            None => out.push(ThumbnailView {
                url: media_path(seller_id, job_id, &r.name, None, &r.etag),
                name: r.name,
                width: r.width,
                height: r.height,
                formats: vec![format],
            }),
        }
    }
    Ok(out)
}

/// Builds the draft once every active stage has finished; returns whether this call made the job
/// ready. Safe to call any number of times from any stage.
pub async fn assemble(sql: &impl Sql, sys: &impl System, job_id: &str, seller_id: &str) -> Result<bool, PortError> {
    #[derive(Deserialize)]
    struct Parts {
        body: Option<String>,
        tags: Option<String>,
        seo: Option<String>,
        category: Option<String>,
        caption_state: String,
        tagging_state: String,
        thumbnail_state: String,
    }
    let parts: Option<Parts> = opt(
        sql,
        Stmt::new(
            "SELECT a.body, t.tags, t.seo, t.category, j.caption_state, j.tagging_state, j.thumbnail_state \
             FROM jobs j LEFT JOIN analyses a ON a.job_id = j.id LEFT JOIN taggings t ON t.job_id = j.id \
             WHERE j.id = ? AND j.seller_id = ?",
        )
        .bind(job_id)
        .bind(seller_id),
    )
    .await
    .map_err(|e| PortError::unavailable(e.cause.unwrap_or(e.message)))?;
    let Some(p) = parts else { return Ok(false) };
    let finished = |s: &str| s == stage::DONE || s == stage::FAILED;
    if p.caption_state != stage::DONE || p.tagging_state != stage::DONE || !finished(&p.thumbnail_state) {
        return Ok(false);
    }
    let (Some(body), Some(tags), Some(seo), Some(category)) = (p.body, p.tags, p.seo, p.category) else {
        return Ok(false);
    };
    let analysis: Analysis = serde_json::from_str(&body).map_err(|e| PortError::invalid(e.to_string()))?;
    let seo: linkhub_analysis::Seo = serde_json::from_str(&seo).map_err(|e| PortError::invalid(e.to_string()))?;
    let price = linkhub_analysis::selling_price(&analysis.prices);
    let thumbs = thumbnails(sql, seller_id, job_id).await?;
    let now = sys.now_ms();
    let changed = sql
        .batch(vec![
            Stmt::new(
                "INSERT INTO product_drafts (job_id, seller_id, title, price, currency, category, tags, seo, \
                 thumbnails, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET \
                 title = excluded.title, price = excluded.price, currency = excluded.currency, \
                 category = excluded.category, tags = excluded.tags, seo = excluded.seo, \
                 thumbnails = excluded.thumbnails, updated_at = excluded.updated_at",
            )
            .bind(job_id)
            .bind(seller_id)
            .bind(seo.title.clone())
            .bind(price.map(|p| p.amount.clone()))
            .bind(price.map(|p| p.currency.clone()))
            .bind(category)
            .bind(tags)
            .bind(serde_json::to_string(&seo).unwrap_or_default())
            .bind(serde_json::to_string(&thumbs).unwrap_or_else(|_| "[]".into()))
            .bind(now),
            Stmt::new(
                "UPDATE jobs SET status = ?, updated_at = ? WHERE id = ? AND seller_id = ? AND status = ? \
                 AND caption_state = 'done' AND tagging_state = 'done' AND thumbnail_state IN ('done', 'failed')",
            )
            .bind(status::READY)
            .bind(now)
            .bind(job_id)
            .bind(seller_id)
            .bind(status::METADATA_READY),
        ])
        .await?;
    Ok(changed.get(1).copied().unwrap_or(0) > 0)
}
