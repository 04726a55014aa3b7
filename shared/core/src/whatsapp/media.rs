//! Media buyers send (images, voice notes, videos, documents, stickers), fetched from Graph into
//! the blob store so the inbox keeps them after Meta's URLs expire (minutes) and its copies go
//! (30 days). Graph is asked for the medium (`GET /{version}/{media_id}`: its short-lived `url`,
//! `mime_type`, `sha256`, `file_size`), then the url is read with the seller's token.
//!
//! Checked before anything is kept: the type is one WhatsApp allows for that kind of message
//! (Meta's supported-media list), the declared size and the bytes read are within
//! [`MAX_BYTES`] (the read stops there), the bytes are what was declared (SHA-256 when Graph
//! gives it; an image's or sticker's leading bytes are a JPEG, PNG or WebP). A medium that fails
//! is marked on the message with the reason (`media_error`) and not kept; a transient fault is
//! retried by the sender's rules.

use crate::config::Config;
use crate::ports::{Blobs, Http, OutboundRequest, Sql, Stmt, System};
use serde::Deserialize;
use serde_json::Value;

/// Largest medium kept: WhatsApp's own cap for video and audio (documents may be larger on
/// Meta's side; they are refused here with the reason).
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// Where media are kept, by seller and wamid.
pub fn blob_key(seller: &str, wamid: &str) -> String {
    format!("whatsapp/media/{seller}/{}", crate::ids::sha256_hex(wamid.as_bytes()))
}

/// The message kinds that carry a medium.
pub fn is_media_kind(kind: &str) -> bool {
    matches!(kind, "image" | "video" | "audio" | "document" | "sticker")
}

