//! `PUT /api/v1/ingestion/jobs/{id}/cover`: the seller replaces the cover TikTok gave (often a
//! blurred first frame) with a photo of their own. The image is checked from its header only
//! (type sniffed and matching `Content-Type`, dimensions within the thumbnailer's decode limits),
//! stored where the copied cover was, and the thumbnail stage runs again from it; the job is
//! `ready` again once the new renditions are made. The full decode, with its allocation limits,
//! stays in the thumbnailer.

use crate::accounts::SellerId;
use crate::error::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::jobs::{self, JobView, status};
use crate::ports::{Blobs, Queue, Sql, Stmt, System, Topic};
use crate::stages::StageMessage;
use crate::stages::state::{self, Stage};
use http::StatusCode;
use linkhub_imaging::Limits;

/// True while this key is the job's cover: the guard of every write that belongs to one cover
/// (the upload's own, the thumbnail stage's). Binds: job id, seller id, cover key.
pub const COVER_IS: &str = "EXISTS (SELECT 1 FROM videos WHERE job_id = ? AND seller_id = ? AND cover_key = ?)";

fn unsupported(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_image", message)
}

/// The sniffed type and file extension of an accepted image, or why it is refused.
pub fn check_image(declared: &str, body: &[u8]) -> ApiResult<(&'static str, &'static str, u32, u32)> {
    let limits = Limits::default();
    if body.is_empty() {
        return Err(ApiError::bad_request("empty_body", "send the image as the request body"));
    }
    let (sniffed, ext) = match imagesize::image_type(body) {
        Ok(imagesize::ImageType::Jpeg) => ("image/jpeg", "jpg"),
        Ok(imagesize::ImageType::Png) => ("image/png", "png"),
        Ok(imagesize::ImageType::Webp) => ("image/webp", "webp"),
        _ => return Err(unsupported("the image must be a JPEG, PNG or WebP file")),
    };
    let declared = declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if declared != sniffed {
        return Err(unsupported(format!("Content-Type is '{declared}' but the body is {sniffed}")));
    }
    let size = imagesize::blob_size(body).map_err(|_| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "image_invalid", "the image header is unreadable")
    })?;
    let (w, h) = (u32::try_from(size.width).unwrap_or(u32::MAX), u32::try_from(size.height).unwrap_or(u32::MAX));
    if w == 0
        || h == 0
        || w > limits.max_width
        || h > limits.max_height
        || u64::from(w) * u64::from(h) > limits.max_pixels
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_too_large",
            format!(
                "the image is {w}×{h}; at most {}×{} and {} pixels",
                limits.max_width, limits.max_height, limits.max_pixels
            ),
        ));
    }
    Ok((sniffed, ext, w, h))
}

#[allow(clippy::too_many_arguments)]
pub async fn replace(
    sql: &impl Sql,
    blobs: &impl Blobs,
    queue: &impl Queue,
    sys: &impl System,
    seller: &SellerId,
    job_id: &str,
    content_type: &str,
    body: &[u8],
    request_id: &str,
) -> ApiResult<(StatusCode, JobView)> {
    let job = jobs::find(sql, seller, job_id).await?.ok_or_else(|| ApiError::not_found("no such job"))?;
    if job.status != status::READY && job.status != status::METADATA_READY {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "job_has_no_video",
            format!("the job is {}; a cover can be replaced once its video is known", job.status),
        ));
    }
    let (content_type, ext, width, height) = check_image(content_type, body)?;
    let now = sys.now_ms();
    // A key of its own per upload: a thumbnail run still rendering the old cover can tell (its
    // writes are guarded on the key), and the old object is deleted only once nothing points at it.
    let key = format!("sellers/{}/jobs/{job_id}/cover-{}.{ext}", seller.0, new_id(sys, "up")?);
    blobs.put(&key, body, content_type).await?;
    let changed = sql
        .batch(vec![
            // Compare-and-swap on the cover this request saw: of two concurrent uploads one wins.
            Stmt::new(
                "UPDATE videos SET cover_key = ?, cover_content_type = ?, cover_bytes = ?, cover_width = ?, \
                 cover_height = ?, cover_source_url = NULL WHERE job_id = ? AND seller_id = ? AND cover_key IS ?",
            )
            .bind(key.as_str())
            .bind(content_type)
            .bind(i64::try_from(body.len()).unwrap_or(i64::MAX))
            .bind(i64::from(width))
            .bind(i64::from(height))
            .bind(job_id)
            .bind(&seller.0)
            .bind(job.cover_key.clone()),
            // The thumbnail stage runs again from the new cover, whatever it was doing.
            Stmt::new(format!(
                "UPDATE job_stages SET state = ?, attempts = 0, last_error = NULL, updated_at = ? \
                 WHERE job_id = ? AND seller_id = ? AND stage = ? AND state IN (?, ?, ?) AND {COVER_IS}"
            ))
            .bind(state::PENDING)
            .bind(now)
            .bind(job_id)
            .bind(&seller.0)
            .bind(Stage::Thumbnail.name())
            .bind(state::PENDING)
            .bind(state::DONE)
            .bind(state::FAILED)
            .bind(job_id)
            .bind(&seller.0)
            .bind(key.as_str()),
            Stmt::new(format!(
                "UPDATE jobs SET status = ?, updated_at = ? WHERE id = ? AND seller_id = ? AND status = ? AND {COVER_IS}"
            ))
            .bind(status::METADATA_READY)
            .bind(now)
            .bind(job_id)
            .bind(&seller.0)
            .bind(status::READY)
            .bind(job_id)
            .bind(&seller.0)
            .bind(key.as_str()),
        ])
        .await?;
    if changed.first().copied().unwrap_or(0) == 0 {
        let _ = blobs.delete(&key).await;
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "cover_changed",
            "another upload replaced the cover at the same time; send yours again",
        ));
    }
    if let Some(old) = job.cover_key.as_deref() {
        // Nothing points at it any more; a leftover object would only cost storage.
        let _ = blobs.delete(old).await;
    }
    let msg = StageMessage::new(job_id, seller, request_id).to_json()?;
    if let Err(e) = queue.send(Topic::Thumbnail, &msg).await {
        // The stage would wait without a message: failed, so the job completes and a retry
        // re-runs it.
        let reason = "the thumbnails could not be queued; retry the job";
        sql.execute(state::settle(job_id, &seller.0, Stage::Thumbnail, state::FAILED, Some(reason), now)).await?;
        crate::stages::complete(sql, sys, job_id, &seller.0).await?;
        return Err(e.into());
    }
    Ok((StatusCode::ACCEPTED, jobs::get(sql, seller, job_id).await?))
}
