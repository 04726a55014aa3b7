//! Secrets sellers give us (a WhatsApp access token), sealed at rest with AES-256-GCM.
//!
//! The keys come from configuration (`DATA_ENCRYPTION_KEY`): `kid:base64key`, several separated
//! by commas, the first sealing and every one opening, so a key rotates by putting the new one
//! first and re-sealing at leisure. A sealed value is `v1.<kid>.<base64url(nonce ‖ ciphertext ‖
//! tag)>`: the key id travels with it, and the id and the purpose (what the secret is, and whose)
//! are the additional authenticated data, so a sealed token moved to another seller's row or
//! field does not open.

use crate::ports::System;
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

const VERSION: &str = "v1";
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("DATA_ENCRYPTION_KEY: {0}")]
    Config(String),
    #[error("no key {0:?} among DATA_ENCRYPTION_KEY's")]
    UnknownKey(String),
    #[error("not a sealed value")]
    Malformed,
    #[error("the sealed value does not open (tampered, or sealed for something else)")]
    Corrupt,
    #[error("no randomness: {0}")]
    Random(String),
}

pub struct Keyring {
    keys: Vec<(String, Aes256Gcm)>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("Keyring").field("key_ids", &ids).finish()
    }
}

impl Keyring {
    /// Parses `kid:base64key[,kid:base64key…]`; every key is 32 bytes, ids are unique and made of
    /// letters, digits, `-` and `_`.
    pub fn parse(config: &str) -> Result<Self, SealError> {
        let mut keys: Vec<(String, Aes256Gcm)> = Vec::new();
        for entry in config.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, key) =
                entry.split_once(':').ok_or_else(|| SealError::Config("each key is kid:base64key".into()))?;
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(SealError::Config(format!("key id {id:?} must be letters, digits, - or _")));
            }
            if keys.iter().any(|(k, _)| k == id) {
                return Err(SealError::Config(format!("key id {id:?} appears twice")));
            }
            let bytes =
                STANDARD.decode(key.trim()).map_err(|_| SealError::Config(format!("key {id:?} is not base64")))?;
            let cipher = Aes256Gcm::new_from_slice(&bytes)
                .map_err(|_| SealError::Config(format!("key {id:?} is {} bytes, not 32", bytes.len())))?;
            keys.push((id.to_owned(), cipher));
        }
        if keys.is_empty() {
            return Err(SealError::Config("no key configured".into()));
        }
        Ok(Self { keys })
    }

    /// Seals `secret` with the first key; `purpose` names what it is for (for example
    /// `whatsapp_token:<seller id>`) and must be given again to open it.
    pub fn seal(&self, sys: &impl System, purpose: &str, secret: &str) -> Result<String, SealError> {
        let (id, cipher) = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        sys.fill_random(&mut nonce).map_err(|e| SealError::Random(e.to_string()))?;
        let aad = aad(id, purpose);
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: secret.as_bytes(), aad: &aad })
            .map_err(|_| SealError::Corrupt)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{VERSION}.{id}.{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// Opens what `seal` made for the same `purpose`, with whichever configured key sealed it.
    pub fn open(&self, purpose: &str, sealed: &str) -> Result<String, SealError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(VERSION), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SealError::Malformed);
        };
        let (_, cipher) =
            self.keys.iter().find(|(k, _)| k == id).ok_or_else(|| SealError::UnknownKey(id.to_owned()))?;
        let bytes = URL_SAFE_NO_PAD.decode(data).map_err(|_| SealError::Malformed)?;
        if bytes.len() < NONCE_LEN + 16 {
            return Err(SealError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let aad = aad(id, purpose);
        let plain = cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad })
            .map_err(|_| SealError::Corrupt)?;
        String::from_utf8(plain).map_err(|_| SealError::Corrupt)
    }

    /// Whether `sealed` was sealed with a key other than the current one (re-seal it).
    pub fn is_stale(&self, sealed: &str) -> bool {
        sealed.split('.').nth(1) != Some(self.keys[0].0.as_str())
    }
}

fn aad(id: &str, purpose: &str) -> Vec<u8> {
    format!("linkhub-sealed/{VERSION}/{id}/{purpose}").into_bytes()
}

