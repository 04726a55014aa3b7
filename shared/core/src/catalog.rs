//! The seller's catalog. Today: the product draft a job's stages make (the caption analysis
//! gives the price, the tagger the title, category, tags and SEO, the thumbnailer the images),
//! and the public paths of its images. Jobs refer to the catalog; the catalog knows nothing of
//! jobs or stages.

use crate::ports::{PortError, Sql, Stmt};
use crate::repo::{all, opt};
use linkhub_analysis::{Analysis, Seo};
use serde::{Deserialize, Serialize};

/// The category of a draft whose analysis is missing.
pub const UNCATEGORIZED: &str = "Uncategorized";

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

/// One stored rendition, as `thumbnails` holds it.
#[derive(Deserialize)]
pub struct ThumbRow {
    pub name: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub etag: String,
}

/// The public path of a rendition; `ext` picks a format, none negotiates.
pub fn media_path(seller_id: &str, set_id: &str, name: &str, ext: Option<&str>, etag: &str) -> String {
    let version: String = etag.chars().filter(char::is_ascii_alphanumeric).take(12).collect();
    match ext {
        Some(ext) => format!("/media/{seller_id}/{set_id}/{name}.{ext}?v={version}"),
        None => format!("/media/{seller_id}/{set_id}/{name}?v={version}"),
    }
}

/// The renditions of one image set (a job's cover, or an upload), read back.
pub async fn thumbnails(sql: &impl Sql, seller_id: &str, set_id: &str) -> Result<Vec<ThumbnailView>, PortError> {
    let rows: Vec<ThumbRow> = all(
        sql,
        Stmt::new(
            "SELECT name, format, width, height, bytes, etag FROM thumbnails WHERE job_id = ? AND seller_id = ? \
             ORDER BY width * height, name, format",
        )
        .bind(set_id)
        .bind(seller_id),
    )
    .await
    .map_err(|e| PortError::unavailable(e.cause.unwrap_or(e.message)))?;
    Ok(views(seller_id, set_id, rows))
}

/// Groups an image set's rows (smallest first) into one view per rendition.
pub fn views(seller_id: &str, set_id: &str, rows: impl IntoIterator<Item = ThumbRow>) -> Vec<ThumbnailView> {
    let mut out: Vec<ThumbnailView> = Vec::new();
    for r in rows {
        let ext = if r.format == "webp" { "webp" } else { "jpg" };
        let format = FormatView {
            url: media_path(seller_id, set_id, &r.name, Some(ext), &r.etag),
            format: r.format.clone(),
            bytes: r.bytes,
        };
        match out.iter_mut().find(|t| t.name == r.name) {
            Some(t) => t.formats.push(format),
            None => out.push(ThumbnailView {
                url: media_path(seller_id, set_id, &r.name, None, &r.etag),
                name: r.name,
                width: r.width,
                height: r.height,
                formats: vec![format],
            }),
        }
    }
    out
}

