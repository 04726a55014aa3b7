//! Images a seller uploads: a product's photo (`POST /api/v1/products/{id}/images`) and the
//! storefront's avatar (`POST /api/v1/storefront/avatar`).
//!
//! The products function checks the image from its header (`covers::check_image`: type sniffed
//! and matching `Content-Type`, dimensions within the decode limits), stores the original,
//! records the upload `processing`, makes it the product's (or storefront's) latest upload, and
//! queues it to the thumbnailer. The thumbnailer decodes it with the cover limits and renders
//! the renditions (a product gets all four with its price badge and title, an avatar the two
//! squares) into `thumbnails` under the upload's id, which `/media/{seller}/{upload}/...`
//! serves. Only the latest upload replaces what the product or storefront shows; an older one
//! still processing is `superseded`, and so is one that finishes after a newer upload (or the
//! avatar's removal) came. Every upload ends `ready`, `failed` (with why: the decoder's code,
//! `product_deleted`, `retries_exhausted` from the dead-letter queue, or `stalled` from the
//! maintenance sweep when its message was lost) or `superseded`; `GET /api/v1/uploads/{id}`
//! tells which.

use crate::accounts::SellerId;
use crate::catalog::{ThumbRow, ThumbnailView, views};
use crate::config::Config;
use crate::covers::check_image;
use crate::error::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::log::LogCtx;
use crate::ports::{Blobs, PortError, Queue, Sql, Stmt, System, Topic};
use crate::repo::opt;
use crate::stages::thumbnail::{ThumbnailDeps, etag, format_name, object_key, rendition_row};
use crate::stages::{StageOutcome, retry};
use crate::storefront::bump;
use linkhub_analysis::display_price;
use linkhub_imaging::{JPEG_QUALITY, Limits, Overlay, SPECS, Thumbnail, decode, render, squares};
use serde::{Deserialize, Serialize};

pub const PROCESSING: &str = "processing";
pub const READY: &str = "ready";
pub const FAILED: &str = "failed";
pub const SUPERSEDED: &str = "superseded";

/// What an upload is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    Product(&'a str),
    Avatar,
}

