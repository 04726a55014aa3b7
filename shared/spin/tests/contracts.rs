//! The Spin adapters' own logic (value expiry in `SpinKv`, chunked objects with manifests in
//! `KvBlobs`) over an in-memory store, through the same contract suites as every other adapter.
//! The Spin host itself (its key-value and SQLite) is exercised by the component tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use linkhub_contract::{Report, blobs_suite, kv_suite};
use linkhub_core::ports::{Blobs, PortError};
use linkhub_spin::{KvBlobs, MAX_OBJECT_BYTES, RawKv, SpinKv};
use std::cell::RefCell;
use std::collections::BTreeMap;

#[derive(Default)]
struct MemoryRaw(RefCell<BTreeMap<String, Vec<u8>>>);

impl RawKv for MemoryRaw {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        Ok(self.0.borrow().get(key).cloned())
    }
    async fn set(&self, key: &str, value: &[u8]) -> Result<(), PortError> {
        self.0.borrow_mut().insert(key.to_owned(), value.to_vec());
        Ok(())
    }
    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.0.borrow_mut().remove(key);
        Ok(())
    }
}

fn assert_passes(r: &Report) {
    assert!(r.failures().is_empty(), "{:#?}", r.failures());
}

#[test]
fn spin_kv_passes_the_kv_contract() {
    let mut r = Report::default();
    pollster::block_on(kv_suite(&SpinKv(MemoryRaw::default()), "spin", &mut r));
    assert_passes(&r);
}

#[test]
fn kv_blobs_pass_the_blob_contract() {
    let mut r = Report::default();
    pollster::block_on(blobs_suite(&KvBlobs(MemoryRaw::default()), "spin", &mut r));
    assert_passes(&r);
}

#[test]
fn large_objects_are_chunked_and_replacing_them_leaves_no_stale_chunks() {
    let blobs = KvBlobs(MemoryRaw::default());
    let big: Vec<u8> = (0..1_300_000u32).map(|i| (i % 251) as u8).collect();
    pollster::block_on(blobs.put("covers/a", &big, "image/jpeg")).unwrap();
    assert_eq!(blobs.0.0.borrow().len(), 4, "manifest + 3 chunks of 512 KiB");
    let back = pollster::block_on(blobs.get("covers/a")).unwrap().unwrap();
    assert_eq!((back.bytes == big, back.content_type.as_str()), (true, "image/jpeg"));
    pollster::block_on(blobs.put("covers/a", b"small", "image/png")).unwrap();
    assert_eq!(blobs.0.0.borrow().len(), 2, "the old chunks are gone");
    pollster::block_on(blobs.delete("covers/a")).unwrap();
    assert!(blobs.0.0.borrow().is_empty());
    let too_big = vec![0u8; MAX_OBJECT_BYTES + 1];
    assert!(pollster::block_on(blobs.put("x", &too_big, "image/png")).is_err());
}
