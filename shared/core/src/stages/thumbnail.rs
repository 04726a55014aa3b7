//! The thumbnail stage, started by the caption stage: reads the stored cover, renders every
//! rendition in JPEG and WebP with the caption's price badge and title (`linkhub_imaging`), writes
//! them under the seller's prefix, records keys, sizes and ETags, and
//! marks the stage done in the same batch. Idempotent: a redelivered message rewrites the same
//! keys and rows, or finds the stage finished. A cover that cannot be decoded (corrupt, truncated,
//! a decompression bomb) fails the stage for good with a readable code instead of being retried.

use super::state::{self, Stage};
use super::{StageMessage, StageOutcome, begin, finish, retry};
use crate::config::Config;
use crate::covers::COVER_IS;
use crate::jobs::status;
use crate::log::LogCtx;
use crate::ports::{Blobs, PortError, Sql, Stmt, System};
use linkhub_analysis::{Analysis, display_price, selling_price};
use linkhub_imaging::{JPEG_QUALITY, Limits, Overlay, Thumbnail, decode, render_all};
use serde::Deserialize;
use sha2::{Digest, Sha256};

const NAME: &str = "thumbnailer";

#[derive(Deserialize)]
struct Row {
    status: String,
    video: Option<String>,
    cover_key: Option<String>,
    analysis: Option<String>,
}

/// Where a rendition lives in the blob store: under its image set's folder
/// (`sellers/{seller}/jobs/{job}` for a cover, `sellers/{seller}/uploads/{upload}` for an upload).
pub fn object_key(folder: &str, t: &Thumbnail) -> String {
    format!("{folder}/thumbs/{}.{}", t.name, t.format.extension())
}

/// The row of one stored rendition of the image set `set_id` (a job, or an upload: `/media/`
/// serves both), written only while `guard` holds: an SQL condition whose parameters the caller
/// binds after this statement's own. A re-run overwrites the row.
pub(crate) fn rendition_row(guard: &str, set_id: &str, seller_id: &str, key: &str, t: &Thumbnail, now: i64) -> Stmt {
    Stmt::new(format!(
        "INSERT INTO thumbnails (job_id, seller_id, name, format, object_key, content_type, width, height, \
         bytes, etag, created_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE {guard} \
         ON CONFLICT (job_id, name, format) \
         DO UPDATE SET object_key = excluded.object_key, content_type = excluded.content_type, \
         width = excluded.width, height = excluded.height, bytes = excluded.bytes, etag = excluded.etag"
    ))
    .bind(set_id)
    .bind(seller_id)
    .bind(t.name)
    .bind(format_name(t))
    .bind(key)
    .bind(t.format.content_type())
    .bind(i64::from(t.width))
    .bind(i64::from(t.height))
    .bind(i64::try_from(t.bytes.len()).unwrap_or(i64::MAX))
    .bind(etag(&t.bytes))
    .bind(now)
}

/// A strong ETag for these bytes.
pub fn etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

pub struct ThumbnailDeps<'a, S, B, Y> {
    pub sql: &'a S,
    pub blobs: &'a B,
    pub sys: &'a Y,
    pub cfg: &'a Config,
}

