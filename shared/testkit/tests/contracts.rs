//! The native adapters pass the same port contracts as the Cloudflare ones.

#![allow(clippy::unwrap_used)]

mod common;

use linkhub_contract::{Report, blobs_suite, http_suite, kv_suite, queue_suite, sql_suite};
use linkhub_core::ports::Topic;
use linkhub_testkit::{MemoryBlobs, MemoryKv, MemoryQueue, SqliteSql, UreqHttp, block_on};

fn assert_passes(report: &Report, at_least: usize) {
    assert!(report.checks.len() >= at_least, "only {} checks ran", report.checks.len());
    let failures = report.failures();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn sqlite_passes_the_sql_contract() {
    let mut r = Report::default();
    block_on(sql_suite(&SqliteSql::in_memory().unwrap(), "native", &mut r));
    assert_passes(&r, 9);
}

#[test]
fn memory_kv_passes_the_kv_contract() {
    let mut r = Report::default();
    block_on(kv_suite(&MemoryKv::default(), "native", &mut r));
    assert_passes(&r, 5);
}

#[test]
fn memory_blobs_pass_the_blob_contract() {
    let mut r = Report::default();
    block_on(blobs_suite(&MemoryBlobs::default(), "native", &mut r));
    assert_passes(&r, 4);
}

#[test]
fn memory_queue_passes_the_queue_contract() {
    let mut r = Report::default();
    let q = MemoryQueue::default();
    block_on(queue_suite(&q, Topic::Caption, &mut r));
    assert_passes(&r, 2);
    assert_eq!(q.take(Topic::Caption).len(), 1, "exactly the accepted message is queued");
}

#[test]
fn ureq_passes_the_http_contract() {
    let mut r = Report::default();
    block_on(http_suite(&UreqHttp::default(), common::sandbox(), &mut r));
    assert_passes(&r, 5);
}

#[test]
fn every_migration_file_is_applied() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let listed: Vec<&str> = linkhub_testkit::MIGRATIONS.iter().map(|(n, _)| *n).collect();
    assert_eq!(files, listed, "add new migrations to linkhub_testkit::MIGRATIONS");
}
