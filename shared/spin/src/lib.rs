//! The core's ports over Fermyon Spin (spin-sdk 7, WASIp3), for the components under `spin/`.
//!
//! Spin has SQLite, key-value stores, outbound HTTP and variables, but no queue and no object
//! store. Queues are the core's SQL outbox (`linkhub_core::outbox`) in the same SQLite database;
//! objects (covers, thumbnails) are chunked key-value entries in their own store, with a size cap.

mod blobs;
pub mod component;
mod convert;
mod kv;
mod sql;

pub use blobs::{KvBlobs, MAX_OBJECT_BYTES};
pub use convert::{SpinHttp, config, from_core_response, to_core_request};
pub use kv::{RawKv, SpinKv};
pub use sql::SpinSql;

use linkhub_core::ports::{PortError, System};

/// Clock and randomness from WASI; logs to stderr (Spin collects component output).
pub struct SpinSystem;

impl System for SpinSystem {
    fn now_ms(&self) -> i64 {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
    }
    fn fill_random(&self, buf: &mut [u8]) -> Result<(), PortError> {
        getrandom::fill(buf).map_err(|e| PortError::unavailable(format!("random: {e}")))
    }
    fn log(&self, line: &str) {
        eprintln!("{line}");
    }
}

/// Store and database labels, mirrored in spin.toml.
pub mod labels {
    pub const DB: &str = "default";
    pub const KV: &str = "default";
    pub const OBJECTS: &str = "objects";
}
