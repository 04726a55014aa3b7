//! Native implementations of the core's ports: real SQLite (bundled), in-memory KV, blobs and
//! queue, outbound HTTP over `ureq`, and a system clock that tests can move. They pass the same
//! contract suites (`linkhub-contract`) as the Cloudflare adapters.

mod http_native;
mod memory;
mod sqlite;
mod system;

pub use http_native::UreqHttp;
pub use memory::{MemoryBlobs, MemoryKv, MemoryQueue};
pub use sqlite::{MIGRATIONS, SqliteSql};
pub use system::TestSystem;

/// Runs a future to completion on the current thread (ports are single-threaded by design).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}