/// The MIME types WhatsApp allows for each kind (parameters such as `; codecs=opus` ignored).
pub fn allowed(kind: &str, mime: &str) -> bool {
    let base = mime.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match kind {
        "image" => matches!(base.as_str(), "image/jpeg" | "image/png" | "image/webp"),
        "sticker" => base == "image/webp",
        "audio" => matches!(base.as_str(), "audio/aac" | "audio/amr" | "audio/mpeg" | "audio/mp4" | "audio/ogg"),
        "video" => matches!(base.as_str(), "video/mp4" | "video/3gpp"),
        "document" => matches!(
            base.as_str(),
            "application/pdf"
                | "text/plain"
                | "application/msword"
                | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                | "application/vnd.ms-excel"
                | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                | "application/vnd.ms-powerpoint"
                | "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        ),
        _ => false,
    }
}

/// Whether the bytes start as an image of that type claims to.
fn looks_like(mime: &str, bytes: &[u8]) -> bool {
    let base = mime.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match base.as_str() {
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/webp" => bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
        "application/pdf" => bytes.starts_with(b"%PDF"),
        _ => true,
    }
}

#[derive(Debug, Default, Deserialize)]
struct Described {
    #[serde(default)]
    url: String,
    #[serde(default)]
    mime_type: String,
    #[serde(default)]
    sha256: String,
    /// Meta's examples and some answers write it as a string.
    #[serde(default)]
    file_size: Option<Value>,
}

impl Described {
    fn size(&self) -> Option<u64> {
        match self.file_size.as_ref()? {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// How fetching a medium ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Fetched {
    /// Kept under its blob key.
    Kept { content_type: String, bytes: usize },
    /// Not kept, for good: the reason, kept on the message.
    Refused(String),
}

/// A fault worth retrying: Graph or the media host unreachable or failing, or the stores.
#[derive(Debug)]
pub struct Transient(pub super::graph::Failure);

/// Fetches one medium and keeps it, or says why not.
#[allow(clippy::too_many_arguments)]
pub async fn fetch(
    http: &impl Http,
    blobs: &impl Blobs,
    cfg: &Config,
    token: &str,
    seller: &str,
    wamid: &str,
    kind: &str,
    media_id: &str,
) -> Result<Fetched, Transient> {
    use super::graph::Failure;
    let described = match super::graph::call(http, cfg, token, http::Method::GET, media_id, None).await {
        Ok(v) => match serde_json::from_value::<Described>(v) {
            Ok(d) => d,
            Err(e) => return Ok(Fetched::Refused(format!("Graph's description of the medium is unreadable: {e}"))),
        },
        Err(f) if super::send::verdict(&f) == super::send::Verdict::Retry => return Err(Transient(f)),
        Err(Failure::Refused { code, message, .. }) => {
            return Ok(Fetched::Refused(format!("Graph refused the medium (code {code}): {message}")));
        }
        Err(f) => return Err(Transient(f)),
    };
    if !allowed(kind, &described.mime_type) {
        return Ok(Fetched::Refused(format!("{:?} is not a type WhatsApp allows for {kind}", described.mime_type)));
    }
    if let Some(n) = described.size().filter(|n| *n > MAX_BYTES as u64) {
        return Ok(Fetched::Refused(format!("{n} bytes is more than the {MAX_BYTES} kept")));
    }
    // The seller's token goes only to Meta's media host (or, in local runs, the Graph stand-in),
    // never to another allow-listed origin a URL might name.
    let origin = crate::outbound::Origin::of(&described.url);
    let trusted = [crate::config::META_MEDIA_ORIGIN, cfg.whatsapp_graph_url.as_str()];
    if origin.is_none() || !trusted.iter().any(|t| crate::outbound::Origin::of(t) == origin) {
        return Ok(Fetched::Refused(format!("the media URL is not on Meta's media host: {:?}", described.url)));
    }
    let mut req = OutboundRequest::get(described.url.clone(), MAX_BYTES + 1);
    req.headers.push(("authorization".to_owned(), format!("Bearer {token}")));
    let allow = crate::outbound::AllowListed { inner: http, extra: &cfg.outbound_allowed_origins };
    let resp = match allow.send(req).await {
        Ok(r) => r,
        Err(e) if e.kind == crate::ports::PortErrorKind::Forbidden => {
            return Ok(Fetched::Refused(format!("the media URL is not on an allowed host: {}", e.detail)));
        }
        Err(e) if e.kind == crate::ports::PortErrorKind::TooLarge => {
            return Ok(Fetched::Refused(format!("the medium is more than the {MAX_BYTES} bytes kept")));
        }
        Err(e) => return Err(Transient(Failure::Unavailable(e.to_string()))),
    };
    if resp.status == 429 || resp.status >= 500 {
        return Err(Transient(Failure::Refused { status: resp.status, code: 0, message: "media host".to_owned() }));
    }
    if resp.status != 200 {
        return Ok(Fetched::Refused(format!("the media URL answered {}", resp.status)));
    }
    if resp.body.len() > MAX_BYTES {
        return Ok(Fetched::Refused(format!("the medium is more than the {MAX_BYTES} bytes kept")));
    }
    if !described.sha256.is_empty() && !crate::ids::sha256_hex(&resp.body).eq_ignore_ascii_case(&described.sha256) {
        return Ok(Fetched::Refused("the bytes do not match the SHA-256 Graph gave".to_owned()));
    }
    if !looks_like(&described.mime_type, &resp.body) {
        return Ok(Fetched::Refused(format!("the bytes are not {}", described.mime_type)));
    }
    let content_type = described.mime_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    blobs
        .put(&blob_key(seller, wamid), &resp.body, &content_type)
        .await
        .map_err(|e| Transient(Failure::Unavailable(format!("blob store: {e}"))))?;
    Ok(Fetched::Kept { content_type, bytes: resp.body.len() })
}

/// Records how fetching ended on the message.
pub async fn record(
    sql: &impl Sql,
    sys: &impl System,
    seller: &str,
    wamid: &str,
    fetched: &Fetched,
) -> crate::error::ApiResult<()> {
    let stmt = match fetched {
        Fetched::Kept { content_type, bytes } => Stmt::new(
            "UPDATE wa_messages SET media_key = ?, media_type = ?, media_bytes = ?, media_error = NULL, updated_at = ? \
             WHERE seller_id = ? AND wamid = ?",
        )
        .bind(blob_key(seller, wamid))
        .bind(content_type.as_str())
        .bind(i64::try_from(*bytes).unwrap_or(i64::MAX)),
        Fetched::Refused(why) => Stmt::new(
            "UPDATE wa_messages SET media_error = ?, updated_at = ? WHERE seller_id = ? AND wamid = ? \
             AND media_key IS NULL",
        )
        .bind(why.as_str()),
    };
    sql.execute(stmt.bind(sys.now_ms()).bind(seller).bind(wamid)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_checked_per_kind_and_by_their_bytes() {
        assert!(allowed("image", "image/jpeg"));
        assert!(allowed("audio", "audio/ogg; codecs=opus"));
        assert!(!allowed("image", "image/svg+xml"), "an SVG can carry script");
        assert!(!allowed("sticker", "image/png"));
        assert!(!allowed("document", "application/x-msdownload"));
        assert!(looks_like("image/png", b"\x89PNG\r\n\x1a\n...."));
        assert!(!looks_like("image/jpeg", b"<html>"));
        assert!(looks_like("image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 "));
        assert_ne!(blob_key("s1", "wamid.a"), blob_key("s2", "wamid.a"), "per seller");
    }
}
