//! The metadata stage: resolve short links hop by hop, call oEmbed, store the video, copy the
//! cover into the blob store (TikTok cover URLs are signed and expire), then fan out.

use super::{StageError, StageMessage, StageOutcome};
use crate::accounts::SellerId;
use crate::breaker::{Breaker, Gate, Guarded};
use crate::config::Config;
use crate::jobs::{self, JobRow, status};
use crate::log::LogCtx;
use crate::outbound::AllowListed;
use crate::ports::{Blobs, Http, Kv, OutboundRequest, PortError, PortErrorKind, Queue, Sql, Stmt, System, Topic};
use crate::stages::state::{self, Stage};
use crate::tiktok::TikTokLink;
use serde::Deserialize;

pub const MAX_HOPS: usize = 5;
const MAX_OEMBED_BYTES: usize = 256 * 1024;
const MAX_REDIRECT_BODY_BYTES: usize = 64 * 1024;

pub struct MetadataDeps<'a, S, B, Q, H, K, Y> {
    pub sql: &'a S,
    pub blobs: &'a B,
    pub queue: &'a Q,
    pub http: &'a H,
    /// Shares the TikTok circuit breaker's state ([`crate::breaker`]).
    pub kv: &'a K,
    pub sys: &'a Y,
    pub cfg: &'a Config,
}

/// The oEmbed fields we use, as TikTok documents them.
#[derive(Debug, Deserialize)]
pub struct OEmbed {
    #[serde(default)]
    pub title: String,
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    pub thumbnail_url: Option<String>,
}