impl Target<'_> {
    fn name(self) -> &'static str {
        match self {
            Target::Product(_) => "product",
            Target::Avatar => "avatar",
        }
    }
    fn product_id(self) -> Option<String> {
        match self {
            Target::Product(id) => Some(id.to_owned()),
            Target::Avatar => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct UploadView {
    pub id: String,
    /// `product` or `avatar`.
    pub target: String,
    pub product_id: Option<String>,
    /// `processing`, `ready`, `failed` or `superseded` (a newer upload replaced it first).
    pub state: String,
    /// Why it failed: `image_corrupt`, `image_too_large`, `image_unsupported`, `retries_exhausted`...
    pub error: Option<String>,
    pub content_type: String,
    pub bytes: i64,
    pub width: u32,
    pub height: u32,
    /// The renditions, once ready.
    pub images: Vec<ThumbnailView>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The thumbnailer's message for an upload (the thumbnail queue carries both kinds).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadMessage {
    pub v: u32,
    pub upload_id: String,
    pub seller_id: String,
    pub request_id: String,
}

impl UploadMessage {
    pub fn parse(body: &str) -> Option<Self> {
        serde_json::from_str(body).ok()
    }
}

#[derive(Deserialize)]
struct UploadRow {
    id: String,
    target: String,
    product_id: Option<String>,
    state: String,
    error: Option<String>,
    content_type: String,
    bytes: i64,
    width: u32,
    height: u32,
    created_at: i64,
    updated_at: i64,
}

const SELECT: &str = "SELECT id, target, product_id, state, error, content_type, bytes, width, height, created_at, \
    updated_at FROM uploads WHERE id = ? AND seller_id = ?";

fn folder(seller_id: &str, upload_id: &str) -> String {
    format!("sellers/{seller_id}/uploads/{upload_id}")
}

/// `GET /api/v1/uploads/{id}`: another seller's upload is 404.
pub async fn get(sql: &impl Sql, seller: &SellerId, id: &str) -> ApiResult<UploadView> {
    let row: UploadRow = opt(sql, Stmt::new(SELECT).bind(id).bind(&seller.0))
        .await?
        .ok_or_else(|| ApiError::not_found("no such upload"))?;
    let images = if row.state == READY { crate::catalog::thumbnails(sql, &seller.0, id).await? } else { Vec::new() };
    Ok(UploadView {
        id: row.id,
        target: row.target,
        product_id: row.product_id,
        state: row.state,
        error: row.error,
        content_type: row.content_type,
        bytes: row.bytes,
        width: row.width,
        height: row.height,
        images,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Stores an uploaded image and queues its renditions; answers the upload, `processing`.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    sql: &impl Sql,
    blobs: &impl Blobs,
    queue: &impl Queue,
    sys: &impl System,
    seller: &SellerId,
    target: Target<'_>,
    content_type: &str,
    body: &[u8],
    request_id: &str,
) -> ApiResult<UploadView> {
    if let Target::Product(id) = target {
        let exists = opt::<serde_json::Value>(
            sql,
            Stmt::new("SELECT 1 AS one FROM products WHERE id = ? AND seller_id = ?").bind(id).bind(&seller.0),
        )
        .await?;
        if exists.is_none() {
            return Err(crate::products::not_found());
        }
    }
    let (content_type, ext, width, height) = check_image(content_type, body)?;
    let id = new_id(sys, "up")?;
    let key = format!("{}/original.{ext}", folder(&seller.0, &id));
    blobs.put(&key, body, content_type).await?;
    let now = sys.now_ms();
    let product_id = target.product_id();
    let mut stmts = vec![
        // Older uploads still rendering lose: only the latest is shown.
        Stmt::new(
            "UPDATE uploads SET state = ?, updated_at = ? WHERE seller_id = ? AND target = ? AND product_id IS ? \
             AND state = ?",
        )
        .bind(SUPERSEDED)
        .bind(now)
        .bind(&seller.0)
        .bind(target.name())
        .bind(product_id.clone())
        .bind(PROCESSING),
        Stmt::new(
            "INSERT INTO uploads (id, seller_id, target, product_id, object_key, content_type, bytes, width, height, \
             state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.as_str())
        .bind(&seller.0)
        .bind(target.name())
        .bind(product_id.clone())
        .bind(key.as_str())
        .bind(content_type)
        .bind(i64::try_from(body.len()).unwrap_or(i64::MAX))
        .bind(i64::from(width))
        .bind(i64::from(height))
        .bind(PROCESSING)
        .bind(now)
        .bind(now),
    ];
    stmts.push(match target {
        Target::Product(pid) => Stmt::new("UPDATE products SET image_upload = ? WHERE id = ? AND seller_id = ?")
            .bind(id.as_str())
            .bind(pid)
            .bind(&seller.0),
        Target::Avatar => Stmt::new(
            "INSERT INTO storefronts (seller_id, avatar_upload, updated_at) VALUES (?, ?, ?) \
             ON CONFLICT (seller_id) DO UPDATE SET avatar_upload = excluded.avatar_upload",
        )
        .bind(&seller.0)
        .bind(id.as_str())
        .bind(now),
    });
    let changed = match sql.batch(stmts).await {
        Ok(changed) => changed,
        Err(e) => {
            let _ = blobs.delete(&key).await;
            return Err(e.into());
        }
    };
    if changed.last() == Some(&0) {
        // The product was deleted between the check and the write.
        let _ = sql.execute(settle(&id, &seller.0, FAILED, Some("product_deleted"), now)).await;
        let _ = blobs.delete(&key).await;
        return Err(crate::products::not_found());
    }
    let msg =
        UploadMessage { v: 1, upload_id: id.clone(), seller_id: seller.0.clone(), request_id: request_id.to_owned() };
    if let Err(e) = queue.send(Topic::Thumbnail, &serde_json::to_string(&msg)?).await {
        // Failed with why; should this write fail too, the maintenance sweep ends it `stalled`.
        let _ = sql.execute(settle(&id, &seller.0, FAILED, Some("queue_failed"), sys.now_ms())).await;
        let _ = blobs.delete(&key).await;
        return Err(e.into());
    }
    get(sql, seller, &id).await
}

/// Moves a processing upload to `to`.
fn settle(id: &str, seller_id: &str, to: &str, error: Option<&str>, now: i64) -> Stmt {
    Stmt::new("UPDATE uploads SET state = ?, error = ?, updated_at = ? WHERE id = ? AND seller_id = ? AND state = ?")
        .bind(to)
        .bind(error)
        .bind(now)
        .bind(id)
        .bind(seller_id)
        .bind(PROCESSING)
}

/// True while the upload is still processing: the guard of the renditions' rows. Binds: upload
/// id, seller id.
const STILL_PROCESSING: &str = "EXISTS (SELECT 1 FROM uploads WHERE id = ? AND seller_id = ? AND state = 'processing')";

#[derive(Deserialize)]
struct WorkRow {
    target: String,
    product_id: Option<String>,
    /// The product, when it still exists.
    product: Option<String>,
    object_key: String,
    state: String,
    attempts: u32,
    title: Option<String>,
    price: Option<String>,
    currency: Option<String>,
}

/// The thumbnailer's run for one upload message.
pub async fn render_upload<S: Sql, B: Blobs, Y: System>(
    d: &ThumbnailDeps<'_, S, B, Y>,
    msg: &UploadMessage,
) -> StageOutcome {
    let (sql, sys, cfg) = (d.sql, d.sys, d.cfg);
    let log = LogCtx::new("thumbnailer")
        .with("upload_id", msg.upload_id.as_str())
        .with("seller_id", msg.seller_id.as_str())
        .with("request_id", msg.request_id.as_str());
    let select = Stmt::new(
        "SELECT u.target, u.product_id, p.id AS product, u.object_key, u.state, u.attempts, p.title, p.price, p.currency \
         FROM uploads u LEFT JOIN products p ON p.id = u.product_id AND p.seller_id = u.seller_id \
         WHERE u.id = ? AND u.seller_id = ?",
    )
    .bind(&msg.upload_id)
    .bind(&msg.seller_id);
    let row: WorkRow = match opt(sql, select).await {
        Ok(Some(row)) => row,
        Ok(None) => {
            log.warn(sys, "no such upload; message dropped", "");
            return StageOutcome::Discarded;
        }
        Err(e) => return retry(&log, sys, cfg, 1, &PortError::unavailable(e.cause.unwrap_or(e.message))),
    };
    if row.state != PROCESSING {
        return StageOutcome::Done;
    }
    if row.target == "product" && row.product.is_none() {
        return fail(d, &log, msg, "product_deleted", "the product was deleted before its photo was rendered").await;
    }
    let attempt = row.attempts + 1;
    // A retried upload is not silent: the maintenance sweep leaves it alone.
    let count = Stmt::new("UPDATE uploads SET attempts = ?, updated_at = ? WHERE id = ? AND seller_id = ?")
        .bind(i64::from(attempt))
        .bind(sys.now_ms())
        .bind(&msg.upload_id)
        .bind(&msg.seller_id);
    if let Err(e) = sql.execute(count).await {
        return retry(&log, sys, cfg, attempt, &e);
    }
    let original = match d.blobs.get(&row.object_key).await {
        Ok(Some(blob)) => blob,
        Ok(None) => return fail(d, &log, msg, "image_missing", "the uploaded original is gone").await,
        Err(e) => return retry(&log, sys, cfg, attempt, &e),
    };
    let decoded = match decode(&original.bytes, &Limits::default()) {
        Ok(decoded) => decoded,
        Err(e) => return fail(d, &log, msg, e.code(), &e.to_string()).await,
    };
    drop(original);
    let (specs, overlay) = if row.target == "avatar" {
        (squares(), Overlay::default())
    } else {
        let price = row.price.as_deref().zip(row.currency.as_deref()).map(|(a, c)| display_price(a, c));
        (&SPECS[..], Overlay { price, title: row.title.clone().filter(|t| !t.trim().is_empty()) })
    };
    let thumbs = match render(&decoded.image, specs, JPEG_QUALITY, &overlay) {
        Ok(thumbs) => thumbs,
        Err(e) => return fail(d, &log, msg, "thumbnail_render_failed", &e).await,
    };
    drop(decoded);
    match store(d, msg, &row, &thumbs).await {
        Ok(true) => {
            log.info(sys, "upload rendered");
            StageOutcome::Done
        }
        Ok(false) => {
            log.info(sys, "a newer upload (or a removal) came first; this one is superseded");
            StageOutcome::Done
        }
        Err(e) => retry(&log, sys, cfg, attempt, &e),
    }
}

/// Writes the renditions, then in one batch: their rows; the upload `ready` if it is still the
/// product's (or storefront's) latest upload, else `superseded`; and, only for a `ready` one, the
/// product's images or the storefront's avatar with a catalog bump. True when it became ready.
async fn store<S: Sql, B: Blobs, Y: System>(
    d: &ThumbnailDeps<'_, S, B, Y>,
    msg: &UploadMessage,
    row: &WorkRow,
    thumbs: &[Thumbnail],
) -> Result<bool, PortError> {
    let (id, seller_id, now) = (msg.upload_id.as_str(), msg.seller_id.as_str(), d.sys.now_ms());
    let dir = folder(seller_id, id);
    let mut stmts = Vec::with_capacity(thumbs.len() + 5);
    let mut rows = Vec::with_capacity(thumbs.len());
    for t in thumbs {
        let key = object_key(&dir, t);
        d.blobs.put(&key, &t.bytes, t.format.content_type()).await?;
        stmts.push(rendition_row(STILL_PROCESSING, id, seller_id, &key, t, now).bind(id).bind(seller_id));
        rows.push(ThumbRow {
            name: t.name.to_owned(),
            format: format_name(t).to_owned(),
            width: t.width,
            height: t.height,
            bytes: u64::try_from(t.bytes.len()).unwrap_or(u64::MAX),
            etag: etag(&t.bytes),
        });
    }
    let images =
        serde_json::to_string(&views(seller_id, id, rows)).map_err(|e| PortError::unavailable(e.to_string()))?;
    let product = row.product_id.as_deref().filter(|_| row.target == "product");
    // Whether this upload is still the one the product or storefront points at.
    let latest = match product {
        Some(_) => "EXISTS (SELECT 1 FROM products WHERE id = ? AND seller_id = ? AND image_upload = ?)",
        None => "EXISTS (SELECT 1 FROM storefronts WHERE seller_id = ? AND avatar_upload = ?)",
    };
    let bind_latest = |stmt: Stmt| match product {
        Some(pid) => stmt.bind(pid).bind(seller_id).bind(id),
        None => stmt.bind(seller_id).bind(id),
    };
    let ready_at = stmts.len();
    stmts.push(bind_latest(
        Stmt::new(format!(
            "UPDATE uploads SET state = ?, error = NULL, updated_at = ? WHERE id = ? AND seller_id = ? AND state = ? \
             AND {latest}"
        ))
        .bind(READY)
        .bind(now)
        .bind(id)
        .bind(seller_id)
        .bind(PROCESSING),
    ));
    stmts.push(settle(id, seller_id, SUPERSEDED, None, now));
    // Only a ready upload's renditions are shown (not one a dead letter failed meanwhile).
    let is_ready = "EXISTS (SELECT 1 FROM uploads WHERE id = ? AND seller_id = ? AND state = 'ready')";
    stmts.push(match product {
        Some(pid) => Stmt::new(format!(
            "UPDATE products SET images = ?, images_from = 'upload', version = version + 1, updated_at = ? \
             WHERE id = ? AND seller_id = ? AND image_upload = ? AND {is_ready}"
        ))
        .bind(images)
        .bind(now)
        .bind(pid)
        .bind(seller_id)
        .bind(id)
        .bind(id)
        .bind(seller_id),
        None => Stmt::new(format!(
            "UPDATE storefronts SET avatar = ?, avatar_key = ?, updated_at = ? WHERE seller_id = ? AND avatar_upload = ? \
             AND {is_ready}"
        ))
        .bind(images)
        .bind(row.object_key.as_str())
        .bind(now)
        .bind(seller_id)
        .bind(id)
        .bind(id)
        .bind(seller_id),
    });
    stmts.push(bump(seller_id, now));
    let counts = d.sql.batch(stmts).await?;
    Ok(counts.get(ready_at).copied().unwrap_or(0) > 0)
}

async fn fail<S: Sql, B, Y: System>(
    d: &ThumbnailDeps<'_, S, B, Y>,
    log: &LogCtx,
    msg: &UploadMessage,
    code: &str,
    message: &str,
) -> StageOutcome {
    log.warn(d.sys, "upload failed for good", &format!("{code}: {message}"));
    match d.sql.execute(settle(&msg.upload_id, &msg.seller_id, FAILED, Some(code), d.sys.now_ms())).await {
        Ok(_) => StageOutcome::Failed { code: code.to_owned() },
        Err(e) => retry(log, d.sys, d.cfg, 1, &e),
    }
}

/// A dead-lettered upload message: the upload fails (`retries_exhausted`) instead of waiting.
pub async fn dead_letter(sql: &impl Sql, sys: &impl System, cfg: &Config, msg: &UploadMessage) -> StageOutcome {
    let stmt = settle(&msg.upload_id, &msg.seller_id, FAILED, Some(crate::stages::RETRIES_EXHAUSTED), sys.now_ms());
    match sql.execute(stmt).await {
        Ok(_) => StageOutcome::Failed { code: crate::stages::RETRIES_EXHAUSTED.into() },
        Err(_) => StageOutcome::RetryAfter(cfg.retry_delay(1)),
    }
}
