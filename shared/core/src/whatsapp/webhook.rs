//! The two checks at the door of the WhatsApp webhook, before anything is stored: Meta's
//! verification handshake (`GET`, answered with the challenge when the verify token matches) and
//! the delivery signature (`POST`, `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw
//! body under the app secret, compared in constant time).

use crate::api::{REQUEST_ID_HEADER, Request, Response, header};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::log::LogCtx;
use crate::ports::{Blobs, Queue, Sql, Stmt, System, Topic};
use crate::stages::StageOutcome;
use hmac::{Hmac, Mac};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Largest delivery accepted (Meta's are far smaller; a batch of media messages with captions
/// stays under this).
pub const DELIVERY_BODY: usize = 3 * 1024 * 1024;

/// Where delivery bodies wait for the consumer, by the id of their reference.
pub const BLOB_PREFIX: &str = "whatsapp/deliveries/";

/// What the queue carries for a delivery: a reference, since a body may be larger than a queue
/// message (128 KB) or a D1 row (2 MB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRef {
    pub v: u32,
    pub key: String,
    pub request_id: String,
    pub received_at: i64,
}

/// The webhook's door: the handshake on GET; on POST the signature over the raw bytes, then the
/// body made durable (blob store, then a queue reference) before the 200 Meta waits for. A
/// store fault answers 503, so Meta delivers again later; nothing is acknowledged unstored.
pub async fn receive(
    blobs: &impl Blobs,
    queue: &impl Queue,
    sys: &impl System,
    cfg: &Config,
    req: &Request,
) -> ApiResult<Response> {
    if req.method() == http::Method::GET {
        let challenge = handshake(req.uri().query().unwrap_or(""), cfg.whatsapp_verify_token.as_deref().unwrap_or(""))?;
        return Ok(crate::api::bytes(StatusCode::OK, "text/plain; charset=utf-8", challenge.into_bytes()));
    }
    verify_signature(header(req, SIGNATURE_HEADER), req.body(), cfg.whatsapp_app_secret.as_deref().unwrap_or(""))?;
    let id = new_id(sys, "whd")?;
    let key = format!("{BLOB_PREFIX}{id}");
    blobs.put(&key, req.body(), "application/json").await?;
    let reference = DeliveryRef {
        v: 1,
        key: key.clone(),
        request_id: header(req, REQUEST_ID_HEADER).unwrap_or("").to_owned(),
        received_at: sys.now_ms(),
    };
    if let Err(e) = queue.send(Topic::Whatsapp, &serde_json::to_string(&reference)?).await {
        // Unreferenced, the body would never be read: take it back and let Meta retry.
        let _ = blobs.delete(&key).await;
        return Err(e.into());
    }
    Ok(crate::api::json(StatusCode::OK, &serde_json::json!({ "received": id })))
}

/// The consumer: applies the delivery a reference points to, then deletes its body. A body
/// already gone was applied by an earlier run (the queue delivers at least once). A store fault
/// is retried; a body that is not JSON is kept and recorded for an operator.
pub async fn process(
    sql: &impl Sql,
    blobs: &impl Blobs,
    queue: &impl Queue,
    sys: &impl System,
    cfg: &Config,
    body: &str,
) -> StageOutcome {
    let log = LogCtx::new("whatsapp");
    let Ok(reference) = serde_json::from_str::<DeliveryRef>(body) else {
        log.error(sys, "unparseable delivery reference dropped", body);
        return StageOutcome::Discarded;
    };
    let log = log.with("request_id", reference.request_id.as_str()).with("delivery", reference.key.as_str());
    let blob = match blobs.get(&reference.key).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            log.info(sys, "delivery already applied");
            return StageOutcome::Done;
        }
        Err(e) => {
            log.warn(sys, "blob store unavailable; retry", &e.to_string());
            return StageOutcome::RetryAfter(cfg.retry_base_delay_seconds.max(1));
        }
    };
    match super::inbox::apply(sql, sys, &log, &blob.bytes).await {
        Ok(applied) => {
            log.clone()
                .with("messages", applied.messages)
                .with("duplicates", applied.duplicates)
                .with("statuses", applied.statuses)
                .with("dropped", applied.dropped)
                .info(sys, "delivery applied");
            for job in &applied.media {
                // Applied already: a redelivery stores nothing new and so queues nothing again.
                let queued = match serde_json::to_string(job) {
                    Ok(body) => queue.send(Topic::WhatsappSend, &body).await,
                    Err(e) => Err(crate::ports::PortError::invalid(e.to_string())),
                };
                if let (Err(e), super::send::Job::Media { seller, wamid, .. }) = (queued, job) {
                    log.error(sys, "a medium will not be fetched: its job was not queued", &e.to_string());
                    let why = super::media::Fetched::Refused("not fetched: the queue was unavailable".to_owned());
                    let _ = super::media::record(sql, sys, seller, wamid, &why).await;
                }
            }
            for (seller, wamid) in &applied.outside_window {
                // Applied already: a redelivery finds the replacement made (one per message).
                if let Err(e) = super::send::reengage_wamid(sql, queue, sys, &log, seller, wamid).await {
                    log.warn(sys, "re-engagement not queued; retry", e.cause.as_deref().unwrap_or(&e.message));
                    return StageOutcome::RetryAfter(cfg.retry_base_delay_seconds.max(1));
                }
            }
            if let Err(e) = blobs.delete(&reference.key).await {
                // Applied: a later run finds it again and stores nothing twice.
                log.warn(sys, "applied delivery's body not deleted", &e.to_string());
            }
            StageOutcome::Done
        }
        Err(super::inbox::ApplyError::Unreadable(why)) => {
            log.error(sys, "delivery is not JSON; kept for an operator", &why);
            match record_failure(sql, sys, &reference.key, &format!("unreadable: {why}")).await {
                Ok(()) => StageOutcome::Failed { code: "delivery_unreadable".to_owned() },
                Err(_) => StageOutcome::RetryAfter(cfg.retry_base_delay_seconds.max(1)),
            }
        }
        Err(super::inbox::ApplyError::Store(e)) => {
            log.warn(sys, "transient failure applying a delivery; retry", &e.to_string());
            StageOutcome::RetryAfter(cfg.retry_base_delay_seconds.max(1))
        }
    }
}