pub async fn process<S: Sql, B: Blobs, Q: Queue, H: Http, K: Kv, Y: System>(
    d: &MetadataDeps<'_, S, B, Q, H, K, Y>,
    body: &str,
) -> StageOutcome {
    let (msg, mut log) = match super::open("metadata", d.sys, body) {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    let seller = msg.seller();
    let job = match jobs::find(d.sql, &seller, &msg.job_id).await {
        Ok(Some(job)) => job,
        Ok(None) => {
            log.warn(d.sys, "job not found; message acknowledged", "");
            return StageOutcome::Done;
        }
        Err(e) => return retry(d, &log, 1, &e.cause.unwrap_or(e.message)),
    };
    if job.status != status::QUEUED {
        log.info(d.sys, "duplicate delivery: metadata already settled");
        return StageOutcome::Done;
    }
    // TikTok failing: the message goes back for later as a new one, so neither the stage's
    // attempts nor the platform's delivery count are spent while the breaker is open.
    let breaker = Breaker::new(d.kv, d.sys);
    if let Gate::Open { retry_after } = breaker.gate().await {
        // Shown on the stage, and the job counts as moving (the stalled-job sweep leaves it).
        let reason = format!("TikTok is failing; the circuit breaker postponed this stage {retry_after}s");
        let _ = d.sql.execute(state::record_fault(&job.id, &seller.0, Stage::Metadata, &reason, d.sys.now_ms())).await;
        return match d.queue.send_after(Topic::Metadata, body, retry_after).await {
            Ok(()) => {
                log.warn(d.sys, &format!("TikTok circuit open; postponed {retry_after}s"), "");
                StageOutcome::Done
            }
            Err(e) => retry(d, &log, 1, &format!("circuit open and postponing failed: {e}")),
        };
    }
    // The attempt count lives with the stage row, so backoff works the same on every platform.
    let attempt = match state::count_attempt(d.sql, &job.id, &seller.0, Stage::Metadata, d.sys.now_ms()).await {
        Ok(Some(n)) => n,
        Ok(None) => {
            log.info(d.sys, "duplicate delivery: metadata already settled");
            return StageOutcome::Done;
        }
        Err(e) => return retry(d, &log, 1, &e.to_string()),
    };
    log.set("attempt", attempt);
    match run(d, &breaker, &seller, &job, &msg).await {
        Ok(Ran::Ready) => {
            log.info(d.sys, "metadata ready; stages fanned out");
            StageOutcome::Done
        }
        Ok(Ran::Duplicate(of)) => {
            log.info(d.sys, &format!("the seller's job {of} already has this video; marked duplicate"));
            StageOutcome::Done
        }
        Err(StageError::Transient(reason)) => {
            let _ =
                d.sql.execute(state::record_fault(&job.id, &seller.0, Stage::Metadata, &reason, d.sys.now_ms())).await;
            retry(d, &log, attempt, &reason)
        }
        Err(StageError::Permanent { code, message }) => {
            log.warn(d.sys, "job failed", &format!("{code}: {message}"));
            match fail_job(d.sql, d.sys, &seller, &job.id, code, &message).await {
                Ok(()) => StageOutcome::Failed { code: code.to_owned() },
                Err(e) => retry(d, &log, attempt, &e.to_string()),
            }
        }
    }
}

fn retry<S, B, Q, H, K, Y: System>(
    d: &MetadataDeps<'_, S, B, Q, H, K, Y>,
    log: &LogCtx,
    attempt: u32,
    reason: &str,
) -> StageOutcome {
    let delay = d.cfg.retry_delay(attempt);
    log.warn(d.sys, &format!("transient failure; retry in {delay}s"), reason);
    StageOutcome::RetryAfter(delay)
}

/// The metadata stage failed for good: the job is `failed` with the reason, and its other
/// stages, which cannot run without a video, are skipped.
pub async fn fail_job(
    sql: &impl Sql,
    sys: &impl System,
    seller: &SellerId,
    job_id: &str,
    code: &str,
    message: &str,
) -> Result<(), PortError> {
    let now = sys.now_ms();
    let mut stmts = vec![
        Stmt::new(
            "UPDATE jobs SET status = ?, error_code = ?, error_message = ?, updated_at = ? \
             WHERE id = ? AND seller_id = ? AND status = ?",
        )
        .bind(status::FAILED)
        .bind(code)
        .bind(message)
        .bind(now)
        .bind(job_id)
        .bind(&seller.0)
        .bind(status::QUEUED),
        state::settle(job_id, &seller.0, Stage::Metadata, state::FAILED, Some(code), now),
    ];
    stmts.extend(state::skip_after_metadata(job_id, &seller.0, now));
    sql.batch(stmts).await.map(|_| ())
}

/// How a metadata run ended.
enum Ran {
    Ready,
    /// Another job of the seller already has this video.
    Duplicate(String),
}

/// Marks the job a pointer to `of`, which already has its video: terminal, no product, stages
/// skipped.
async fn mark_duplicate(
    sql: &impl Sql,
    sys: &impl System,
    seller: &SellerId,
    job_id: &str,
    of: &str,
) -> Result<(), PortError> {
    let now = sys.now_ms();
    let mut stmts = vec![
        Stmt::new(
            "UPDATE jobs SET status = ?, duplicate_of = ?, updated_at = ? WHERE id = ? AND seller_id = ? AND status = ?",
        )
        .bind(status::DUPLICATE)
        .bind(of)
        .bind(now)
        .bind(job_id)
        .bind(&seller.0)
        .bind(status::QUEUED),
        state::settle(job_id, &seller.0, Stage::Metadata, state::DONE, None, now),
    ];
    stmts.extend(state::skip_after_metadata(job_id, &seller.0, now));
    sql.batch(stmts).await.map(|_| ())
}

/// The seller's other job for this video, if any (a duplicate points at the original, so only
/// originals are considered).
async fn original_job(
    sql: &impl Sql,
    seller: &SellerId,
    job_id: &str,
    video_id: &str,
) -> Result<Option<String>, PortError> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let found: Option<Id> = crate::repo::opt(
        sql,
        Stmt::new(
            "SELECT id FROM jobs WHERE seller_id = ? AND video_id = ? AND id != ? AND duplicate_of IS NULL \
             ORDER BY created_at, id LIMIT 1",
        )
        .bind(&seller.0)
        .bind(video_id)
        .bind(job_id),
    )
    .await
    .map_err(|e| PortError::unavailable(e.cause.unwrap_or(e.message)))?;
    Ok(found.map(|f| f.id))
}

