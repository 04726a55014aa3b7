//! Identifiers: time-ordered so that cursor pagination can walk them, random enough to be unguessable.

use crate::ports::{PortError, System};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `<prefix>_<12 hex digits of milliseconds><20 hex digits of randomness>`: sorts by creation time.
pub fn new_id(sys: &impl System, prefix: &str) -> Result<String, PortError> {
    let mut rnd = [0u8; 10];
    sys.fill_random(&mut rnd)?;
    let ms = u64::try_from(sys.now_ms()).unwrap_or(0) & 0xFFFF_FFFF_FFFF;
    let mut id = format!("{prefix}_{ms:012x}");
    for b in rnd {
        id.push_str(&format!("{b:02x}"));
    }
    Ok(id)
}

/// A URL-safe secret of `bytes` random bytes.
pub fn secret(sys: &impl System, bytes: usize) -> Result<String, PortError> {
    let mut buf = vec![0u8; bytes];
    sys.fill_random(&mut buf)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(data))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