/// A reference whose retries ran out: its body stays in the blob store and the failure is
/// recorded (`wa_failed_deliveries`), so an operator can replay it.
pub async fn dead_letter(sql: &impl Sql, sys: &impl System, body: &str) -> StageOutcome {
    let log = LogCtx::new("whatsapp");
    let Ok(reference) = serde_json::from_str::<DeliveryRef>(body) else {
        log.error(sys, "unparseable dead-lettered delivery reference dropped", body);
        return StageOutcome::Discarded;
    };
    match record_failure(sql, sys, &reference.key, crate::stages::RETRIES_EXHAUSTED).await {
        Ok(()) => {
            log.with("delivery", reference.key.as_str()).error(sys, "delivery dead-lettered; body kept", "");
            StageOutcome::Failed { code: crate::stages::RETRIES_EXHAUSTED.to_owned() }
        }
        Err(e) => {
            log.warn(sys, "could not record a dead-lettered delivery; retry", &e.to_string());
            StageOutcome::RetryAfter(30)
        }
    }
}

async fn record_failure(
    sql: &impl Sql,
    sys: &impl System,
    key: &str,
    reason: &str,
) -> Result<(), crate::ports::PortError> {
    sql.execute(
        Stmt::new("INSERT OR IGNORE INTO wa_failed_deliveries (blob_key, reason, failed_at) VALUES (?, ?, ?)")
            .bind(key)
            .bind(reason)
            .bind(sys.now_ms()),
    )
    .await
    .map(|_| ())
}

/// The header Meta signs deliveries with.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// Answers Meta's subscription check: `hub.mode=subscribe`, `hub.verify_token` equal to ours,
/// and `hub.challenge`, which is echoed exactly. Some clients send the keys with underscores
/// (`hub_mode`), as PHP rewrites dots in query keys; both spellings are read.
///
/// A wrong or missing token is 403 (Meta shows the webhook as not verified); a request that is
/// not a subscription check at all is 400.
pub fn handshake(query: &str, verify_token: &str) -> Result<String, ApiError> {
    let (mut mode, mut token, mut challenge) = (None, None, None);
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "hub.mode" | "hub_mode" => mode = Some(value.into_owned()),
            "hub.verify_token" | "hub_verify_token" => token = Some(value.into_owned()),
            "hub.challenge" | "hub_challenge" => challenge = Some(value.into_owned()),
            _ => {}
        }
    }
    let (Some(mode), Some(challenge)) = (mode, challenge) else {
        return Err(ApiError::bad_request("not_a_handshake", "hub.mode and hub.challenge are required"));
    };
    if mode != "subscribe" {
        return Err(ApiError::bad_request("not_a_handshake", format!("hub.mode is {mode:?}, not \"subscribe\"")));
    }
    // An empty configured token never verifies anything.
    let matches =
        !verify_token.is_empty() && token.is_some_and(|t| bool::from(t.as_bytes().ct_eq(verify_token.as_bytes())));
    if !matches {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "verify_token_mismatch", "the verify token does not match"));
    }
    Ok(challenge)
}