/// One thumbnail message: a job's thumbnail stage, or an upload's renditions (`crate::uploads`).
pub async fn process<S: Sql, B: Blobs, Y: System>(d: &ThumbnailDeps<'_, S, B, Y>, body: &str) -> StageOutcome {
    let (sql, sys, cfg) = (d.sql, d.sys, d.cfg);
    if let Some(upload) = crate::uploads::UploadMessage::parse(body) {
        return crate::uploads::render_upload(d, &upload).await;
    }
    let (msg, log) = match super::open(NAME, sys, body) {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    let select = "SELECT j.status, v.job_id AS video, v.cover_key, a.body AS analysis \
                  FROM jobs j LEFT JOIN videos v ON v.job_id = j.id LEFT JOIN analyses a ON a.job_id = j.id \
                  WHERE j.id = ? AND j.seller_id = ?";
    let row: Row = match super::job_row(sql, sys, &log, &msg, select.to_owned()).await {
        Ok(row) => row,
        Err(outcome) => return outcome,
    };
    if row.status == status::QUEUED {
        // Not visible as metadata_ready yet (see the caption stage): wait, do not drop.
        return StageOutcome::RetryAfter(2);
    }
    if row.status != status::METADATA_READY {
        return StageOutcome::Done;
    }
    let attempt = match begin(sql, sys, &msg, Stage::Thumbnail).await {
        Ok(attempt) => attempt,
        Err(e) => return retry(&log, sys, cfg, 1, &e),
    };
    if let Some(attempt) = attempt {
        if row.video.is_none() {
            // Metadata fans out only after the video is stored: not visible yet, try shortly.
            return StageOutcome::RetryAfter(2);
        }
        let rendered = match &row.cover_key {
            Some(key) => render(d.blobs, key, &overlay(row.analysis.as_deref())).await,
            None => Err(Failure::Permanent("cover_missing", "the video has no cover image".into())),
        };
        let cover = row.cover_key.as_deref().unwrap_or("");
        let stored = match rendered {
            Ok(thumbs) => store(sql, d.blobs, sys, &msg, cover, &thumbs).await,
            Err(Failure::Transient(e)) => return fault(d, &log, &msg, attempt, &e).await,
            Err(Failure::Permanent(code, message)) => {
                log.warn(sys, "thumbnails failed for good", &format!("{code}: {message}"));
                let settle = settle_if_cover(&msg, cover, state::FAILED, Some(code), sys.now_ms());
                match sql.execute(settle).await {
                    Ok(0) => return replaced(&log, sys),
                    Ok(_) => {}
                    Err(e) => return retry(&log, sys, cfg, attempt, &e),
                }
                return finish(sql, sys, cfg, &log, &msg, StageOutcome::Failed { code: code.to_owned() }).await;
            }
        };
        match stored {
            Ok(false) => return replaced(&log, sys),
            Ok(true) => {}
            Err(e) => return fault(d, &log, &msg, attempt, &e).await,
        }
    }
    finish(sql, sys, cfg, &log, &msg, StageOutcome::Done).await
}

/// The cover was replaced (an upload) while this run rendered the old one: nothing of it is kept,
/// and the upload's own message renders the new cover.
fn replaced(log: &LogCtx, sys: &impl System) -> StageOutcome {
    log.info(sys, "the cover was replaced while rendering; the newer message renders it");
    StageOutcome::Done
}

/// Settles the pending stage only while `cover` is still the job's cover.
fn settle_if_cover(msg: &StageMessage, cover: &str, to: &str, error: Option<&str>, now: i64) -> Stmt {
    Stmt::new(format!(
        "UPDATE job_stages SET state = ?, last_error = ?, updated_at = ? \
         WHERE job_id = ? AND seller_id = ? AND stage = ? AND state = ? AND {COVER_IS}"
    ))
    .bind(to)
    .bind(error)
    .bind(now)
    .bind(&msg.job_id)
    .bind(&msg.seller_id)
    .bind(Stage::Thumbnail.name())
    .bind(state::PENDING)
    .bind(&msg.job_id)
    .bind(&msg.seller_id)
    .bind(cover)
}

/// A transient fault: recorded on the stage, retried with backoff.
async fn fault<S: Sql, B, Y: System>(
    d: &ThumbnailDeps<'_, S, B, Y>,
    log: &LogCtx,
    msg: &StageMessage,
    attempt: u32,
    e: &PortError,
) -> StageOutcome {
    let record = state::record_fault(&msg.job_id, &msg.seller_id, Stage::Thumbnail, &e.to_string(), d.sys.now_ms());
    let _ = d.sql.execute(record).await;
    retry(log, d.sys, d.cfg, attempt, e)
}

enum Failure {
    Transient(PortError),
    Permanent(&'static str, String),
}

/// The badge and title from the stored caption analysis; none when the caption stage failed.
fn overlay(analysis: Option<&str>) -> Overlay {
    let Some(a) = analysis.and_then(|body| serde_json::from_str::<Analysis>(body).ok()) else {
        return Overlay::default();
    };
    Overlay {
        price: selling_price(&a.prices).map(|p| display_price(&p.amount, &p.currency)),
        title: Some(a.seo.title).filter(|t| !t.trim().is_empty()),
    }
}

async fn render(blobs: &impl Blobs, cover_key: &str, overlay: &Overlay) -> Result<Vec<Thumbnail>, Failure> {
    let Some(cover) = blobs.get(cover_key).await.map_err(Failure::Transient)? else {
        return Err(Failure::Permanent("cover_missing", format!("the stored cover {cover_key} is gone")));
    };
    let decoded = decode(&cover.bytes, &Limits::default()).map_err(|e| Failure::Permanent(e.code(), e.to_string()))?;
    drop(cover);
    render_all(&decoded.image, JPEG_QUALITY, overlay).map_err(|e| Failure::Permanent("thumbnail_render_failed", e))
}

/// Writes the renditions and their rows and settles the stage, unless the cover was replaced
/// meanwhile (false: nothing recorded).
async fn store(
    sql: &impl Sql,
    blobs: &impl Blobs,
    sys: &impl System,
    msg: &StageMessage,
    cover: &str,
    thumbs: &[Thumbnail],
) -> Result<bool, PortError> {
    let now = sys.now_ms();
    let mut stmts = Vec::with_capacity(thumbs.len() + 1);
    for t in thumbs {
        let key = object_key(&format!("sellers/{}/jobs/{}", msg.seller_id, msg.job_id), t);
        blobs.put(&key, &t.bytes, t.format.content_type()).await?;
        stmts.push(
            rendition_row(COVER_IS, &msg.job_id, &msg.seller_id, &key, t, now)
                .bind(&msg.job_id)
                .bind(&msg.seller_id)
                .bind(cover),
        );
    }
    // Rows and the guarded stage change land together.
    stmts.push(settle_if_cover(msg, cover, state::DONE, None, now));
    let counts = sql.batch(stmts).await?;
    Ok(counts.last().copied().unwrap_or(0) > 0)
}

pub(crate) fn format_name(t: &Thumbnail) -> &'static str {
    match t.format {
        linkhub_imaging::Format::Jpeg => "jpeg",
        linkhub_imaging::Format::WebP => "webp",
    }
}

async fn fail(sql: &impl Sql, sys: &impl System, job_id: &str, seller_id: &str, code: &str) -> Result<(), PortError> {
    sql.execute(state::settle(job_id, seller_id, Stage::Thumbnail, state::FAILED, Some(code), sys.now_ms()))
        .await
        .map(|_| ())
}

/// Dead letter of a thumbnail message (an upload's: `crate::uploads`): the stage is marked failed (`retries_exhausted`) and the
/// job completes without images, instead of waiting forever. A storage fault is retried.
pub async fn dead_letter(sql: &impl Sql, sys: &impl System, cfg: &Config, body: &str) -> StageOutcome {
    if let Some(upload) = crate::uploads::UploadMessage::parse(body) {
        return crate::uploads::dead_letter(sql, sys, cfg, &upload).await;
    }
    let Ok(msg) = StageMessage::parse(body) else { return StageOutcome::Discarded };
    if fail(sql, sys, &msg.job_id, &msg.seller_id, super::RETRIES_EXHAUSTED).await.is_err() {
        return StageOutcome::RetryAfter(cfg.retry_delay(1));
    }
    match super::complete(sql, sys, &msg.job_id, &msg.seller_id).await {
        Ok(_) => StageOutcome::Failed { code: super::RETRIES_EXHAUSTED.into() },
        Err(_) => StageOutcome::RetryAfter(cfg.retry_delay(1)),
    }
}