async fn run<S: Sql, B: Blobs, Q: Queue, H: Http, K: Kv, Y: System>(
    d: &MetadataDeps<'_, S, B, Q, H, K, Y>,
    breaker: &Breaker<'_, K, Y>,
    seller: &SellerId,
    job: &JobRow,
    msg: &StageMessage,
) -> Result<Ran, StageError> {
    let guarded = Guarded { inner: d.http, breaker };
    let http = AllowListed { inner: &guarded, extra: &d.cfg.outbound_allowed_origins };
    let mut link =
        TikTokLink::parse(&job.canonical_url).map_err(|e| StageError::permanent("invalid_link", e.message()))?;
    if link.is_short() {
        link = resolve_short_link(&http, d.cfg, &link).await?;
        // A short link and a direct link to one video make one job: the later points at the first.
        if let Some(id) = link.video_id()
            && let Some(of) = original_job(d.sql, seller, &job.id, id).await.map_err(transient)?
        {
            mark_duplicate(d.sql, d.sys, seller, &job.id, &of).await.map_err(transient)?;
            return Ok(Ran::Duplicate(of));
        }
    }
    let oembed = fetch_oembed(&http, d.cfg, &link).await?;
    if let TikTokLink::Video { user: None, id } = &link
        && let Some(user) = oembed.author_url.as_deref().and_then(|u| u.rsplit_once("/@")).map(|(_, u)| u)
        && let Ok(with_user) = TikTokLink::parse(&format!("https://www.tiktok.com/@{user}/video/{id}"))
    {
        link = with_user;
    }
    let video_id = link.video_id().unwrap_or_default().to_owned();
    let cover = match oembed.thumbnail_url.as_deref() {
        Some(url) => Some(copy_cover(&http, d.blobs, d.cfg, seller, &job.id, url).await?),
        None => None,
    };
    let now = d.sys.now_ms();
    let (key, ctype, bytes, w, h) = match &cover {
        Some(c) => (Some(c.key.clone()), Some(c.content_type.clone()), Some(c.bytes), c.width, c.height),
        None => (None, None, None, None, None),
    };
    d.sql
        .execute(
            Stmt::new(
                "INSERT INTO videos (job_id, seller_id, video_id, canonical_url, caption, author_name, author_url, \
                 cover_source_url, cover_key, cover_content_type, cover_bytes, cover_width, cover_height, fetched_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (job_id) DO UPDATE SET video_id = excluded.video_id, canonical_url = excluded.canonical_url, \
                 caption = excluded.caption, author_name = excluded.author_name, author_url = excluded.author_url, \
                 cover_source_url = excluded.cover_source_url, cover_key = excluded.cover_key, \
                 cover_content_type = excluded.cover_content_type, cover_bytes = excluded.cover_bytes, \
                 cover_width = excluded.cover_width, cover_height = excluded.cover_height, fetched_at = excluded.fetched_at",
            )
            .bind(&job.id)
            .bind(&seller.0)
            .bind(&video_id)
            .bind(link.canonical_url())
            .bind(&oembed.title)
            .bind(oembed.author_name.clone())
            .bind(oembed.author_url.clone())
            .bind(oembed.thumbnail_url.clone())
            .bind(key)
            .bind(ctype)
            .bind(bytes)
            .bind(w)
            .bind(h)
            .bind(now),
        )
        .await
        .map_err(|e| StageError::Transient(e.to_string()))?;
    // Fan out before marking the job: if marking fails the message is retried and the caption
    // stage sees a duplicate, which it tolerates; the reverse order could lose the stage. The
    // caption stage starts the tagger (which reads its analysis) and the thumbnails (whose badge
    // prints its price).
    let body = msg.to_json()?;
    d.queue.send(Topic::Caption, &body).await.map_err(|e| StageError::Transient(e.to_string()))?;
    let marked = d
        .sql
        .batch(vec![
            Stmt::new(
                "UPDATE jobs SET status = ?, video_id = ?, canonical_url = ?, updated_at = ? \
                 WHERE id = ? AND seller_id = ? AND status = ?",
            )
            .bind(status::METADATA_READY)
            .bind(&video_id)
            .bind(link.canonical_url())
            .bind(now)
            .bind(&job.id)
            .bind(&seller.0)
            .bind(status::QUEUED),
            state::settle(&job.id, &seller.0, Stage::Metadata, state::DONE, None, now),
        ])
        .await;
    match marked {
        Ok(_) => Ok(Ran::Ready),
        // The unique index on (seller, video) among originals: a job for the same video won the
        // race since the check above. This one becomes its duplicate.
        Err(e) if e.kind == PortErrorKind::Conflict => {
            let of = original_job(d.sql, seller, &job.id, &video_id).await.map_err(transient)?;
            let of = of.ok_or_else(|| StageError::Transient(format!("video conflict without an original: {e}")))?;
            mark_duplicate(d.sql, d.sys, seller, &job.id, &of).await.map_err(transient)?;
            Ok(Ran::Duplicate(of))
        }
        Err(e) => Err(transient(e)),
    }
}

