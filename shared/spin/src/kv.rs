//! `Kv` over a Spin key-value store. Spin stores have no expiry, so each value carries its own:
//! eight bytes of expiry time (ms since the epoch, 0 for none) before the value; an expired
//! entry reads as missing and is deleted on the way.

use crate::SpinSystem;
use linkhub_core::ports::{Kv, PortError, System};
use spin_sdk::key_value::Store;

/// What the adapters need of a key-value store: Spin's `Store`, or memory in native tests, so
/// the adapters' own logic (expiry, chunking) runs the contract suites natively too.
pub trait RawKv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError>;
    async fn set(&self, key: &str, value: &[u8]) -> Result<(), PortError>;
    async fn delete(&self, key: &str) -> Result<(), PortError>;
}

impl RawKv for Store {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        Store::get(self, key).await.map_err(kv_error)
    }
    async fn set(&self, key: &str, value: &[u8]) -> Result<(), PortError> {
        Store::set(self, key, value).await.map_err(kv_error)
    }
    async fn delete(&self, key: &str) -> Result<(), PortError> {
        Store::delete(self, key).await.map_err(kv_error)
    }
}

pub struct SpinKv<S = Store>(pub S);

impl SpinKv {
    pub async fn open(label: &str) -> Result<Self, PortError> {
        Store::open(label).await.map(SpinKv).map_err(|e| PortError::unavailable(format!("kv open: {e:?}")))
    }
}

pub(crate) fn kv_error(e: impl std::fmt::Debug) -> PortError {
    PortError::unavailable(format!("kv: {e:?}"))
}

impl<S: RawKv> Kv for SpinKv<S> {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        let Some(raw) = self.0.get(key).await? else { return Ok(None) };
        let Some((head, value)) = raw.split_first_chunk::<8>() else { return Ok(None) };
        let expires = i64::from_be_bytes(*head);
        if expires != 0 && expires <= SpinSystem.now_ms() {
            self.0.delete(key).await?;
            return Ok(None);
        }
        Ok(Some(value.to_vec()))
    }

    async fn put(&self, key: &str, value: &[u8], ttl_seconds: Option<u64>) -> Result<(), PortError> {
        if ttl_seconds.is_some_and(|t| t < 60) {
            return Err(PortError::invalid("kv ttl must be at least 60 s"));
        }
        let expires =
            ttl_seconds.map_or(0, |t| SpinSystem.now_ms().saturating_add(i64::try_from(t * 1000).unwrap_or(i64::MAX)));
        let mut raw = Vec::with_capacity(8 + value.len());
        raw.extend_from_slice(&expires.to_be_bytes());
        raw.extend_from_slice(value);
        self.0.set(key, &raw).await
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.0.delete(key).await
    }
}
