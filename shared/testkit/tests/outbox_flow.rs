//! The hub the way Spin runs it, natively: no queue, stage messages in the SQL outbox, a drain
//! that delivers them to the same stage functions the Spin components call. A submitted link
//! ends ready with its analysis, tags and thumbnails; an upstream that always fails is retried
//! with backoff and dead-lettered into a failed job, exactly as on the Queues path.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use linkhub_core::outbox::{self, DrainReport, Outbox};
use linkhub_core::ports::{Sql, Stmt, Topic};
use linkhub_core::stages::analysis::{self, Which};
use linkhub_core::stages::{dead_letter, metadata, thumbnail};
use linkhub_testkit::block_on;

fn outbox_app() -> TestApp {
    let mut app = TestApp::new();
    app.outbox = true;
    app
}

/// What the Spin drain component does, with the stage components called in-process.
fn drain(app: &TestApp) -> DrainReport {
    let queue = Outbox { sql: &app.sql, sys: &app.sys };
    let stage = analysis::AnalysisDeps { sql: &app.sql, queue: &queue, sys: &app.sys, cfg: &app.cfg };
    let thumbs = thumbnail::ThumbnailDeps { sql: &app.sql, blobs: &app.blobs, sys: &app.sys, cfg: &app.cfg };
    let imports = linkhub_core::imports::ImportDeps { sql: &app.sql, queue: &queue, sys: &app.sys };
    block_on(outbox::drain(&app.sql, &app.sys, 100, async |topic, body: &str, dead| match (topic, dead) {
        (Topic::Metadata, false) => {
            let deps = metadata::MetadataDeps {
                sql: &app.sql,
                blobs: &app.blobs,
                queue: &queue,
                http: &app.http,
                kv: &app.kv,
                sys: &app.sys,
                cfg: &app.cfg,
            };
            metadata::process(&deps, body).await
        }
        (Topic::Metadata, true) => dead_letter::process(&app.sql, &app.sys, body).await.unwrap(),
        (Topic::Caption, false) => analysis::process(&stage, Which::Caption, body).await,
        (Topic::Caption, true) => analysis::dead_letter(&stage, Which::Caption, body).await,
        (Topic::Tagging, false) => analysis::process(&stage, Which::Tagging, body).await,
        (Topic::Tagging, true) => analysis::dead_letter(&stage, Which::Tagging, body).await,
        (Topic::Thumbnail, false) => thumbnail::process(&thumbs, body).await,
        (Topic::Thumbnail, true) => thumbnail::dead_letter(&app.sql, &app.sys, &app.cfg, body).await,
        (Topic::Import, false) => linkhub_core::imports::process(&imports, body).await,
        (Topic::Import, true) => linkhub_core::imports::dead_letter(&app.sql, &app.sys, body).await,
        (Topic::Whatsapp, false) => {
            linkhub_core::whatsapp::webhook::process(&app.sql, &app.blobs, &queue, &app.sys, &app.cfg, body).await
        }
        (Topic::Whatsapp, true) => linkhub_core::whatsapp::webhook::dead_letter(&app.sql, &app.sys, body).await,
        (Topic::WhatsappSend, false) => {
            let deps = linkhub_core::whatsapp::send::SendDeps {
                sql: &app.sql,
                kv: &app.kv,
                blobs: &app.blobs,
                queue: &queue,
                http: &app.http,
                sys: &app.sys,
                cfg: &app.cfg,
            };
            linkhub_core::whatsapp::send::process(&deps, body).await
        }
        (Topic::WhatsappSend, true) => linkhub_core::whatsapp::send::dead_letter(&app.sql, &app.sys, body).await,
    }))
    .unwrap()
}

fn pending(app: &TestApp) -> usize {
    block_on(app.sql.query(Stmt::new("SELECT id FROM outbox"))).unwrap().len()
}