fn transient(e: PortError) -> StageError {
    StageError::Transient(e.to_string())
}

/// Classifies an upstream HTTP status: `Ok` for 2xx, transient for 429/5xx, permanent otherwise.
fn upstream_status(status: u16, what: &str) -> Result<(), StageError> {
    match status {
        200..=299 => Ok(()),
        429 | 500..=599 => Err(StageError::Transient(format!("{what} answered {status}"))),
        400 | 403 | 404 | 410 => Err(StageError::permanent(
            "video_unavailable",
            "TikTok says this video does not exist, is private or was removed",
        )),
        _ => Err(StageError::permanent("upstream_error", format!("{what} answered {status}"))),
    }
}

fn port_error(e: PortError, what: &str) -> StageError {
    match e.kind {
        PortErrorKind::Forbidden => {
            StageError::permanent("outbound_not_allowed", format!("{what}: destination is not allowed"))
        }
        PortErrorKind::TooLarge => {
            StageError::permanent("response_too_large", format!("{what}: response is too large"))
        }
        _ => StageError::Transient(format!("{what}: {e}")),
    }
}

/// Where a request for a TikTok web URL is actually sent: TikTok itself, or the configured base.
fn transport_url(cfg: &Config, url: &str) -> String {
    match (&cfg.tiktok_web_base, url.strip_prefix("https://")) {
        (Some(base), Some(rest)) => format!("{base}/{rest}"),
        _ => url.to_owned(),
    }
}

/// A `Location` header resolved against the URL that answered it (RFC 3986 reference
/// resolution: absolute, scheme-relative, absolute-path, relative-path, with dot segments); the
/// result is then checked against the link grammar like any other hop.
pub fn resolve_location(current: &str, location: &str) -> Result<String, StageError> {
    let base = url::Url::parse(current)
        .map_err(|e| StageError::permanent("short_link_unresolved", format!("bad hop URL {current}: {e}")))?;
    base.join(location.trim()).map(String::from).map_err(|e| {
        StageError::permanent(
            "short_link_unsafe_redirect",
            format!("the short link redirected to an unusable address ({e})"),
        )
    })
}

pub async fn resolve_short_link<H: Http>(http: &H, cfg: &Config, start: &TikTokLink) -> Result<TikTokLink, StageError> {
    let mut current = start.canonical_url();
    for _ in 0..MAX_HOPS {
        let resp = http
            .send(OutboundRequest::get(transport_url(cfg, &current), MAX_REDIRECT_BODY_BYTES))
            .await
            .map_err(|e| port_error(e, "short link"))?;
        match resp.status {
            301 | 302 | 303 | 307 | 308 => {}
            200..=299 => {
                return Err(StageError::permanent("short_link_unresolved", "the short link did not lead to a video"));
            }
            s => {
                upstream_status(s, "short link")?;
            }
        }
        let location = resp
            .header("location")
            .ok_or_else(|| StageError::permanent("short_link_unresolved", "redirect without a Location"))?;
        let next = resolve_location(&current, location)?;
        let link = TikTokLink::parse(&next).map_err(|e| {
            StageError::permanent(
                "short_link_unsafe_redirect",
                format!("the short link redirected outside TikTok ({})", e.code()),
            )
        })?;
        if !link.is_short() {
            return Ok(link);
        }
        current = link.canonical_url();
    }
    Err(StageError::permanent("too_many_redirects", format!("the short link took more than {MAX_HOPS} redirects")))
}

