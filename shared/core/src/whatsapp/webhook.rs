//! The two checks at the door of the WhatsApp webhook, before anything is stored: Meta's
//! verification handshake (`GET`, answered with the challenge when the verify token matches) and
//! the delivery signature (`POST`, `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw
//! body under the app secret, compared in constant time).

use crate::error::ApiError;
use hmac::{Hmac, Mac};
use http::StatusCode;
use sha2::Sha256;
use subtle::ConstantTimeEq;

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

    fn sign(body: &[u8], secret: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
        mac.update(body);
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256={hex}")
    }

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