/// Builds the draft from whatever the stages made: the caption analysis (price, and title,
/// category, tags and SEO when the tagger's are missing), the tagger's category, tags and SEO,
/// and the renditions. A stage that failed leaves its part out; the title falls back to the
/// video's caption.
pub async fn build_draft(sql: &impl Sql, job_id: &str, seller_id: &str) -> Result<Draft, PortError> {
    #[derive(Deserialize)]
    struct Parts {
        body: Option<String>,
        tags: Option<String>,
        seo: Option<String>,
        category: Option<String>,
        caption: Option<String>,
    }
    let p: Parts = opt(
        sql,
        Stmt::new(
            "SELECT a.body, t.tags, t.seo, t.category, v.caption FROM (SELECT ? AS job_id, ? AS seller_id) k \
             LEFT JOIN analyses a ON a.job_id = k.job_id AND a.seller_id = k.seller_id \
             LEFT JOIN taggings t ON t.job_id = k.job_id AND t.seller_id = k.seller_id \
             LEFT JOIN videos v ON v.job_id = k.job_id AND v.seller_id = k.seller_id",
        )
        .bind(job_id)
        .bind(seller_id),
    )
    .await
    .map_err(|e| PortError::unavailable(e.cause.unwrap_or(e.message)))?
    .unwrap_or(Parts { body: None, tags: None, seo: None, category: None, caption: None });
    let analysis: Option<Analysis> = p.body.as_deref().and_then(|b| serde_json::from_str(b).ok());
    let seo: Option<Seo> = p
        .seo
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .or_else(|| analysis.as_ref().map(|a| a.seo.clone()));
    let tags: Vec<String> = p
        .tags
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .or_else(|| analysis.as_ref().map(|a| a.tags.clone()))
        .unwrap_or_default();
    let category = p
        .category
        .or_else(|| analysis.as_ref().map(|a| a.category.clone()))
        .unwrap_or_else(|| UNCATEGORIZED.to_owned());
    let fallback_title: String =
        p.caption.as_deref().unwrap_or("").chars().take(60).collect::<String>().trim().to_owned();
    let title = seo
        .as_ref()
        .map(|s| s.title.clone())
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(if fallback_title.is_empty() { crate::products::NO_TITLE.to_owned() } else { fallback_title });
    let price = analysis.as_ref().and_then(|a| linkhub_analysis::selling_price(&a.prices)).cloned();
    Ok(Draft {
        title,
        price: price.as_ref().map(|p| p.amount.clone()),
        currency: price.map(|p| p.currency),
        category,
        tags,
        seo: seo.unwrap_or(Seo { slug: String::new(), title: String::new(), description: String::new() }),
        thumbnails: thumbnails(sql, seller_id, job_id).await?,
    })
}

/// The statement that stores a job's draft (an upsert: assembling twice writes the same row).
pub fn save_draft(job_id: &str, seller_id: &str, d: &Draft, now: i64) -> Stmt {
    Stmt::new(
        "INSERT INTO product_drafts (job_id, seller_id, title, price, currency, category, tags, seo, \
         thumbnails, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET \
         title = excluded.title, price = excluded.price, currency = excluded.currency, \
         category = excluded.category, tags = excluded.tags, seo = excluded.seo, \
         thumbnails = excluded.thumbnails, updated_at = excluded.updated_at",
    )
    .bind(job_id)
    .bind(seller_id)
    .bind(d.title.clone())
    .bind(d.price.clone())
    .bind(d.currency.clone())
    .bind(d.category.clone())
    .bind(serde_json::to_string(&d.tags).unwrap_or_else(|_| "[]".into()))
    .bind(serde_json::to_string(&d.seo).unwrap_or_default())
    .bind(serde_json::to_string(&d.thumbnails).unwrap_or_else(|_| "[]".into()))
    .bind(now)
}

/// A job's stored draft, if it has one.
pub async fn draft_of(sql: &impl Sql, seller_id: &str, job_id: &str) -> Result<Option<Draft>, PortError> {
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
    let row: Option<DraftRow> = opt(
        sql,
        Stmt::new(
            "SELECT title, price, currency, category, tags, seo, thumbnails FROM product_drafts \
             WHERE job_id = ? AND seller_id = ?",
        )
        .bind(job_id)
        .bind(seller_id),
    )
    .await
    .map_err(|e| PortError::unavailable(e.cause.unwrap_or(e.message)))?;
    let Some(d) = row else { return Ok(None) };
    let invalid = |e: serde_json::Error| PortError::invalid(e.to_string());
    Ok(Some(Draft {
        title: d.title,
        price: d.price,
        currency: d.currency,
        category: d.category,
        tags: serde_json::from_str(&d.tags).map_err(invalid)?,
        seo: serde_json::from_str(&d.seo).map_err(invalid)?,
        thumbnails: d.thumbnails.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default(),
    }))
}