async fn fetch_oembed<H: Http>(http: &H, cfg: &Config, link: &TikTokLink) -> Result<OEmbed, StageError> {
    let query = serde_urlencoded::to_string([("url", link.canonical_url())])
        .map_err(|e| StageError::Transient(e.to_string()))?;
    let url = format!("{}?{query}", cfg.tiktok_oembed_url);
    let mut req = OutboundRequest::get(url, MAX_OEMBED_BYTES);
    req.headers.push(("accept".into(), "application/json".into()));
    let resp = http.send(req).await.map_err(|e| port_error(e, "oEmbed"))?;
    upstream_status(resp.status, "oEmbed")?;
    serde_json::from_slice(&resp.body)
        .map_err(|e| StageError::Transient(format!("oEmbed answered malformed JSON: {e}")))
}

pub struct StoredCover {
    pub key: String,
    pub content_type: String,
    pub bytes: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

async fn copy_cover<H: Http, B: Blobs>(
    http: &H,
    blobs: &B,
    cfg: &Config,
    seller: &SellerId,
    job_id: &str,
    url: &str,
) -> Result<StoredCover, StageError> {
    let resp = http.send(OutboundRequest::get(url, cfg.cover_max_bytes)).await.map_err(|e| match e.kind {
        PortErrorKind::TooLarge => StageError::permanent(
            "cover_too_large",
            format!("the cover image is larger than {} bytes", cfg.cover_max_bytes),
        ),
        _ => port_error(e, "cover"),
    })?;
    if let 400..=499 = resp.status
        && resp.status != 429
    {
        return Err(StageError::permanent("cover_unavailable", format!("the cover answered {}", resp.status)));
    }
    upstream_status(resp.status, "cover")?;
    if resp.body.len() > cfg.cover_max_bytes {
        return Err(StageError::permanent("cover_too_large", "the cover image is too large"));
    }
    let declared =
        resp.header("content-type").unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let (sniffed, ext) = match imagesize::image_type(&resp.body) {
        Ok(imagesize::ImageType::Jpeg) => ("image/jpeg", "jpg"),
        Ok(imagesize::ImageType::Png) => ("image/png", "png"),
        Ok(imagesize::ImageType::Webp) => ("image/webp", "webp"),
        _ => return Err(StageError::permanent("cover_invalid", "the cover is not a JPEG, PNG or WebP image")),
    };
    if declared != sniffed {
        return Err(StageError::permanent(
            "cover_invalid",
            format!("the cover was served as '{declared}' but is {sniffed}"),
        ));
    }
    let size = imagesize::blob_size(&resp.body).ok();
    let key = format!("sellers/{}/jobs/{job_id}/cover.{ext}", seller.0);
    blobs.put(&key, &resp.body, sniffed).await.map_err(|e| StageError::Transient(e.to_string()))?;
    Ok(StoredCover {
        key,
        content_type: sniffed.to_owned(),
        bytes: i64::try_from(resp.body.len()).unwrap_or(i64::MAX),
        width: size.and_then(|s| i64::try_from(s.width).ok()),
        height: size.and_then(|s| i64::try_from(s.height).ok()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::resolve_location;

    /// String concatenation got all but the first of these wrong.
    #[test]
    fn locations_resolve_as_rfc_3986_says() {
        let at = "https://vm.tiktok.com/ZMabc1234/";
        let r = |l: &str| resolve_location(at, l).unwrap();
        assert_eq!(r("/t/ZTchain99/"), "https://vm.tiktok.com/t/ZTchain99/");
        assert_eq!(r("https://www.tiktok.com/@a/video/1"), "https://www.tiktok.com/@a/video/1");
        assert_eq!(r("//www.tiktok.com/@a/video/1"), "https://www.tiktok.com/@a/video/1");
        assert_eq!(r("next/"), "https://vm.tiktok.com/ZMabc1234/next/");
        assert_eq!(r("../@a/video/1"), "https://vm.tiktok.com/@a/video/1");
        assert_eq!(r("?x=1"), "https://vm.tiktok.com/ZMabc1234/?x=1");
        // Resolution does not judge: the grammar check after it refuses hosts outside TikTok.
        assert_eq!(r("//evil.example/@a/video/1"), "https://evil.example/@a/video/1");
    }
}