/// Checks a delivery's `X-Hub-Signature-256` against the raw body bytes (never a re-serialised
/// parse of them: Meta signs the bytes it sent, escaped slashes and all). Missing, malformed
/// (`sha1=`, not hex, not 32 bytes) and wrong signatures are all 401, with what was wrong.
pub fn verify_signature(header: Option<&str>, body: &[u8], app_secret: &str) -> Result<(), ApiError> {
    let unauthorized = |code: &'static str, message: &str| ApiError::new(StatusCode::UNAUTHORIZED, code, message);
    if app_secret.is_empty() {
        return Err(unauthorized("signature_unverifiable", "no app secret is configured"));
    }
    let header = header.ok_or_else(|| unauthorized("signature_missing", "X-Hub-Signature-256 is missing"))?;
    let hex = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or_else(|| unauthorized("signature_malformed", "X-Hub-Signature-256 must start with sha256="))?;
    let digest = decode_hex(hex)
        .filter(|d| d.len() == 32)
        .ok_or_else(|| unauthorized("signature_malformed", "X-Hub-Signature-256 must be 64 hex digits"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes())
        .map_err(|_| unauthorized("signature_unverifiable", "the app secret is not a usable key"))?;
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&digest).map_err(|_| unauthorized("signature_mismatch", "the signature does not match the body"))
}

/// The `X-Hub-Signature-256` value Meta would send for `body`: what `linkhub buyer` and the
/// tests sign their deliveries with.
pub fn sign(body: &[u8], app_secret: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) {
        Ok(m) => m,
        // HMAC takes keys of any length.
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", crate::ids::hex(&mac.finalize().into_bytes()))
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16);
    hex.as_bytes().chunks(2).map(|pair| u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handshake_echoes_the_challenge_exactly() {
        let q = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock";
        assert_eq!(handshake(q, "meatyhamhock").map_err(|e| e.code), Ok("1158201444".to_owned()));
        // Percent-encoding is undone, nothing else is changed.
        let q = "hub.mode=subscribe&hub.challenge=a%2Bb%20c&hub.verify_token=t";
        assert_eq!(handshake(q, "t").map_err(|e| e.code), Ok("a+b c".to_owned()));
        let q = "hub_mode=subscribe&hub_challenge=42&hub_verify_token=t";
        assert_eq!(handshake(q, "t").map_err(|e| e.code), Ok("42".to_owned()));
    }

    #[test]
    fn a_wrong_or_missing_token_is_forbidden() {
        for (q, token) in [
            ("hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong", "right"),
            ("hub.mode=subscribe&hub.challenge=1", "right"),
            ("hub.mode=subscribe&hub.challenge=1&hub.verify_token=", ""),
        ] {
            let err = handshake(q, token).expect_err(q);
            assert_eq!((err.status, err.code), (StatusCode::FORBIDDEN, "verify_token_mismatch"), "{q}");
        }
        let err = handshake("hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=t", "t").expect_err("mode");
        assert_eq!((err.status, err.code), (StatusCode::BAD_REQUEST, "not_a_handshake"));
        let err = handshake("", "t").expect_err("empty");
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn signatures_are_checked_over_the_raw_bytes() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let good = sign(body, "s3cret");
        assert!(verify_signature(Some(&good), body, "s3cret").is_ok());
        assert!(verify_signature(Some(&good.to_uppercase().replace("SHA256=", "sha256=")), body, "s3cret").is_ok());
        let cases: [(Option<&str>, &[u8], &str, &str); 7] = [
            (None, body, "s3cret", "signature_missing"),
            (Some("sha1=0123"), body, "s3cret", "signature_malformed"),
            (Some("sha256=xyz"), body, "s3cret", "signature_malformed"),
            (Some("sha256=abcd"), body, "s3cret", "signature_malformed"),
            (Some(&good), b"{\"object\":\"whatsapp_business_account\",\"entry\":[] }", "s3cret", "signature_mismatch"),
            (Some(&good), body, "other", "signature_mismatch"),
            (Some(&good), body, "", "signature_unverifiable"),
        ];
        for (header, body, secret, code) in cases {
            let err = verify_signature(header, body, secret).expect_err(code);
            assert_eq!((err.status, err.code), (StatusCode::UNAUTHORIZED, code), "{header:?}");
        }
    }

    /// The one real signed delivery in the corpus: bytes, secret and header as Meta sent them.
    #[test]
    fn a_real_delivery_from_meta_verifies() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/whatsapp-corpus/signed");
        let read = |name: &str| {
            std::fs::read(format!("{dir}/01-pywa-real-text.{name}")).unwrap_or_else(|e| panic!("{dir}: {e}"))
        };
        let (body, secret, sig) = (read("body"), read("secret"), read("sig"));
        let (secret, sig) = (String::from_utf8_lossy(&secret), String::from_utf8_lossy(&sig));
        assert!(verify_signature(Some(&sig), &body, &secret).is_ok());
        // One byte changed anywhere fails it.
        let mut tampered = body.clone();
        tampered[body.len() / 2] ^= 1;
        assert_eq!(verify_signature(Some(&sig), &tampered, &secret).map_err(|e| e.code), Err("signature_mismatch"));
    }
}