/// A secret shown back to its owner: its last four characters, never the rest.
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() <= 8 {
        return "••••".to_owned();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("••••{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::PortError;
    use std::cell::Cell;

    /// Distinct nonces from a counter: what the test needs of randomness (the adapters use the
    /// platform's CSPRNG).
    struct Counter(Cell<u8>);
    impl System for Counter {
        fn now_ms(&self) -> i64 {
            0
        }
        fn fill_random(&self, buf: &mut [u8]) -> Result<(), PortError> {
            self.0.set(self.0.get() + 1);
            buf.fill(self.0.get());
            Ok(())
        }
        fn log(&self, _line: &str) {}
    }

    const K1: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const K2: &str = "k2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

    #[test]
    fn sealed_secrets_open_only_for_their_purpose() {
        let ring = Keyring::parse(K1).unwrap_or_else(|e| panic!("{e}"));
        let sys = Counter(Cell::new(0));
        let token = "EAAGm0PX4ZCpsBAKZC0Z…long-lived";
        let sealed = ring.seal(&sys, "whatsapp_token:s1", token).unwrap_or_else(|e| panic!("{e}"));
        assert!(sealed.starts_with("v1.k1."), "{sealed}");
        assert!(!sealed.contains("EAAG"), "{sealed}");
        assert_eq!(ring.open("whatsapp_token:s1", &sealed), Ok(token.to_owned()));
        // Another seller's row, or another field: does not open.
        assert_eq!(ring.open("whatsapp_token:s2", &sealed), Err(SealError::Corrupt));
        // Two seals of one secret differ (fresh nonce each time).
        assert_ne!(ring.seal(&sys, "whatsapp_token:s1", token).ok(), Some(sealed.clone()));
        // Any flipped byte fails.
        let mut bytes = sealed.clone().into_bytes();
        let i = bytes.len() - 3;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        assert_eq!(ring.open("whatsapp_token:s1", &String::from_utf8_lossy(&bytes)), Err(SealError::Corrupt));
        for bad in ["", "v1.k1", "v2.k1.AAAA", "v1.k1.***", "v1.k1.AAAA"] {
            assert_eq!(ring.open("whatsapp_token:s1", bad), Err(SealError::Malformed), "{bad}");
        }
    }

    #[test]
    fn keys_rotate_by_putting_the_new_one_first() {
        let sys = Counter(Cell::new(0));
        let old = Keyring::parse(K1).unwrap_or_else(|e| panic!("{e}"));
        let sealed = old.seal(&sys, "p", "secret").unwrap_or_else(|e| panic!("{e}"));
        let rotated = Keyring::parse(&format!("{K2},{K1}")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rotated.open("p", &sealed), Ok("secret".to_owned()));
        assert!(rotated.is_stale(&sealed));
        let resealed = rotated.seal(&sys, "p", "secret").unwrap_or_else(|e| panic!("{e}"));
        assert!(resealed.starts_with("v1.k2.") && !rotated.is_stale(&resealed));
        // Once the old key is gone its values are named, not silently unreadable.
        let only_new = Keyring::parse(K2).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(only_new.open("p", &sealed), Err(SealError::UnknownKey("k1".into())));
    }

    #[test]
    fn bad_key_configuration_is_refused_with_the_reason() {
        for (config, needle) in [
            ("", "no key"),
            ("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "kid:base64key"),
            ("k1:not base64!", "not base64"),
            ("k1:AAEC", "not 32"),
            (&format!("{K1},{K1}"), "twice"),
            ("k 1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "letters"),
        ] {
            let err = Keyring::parse(config).expect_err(config).to_string();
            assert!(err.contains(needle), "{config}: {err}");
        }
        // The keys never show in debug output.
        let ring = Keyring::parse(K1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format!("{ring:?}"), "Keyring { key_ids: [\"k1\"] }");
    }

    #[test]
    fn masks_show_only_the_last_four() {
        assert_eq!(mask("EAAGm0PX4ZCpsBAKZC0Z1234"), "••••1234");
        assert_eq!(mask("short"), "••••");
    }
}