#[test]
fn a_link_becomes_a_ready_product_through_the_outbox() {
    let app = outbox_app();
    let token = app.signup("spinflow");
    let job = app.submit_job(&token, "https://www.tiktok.com/@glowbykemi/video/7301000000000000001");
    assert!(app.queue.is_empty(), "nothing on the in-memory queue");
    assert_eq!(pending(&app), 1, "the submission waits in the outbox; the submitter does not");
    // One drain runs metadata, then the caption and tagging it fans out, then the thumbnails the
    // caption starts: each newly queued message is due at once.
    let report = drain(&app);
    assert_eq!((report.delivered, report.done), (4, 4), "{report:?}");
    assert_eq!(pending(&app), 0);
    let v = app.job(&token, &job);
    assert_eq!(v["status"], "ready", "{v:#}");
    assert_eq!(v["draft"]["price"], "24.99");
    let thumbs = v["draft"]["thumbnails"].as_array().unwrap();
    assert_eq!(thumbs.len(), 4);
    let served = app.get(thumbs[0]["formats"][0]["url"].as_str().unwrap(), None);
    assert_eq!(served.status, 200);
    // Nothing left to do: a second drain delivers nothing.
    assert_eq!(drain(&app).delivered, 0);
}

#[test]
fn an_upstream_that_always_fails_is_retried_with_backoff_then_dead_lettered() {
    let app = outbox_app();
    let token = app.signup("spindlq");
    let job = app.submit_job(&token, "https://www.tiktok.com/@broken.shop/video/7301000000000000005");
    let mut deliveries = 0;
    for _ in 0..20 {
        deliveries += drain(&app).delivered;
        if pending(&app) == 0 {
            break;
        }
        // Past the longest backoff of the test config (30 s).
        app.sys.advance_ms(31_000);
    }
    assert_eq!(pending(&app), 0, "settled, not stuck");
    assert_eq!(deliveries as i64, outbox::MAX_ATTEMPTS + 1, "every retry, then the dead-letter delivery");
    let v = app.job(&token, &job);
    assert_eq!(v["status"], "failed", "{v:#}");
    assert_eq!(v["error"]["code"], "retries_exhausted");
}

#[test]
fn a_drain_that_dies_mid_message_is_made_good_by_the_next() {
    let app = outbox_app();
    let token = app.signup("spinlease");
    let job = app.submit_job(&token, "https://www.tiktok.com/@glowbykemi/video/7301000000000000002");
    // A drain claims the metadata message and dies before settling it.
    assert_eq!(block_on(outbox::claim(&app.sql, &app.sys, 10)).unwrap().len(), 1);
    assert_eq!(drain(&app).delivered, 0, "leased to the dead drain");
    app.sys.advance_ms(outbox::LEASE_MS + 1);
    drain(&app);
    assert_eq!(app.job(&token, &job)["status"], "ready");
    assert_eq!(pending(&app), 0);
}

#[test]
fn an_import_runs_through_the_outbox_at_its_own_pace_and_ends_done() {
    let app = outbox_app();
    let token = app.signup("spinimport");
    let mut csv = String::from("url\n");
    for i in 0..23 {
        csv.push_str(&format!("https://www.tiktok.com/@bulk.shop/video/74100000000000{i:05}\n"));
    }
    let r = app.call_raw(
        "POST",
        "/api/v1/products/import",
        Some(&token),
        &[("content-type", "text/csv")],
        csv.into_bytes(),
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["id"].as_str().unwrap().to_owned();
    assert!(app.queue.is_empty(), "Spin's way: the import run waits in the outbox");
    for _ in 0..20 {
        drain(&app);
        // The next run is due a second later.
        app.sys.advance_ms(1_000);
    }
    let view = app.get(&format!("/api/v1/products/imports/{id}"), Some(&token)).json();
    assert_eq!((view["submitted"].as_i64(), view["done"].as_bool()), (Some(23), Some(true)), "{view:#}");
    assert_eq!(app.get("/api/v1/products?limit=50", Some(&token)).json()["items"].as_array().unwrap().len(), 23);
}
