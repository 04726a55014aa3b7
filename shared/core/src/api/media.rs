//! Public thumbnails: `GET /media/{seller}/{set}/{name}[.jpg|.webp]`, where the image set is a
//! job (its cover's renditions) or an upload (`crate::uploads`). Without an extension the
//! format follows the `Accept` header (WebP when the client takes it and it is the smaller file,
//! else JPEG), with `Vary: Accept`. ETags are digests recorded at render time, so a matching
//! `If-None-Match` answers 304 without reading the object. The URLs the draft hands out carry a
//! version (`?v=`), so responses are cacheable for a year.

use super::{Request, Response, error, header};
use crate::error::ApiError;
use crate::log::LogCtx;
use crate::ports::{Blobs, Sql, Stmt, System};
use crate::repo::all;
use crate::routes::Service;
use http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, ETAG, HeaderValue, VARY};
use http::{Method, StatusCode};
use serde::Deserialize;

const CACHE: &str = "public, max-age=31536000, immutable";

#[derive(Deserialize)]
struct Row {
    format: String,
    object_key: String,
    content_type: String,
    bytes: u64,
    etag: String,
}

/// Serves one rendition; a server-side failure is logged with its cause (the body stays opaque).
pub async fn serve(sql: &impl Sql, blobs: &impl Blobs, sys: &impl System, req: &Request) -> Response {
    match try_serve(sql, blobs, req).await {
        Ok(r) => r,
        Err(e) => {
            if e.status.is_server_error() {
                LogCtx::new("media")
                    .with("request_id", header(req, super::REQUEST_ID_HEADER).unwrap_or(""))
                    .with("path", req.uri().path())
                    .error(sys, "media request failed", e.cause.as_deref().unwrap_or(&e.message));
            }
            error(&e)
        }
    }
}

async fn try_serve(sql: &impl Sql, blobs: &impl Blobs, req: &Request) -> Result<Response, ApiError> {
    let head = req.method() == Method::HEAD;
    let m = super::matched(req, Service::Media)?;
    let not_found = || ApiError::not_found("no such image");
    let (seller_id, set_id, file) = (m.param("seller"), m.param("set"), m.param("file"));
    let (name, wanted) = match file.rsplit_once('.') {
        Some((name, "jpg" | "jpeg")) => (name, Some("jpeg")),
        Some((name, "webp")) => (name, Some("webp")),
        Some(_) => return Err(not_found()),
        None => (file, None),
    };
    let rows: Vec<Row> = all(
        sql,
        Stmt::new(
            "SELECT format, object_key, content_type, bytes, etag FROM thumbnails \
             WHERE seller_id = ? AND job_id = ? AND name = ?",
        )
        .bind(seller_id)
        .bind(set_id)
        .bind(name),
    )
    .await?;
    let pick = |format: &str| rows.iter().find(|r| r.format == format);
    let row = match wanted {
        Some(format) => pick(format),
        None => {
            let webp = pick("webp").filter(|w| pick("jpeg").is_none_or(|j| w.bytes < j.bytes));
            webp.filter(|_| accepts_webp(header(req, "accept").unwrap_or(""))).or_else(|| pick("jpeg"))
        }
    }
    .ok_or_else(not_found)?;
    let mut resp = if if_none_match(header(req, "if-none-match"), &row.etag) {
        super::empty(StatusCode::NOT_MODIFIED)
    } else {
        let blob = blobs.get(&row.object_key).await?.ok_or_else(not_found)?;
        let len = blob.bytes.len();
        let mut r = Response::new(if head { Vec::new() } else { blob.bytes });
        r.headers_mut().insert(CONTENT_TYPE, value(&row.content_type));
        r.headers_mut().insert(CONTENT_LENGTH, value(&len.to_string()));
        r
    };
    let h = resp.headers_mut();
    h.insert(ETAG, value(&row.etag));
    h.insert(CACHE_CONTROL, HeaderValue::from_static(CACHE));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    if wanted.is_none() {
        h.insert(VARY, HeaderValue::from_static("accept"));
    }
    Ok(resp)
}

fn value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Whether an `Accept` header names `image/webp` with a non-zero quality. Wildcards do not count:
/// many clients send `*/*` and decode JPEG only.
pub fn accepts_webp(accept: &str) -> bool {
    let mut webp: Option<bool> = None;
    for item in accept.split(',') {
        let mut params = item.split(';').map(str::trim);
        let media = params.next().unwrap_or("").to_ascii_lowercase();
        let zero =
            params.any(|p| p.strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
        if media == "image/webp" {
            webp = Some(!zero);
        }
    }
    webp.unwrap_or(false)
}

/// RFC 9110 weak comparison of `If-None-Match` against our ETag.
pub fn if_none_match(header: Option<&str>, etag: &str) -> bool {
    let Some(h) = header else { return false };
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    h.split(',').any(|t| t.trim() == "*" || bare(t) == bare(etag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webp_only_when_the_client_names_it() {
        assert!(accepts_webp("image/avif,image/webp,image/apng,image/*,*/*;q=0.8"));
        assert!(accepts_webp("image/webp"));
        assert!(!accepts_webp("image/webp;q=0, image/jpeg"));
        assert!(!accepts_webp("*/*"));
        assert!(!accepts_webp("image/jpeg,image/png"));
        assert!(!accepts_webp(""));
    }

    #[test]
    fn etags_compare_weakly_and_in_lists() {
        assert!(if_none_match(Some("\"abc\""), "\"abc\""));
        assert!(if_none_match(Some("W/\"abc\""), "\"abc\""));
        assert!(if_none_match(Some("\"x\", \"abc\""), "\"abc\""));
        assert!(if_none_match(Some("*"), "\"abc\""));
        assert!(!if_none_match(Some("\"abd\""), "\"abc\""));
        assert!(!if_none_match(None, "\"abc\""));
    }
}
