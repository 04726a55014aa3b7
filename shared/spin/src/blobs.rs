//! `Blobs` over a Spin key-value store (Spin has no object store). Objects are split into 512 KiB
//! chunks (`key#0`, `key#1`, ...) so no single value exceeds what hosted stores accept, and a small
//! manifest under the key itself is written last, so a reader never sees a half-written object.
//! Objects over `MAX_OBJECT_BYTES` are refused (`TooLarge`).

use crate::kv::{RawKv, kv_error};
use linkhub_core::ports::{Blob, Blobs, PortError, PortErrorKind};
use spin_sdk::key_value::Store;

pub const MAX_OBJECT_BYTES: usize = 16 * 1024 * 1024;
const CHUNK: usize = 512 * 1024;
const MAGIC: &[u8; 4] = b"LHB1";

pub struct KvBlobs<S = Store>(pub S);

impl KvBlobs {
    pub async fn open(label: &str) -> Result<Self, PortError> {
        Store::open(label).await.map(KvBlobs).map_err(kv_error)
    }
}

/// MAGIC, u32 chunk count, u64 size, then the content type.
fn manifest(chunks: u32, size: u64, content_type: &str) -> Vec<u8> {
    let mut m = MAGIC.to_vec();
    m.extend_from_slice(&chunks.to_be_bytes());
    m.extend_from_slice(&size.to_be_bytes());
    m.extend_from_slice(content_type.as_bytes());
    m
}

fn parse(m: &[u8]) -> Option<(u32, u64, String)> {
    let rest = m.strip_prefix(MAGIC)?;
    let (chunks, rest) = rest.split_first_chunk::<4>()?;
    let (size, ctype) = rest.split_first_chunk::<8>()?;
    Some((u32::from_be_bytes(*chunks), u64::from_be_bytes(*size), String::from_utf8_lossy(ctype).into_owned()))
}

impl<S: RawKv> Blobs for KvBlobs<S> {
    async fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), PortError> {
        if bytes.len() > MAX_OBJECT_BYTES {
            return Err(PortError::new(PortErrorKind::TooLarge, format!("object over {MAX_OBJECT_BYTES} bytes")));
        }
        let old = self.0.get(key).await?.and_then(|m| parse(&m));
        let chunks: Vec<&[u8]> = bytes.chunks(CHUNK).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            self.0.set(&format!("{key}#{i}"), chunk).await?;
        }
        let count = u32::try_from(chunks.len()).unwrap_or(u32::MAX);
        self.0.set(key, &manifest(count, bytes.len() as u64, content_type)).await?;
        // Chunks a longer previous version left behind.
        if let Some((old_count, _, _)) = old {
            for i in count..old_count {
                self.0.delete(&format!("{key}#{i}")).await?;
            }
        }
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Blob>, PortError> {
        let Some(m) = self.0.get(key).await? else { return Ok(None) };
        let (count, size, content_type) = parse(&m).ok_or_else(|| PortError::invalid("not an object manifest"))?;
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(MAX_OBJECT_BYTES));
        for i in 0..count {
            let chunk = self.0.get(&format!("{key}#{i}")).await?;
            bytes.extend_from_slice(&chunk.ok_or_else(|| PortError::unavailable("object chunk missing"))?);
        }
        Ok(Some(Blob { bytes, content_type }))
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        if let Some((count, _, _)) = self.0.get(key).await?.and_then(|m| parse(&m)) {
            self.0.delete(key).await?;
            for i in 0..count {
                self.0.delete(&format!("{key}#{i}")).await?;
            }
        }
        Ok(())
    }
}
