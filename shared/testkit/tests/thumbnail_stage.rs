//! The thumbnail stage and media serving over native ports: every rendition rendered, stored and
//! recorded; the draft links them; served with the right type, size, ETag and format negotiation;
//! hostile covers fail the stage once with a readable code; duplicates and dead letters handled.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use linkhub_core::ports::{Blobs, Topic};
use linkhub_core::stages::StageOutcome;
use linkhub_core::stages::analysis::Which;
use linkhub_testkit::block_on;

const SERUM: &str = "https://www.tiktok.com/@glowbykemi/video/7301000000000000001";

fn ready_job(app: &TestApp, handle: &str, url: &str) -> (String, String) {
    let token = app.signup(handle);
    let job = app.submit_job(&token, url);
    app.step_metadata();
    app.step_all_stages();
    (token, job)
}

fn count_rows(app: &TestApp, job: &str) -> usize {
    let stmt = linkhub_core::ports::Stmt::new("SELECT name FROM thumbnails WHERE job_id = ?").bind(job);
    block_on(linkhub_core::ports::Sql::query(&app.sql, stmt)).unwrap().len()
}

#[test]
fn a_cover_becomes_every_rendition_served_with_caching_and_negotiation() {
    let app = TestApp::new();
    let (token, job) = ready_job(&app, "thumbs", SERUM);
    let v = app.job(&token, &job);
    assert_eq!(v["status"], "ready", "{v:#}");
    assert_eq!(v["stages"]["thumbnail"]["state"], "done");
    let thumbs = v["draft"]["thumbnails"].as_array().unwrap();
    let names: Vec<&str> = thumbs.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["square-150", "square-320", "card-360x640", "share-1200x630"]);
    for t in thumbs {
        let (w, h) = (t["width"].as_u64().unwrap(), t["height"].as_u64().unwrap());
        for f in t["formats"].as_array().unwrap() {
            let r = app.get(f["url"].as_str().unwrap(), None);
            assert_eq!(r.status, 200, "{f}");
            let ctype = if f["format"] == "webp" { "image/webp" } else { "image/jpeg" };
            assert_eq!(r.headers["content-type"], ctype);
            assert_eq!(r.body.len() as u64, f["bytes"].as_u64().unwrap());
            let size = imagesize::blob_size(&r.body).unwrap();
            assert_eq!((size.width as u64, size.height as u64), (w, h), "{f}");
            assert_eq!(r.headers["cache-control"], "public, max-age=31536000, immutable");
        }
    }
    // Negotiated URL: JPEG for a client that does not name WebP; for one that does, WebP only
    // when it is the smaller file.
    let share = &thumbs[3];
    let url = share["url"].as_str().unwrap();
    let plain = app.call("GET", url, None, &[("accept", "*/*")], None);
    assert_eq!((plain.status, &plain.headers["content-type"]), (200, &"image/jpeg".parse().unwrap()));
    assert_eq!(plain.headers["vary"], "accept");
    let bytes = |fmt: &str| {
        share["formats"].as_array().unwrap().iter().find(|f| f["format"] == fmt).unwrap()["bytes"].as_u64().unwrap()
    };
    let webp_client = app.call("GET", url, None, &[("accept", "image/webp,image/*")], None);
    let expected = if bytes("webp") < bytes("jpeg") { "image/webp" } else { "image/jpeg" };
    assert_eq!(webp_client.headers["content-type"], expected);
    // Revalidation: the same ETag answers 304 with no body; HEAD has headers and no body.
    let etag = plain.headers["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10);
    let again = app.call("GET", url, None, &[("if-none-match", &etag)], None);
    assert_eq!((again.status, again.body.len()), (304, 0));
    assert_eq!(again.headers["etag"], etag.as_str());
    let head = app.call("HEAD", url, None, &[], None);
    assert_eq!((head.status, head.body.len()), (200, 0));
    assert_eq!(head.headers["content-length"], plain.body.len().to_string().as_str());
    // Unknown names, formats, methods and another seller's prefix.
    let base = url.split('?').next().unwrap();
    assert_eq!(app.get(&base.replace("share-1200x630", "huge-9999"), None).status, 404);
    assert_eq!(app.get(&format!("{base}.gif"), None).status, 404);
    assert_eq!(app.call("DELETE", base, None, &[], None).status, 405);
    let seller = base.split('/').nth(2).unwrap();
    assert_eq!(app.get(&base.replace(seller, "sel_someoneelse"), None).status, 404);
}

#[test]
fn duplicate_delivery_rewrites_nothing_new() {
    let app = TestApp::new();
    let token = app.signup("thumbdup");
    let job = app.submit_job(&token, SERUM);
    app.step_metadata();
    app.step_stage(Which::Caption);
    let done = app.step_thumbnail();
    assert_eq!(done[0].1, StageOutcome::Done);
    let keys_before = app.blobs.keys().len();
    assert_eq!(count_rows(&app, &job), 8);
    assert_eq!(app.process_thumbnail(&done[0].0), StageOutcome::Done);
    assert_eq!((app.blobs.keys().len(), count_rows(&app, &job)), (keys_before, 8));
    assert!(app.blobs.keys().iter().any(|k| k.ends_with("/thumbs/share-1200x630.webp")));
}

#[test]
fn a_truncated_cover_fails_the_stage_once_and_the_product_is_ready_without_images() {
    let app = TestApp::new();
    let token = app.signup("thumbbad");
    let job = app.submit_job(&token, SERUM);
    app.step_metadata();
    let key = app.job(&token, &job)["video"]["cover"]["key"].as_str().unwrap().to_owned();
    let cover = block_on(app.blobs.get(&key)).unwrap().unwrap();
    let cut = &cover.bytes[..cover.bytes.len() / 2];
    block_on(app.blobs.put(&key, cut, "image/jpeg")).unwrap();
    app.step_stage(Which::Caption);
    app.step_stage(Which::Tagging);
    let out = app.step_thumbnail();
    assert_eq!(out[0].1, StageOutcome::Failed { code: "image_corrupt".into() });
    let v = app.job(&token, &job);
    assert_eq!(v["stages"]["thumbnail"]["state"], "failed");
    assert_eq!(v["stages"]["thumbnail"]["last_error"], "image_corrupt");
    assert_eq!(v["status"], "ready", "{v:#}");
    assert_eq!(v["draft"]["thumbnails"].as_array().unwrap().len(), 0);
    // Redelivered, it stays failed and is acknowledged, not retried forever.
    assert_eq!(app.process_thumbnail(&out[0].0), StageOutcome::Done);
}

#[test]
fn a_dead_lettered_thumbnail_message_fails_only_its_stage() {
    let app = TestApp::new();
    let token = app.signup("thumbdlq");
    let job = app.submit_job(&token, SERUM);
    app.step_metadata();
    app.step_stage(Which::Caption);
    app.step_stage(Which::Tagging);
    let msg = app.queue.take(Topic::Thumbnail).pop().unwrap();
    let outcome = app.dead_letter_thumbnail(&msg);
    assert_eq!(outcome, StageOutcome::Failed { code: "retries_exhausted".into() });
    let v = app.job(&token, &job);
    assert_eq!(v["stages"]["thumbnail"]["last_error"], "retries_exhausted");
    assert_eq!(v["status"], "ready");
}

#[test]
fn a_thumbnail_message_for_another_seller_touches_nothing() {
    let app = TestApp::new();
    let owner = app.signup("thumbown");
    let job = app.submit_job(&owner, SERUM);
    app.step_metadata();
    app.step_stage(Which::Caption);
    app.queue.take(Topic::Thumbnail);
    let forged = serde_json::json!({"v": 1, "job_id": job, "seller_id": "sel_other", "request_id": "r"}).to_string();
    assert_eq!(app.process_thumbnail(&forged), StageOutcome::Done);
    assert_eq!(app.job(&owner, &job)["stages"]["thumbnail"]["state"], "pending");
    assert_eq!(count_rows(&app, &job), 0);
}

/// A seller replaces TikTok's cover with a photo of their own: checked from its header, stored
/// where the copy was, and the thumbnails are made again from it; the job is ready again with
/// renditions of the new image. Refusals name what is wrong and change nothing.
#[test]
fn an_uploaded_cover_replaces_the_copied_one_and_the_thumbnails_follow() {
    let app = TestApp::new();
    let (token, job) = ready_job(&app, "upload", SERUM);
    let before = app.job(&token, &job);
    let old_thumbs = before["draft"]["thumbnails"].clone();
    assert!(old_thumbs.as_array().is_some_and(|t| !t.is_empty()));
    let photo =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/photos/cover-1080x1920.jpg")).unwrap();
    let path = format!("/api/v1/ingestion/jobs/{job}/cover");
    let put = |ctype: &str, body: Vec<u8>, token: &str| {
        app.call_raw("PUT", &path, Some(token), &[("content-type", ctype)], body)
    };

    let r = put("image/png", photo.clone(), &token);
    assert_eq!((r.status, r.code().as_str()), (415, "unsupported_image"), "declared type must match");
    let r = put("image/jpeg", b"GIF89a not an image".to_vec(), &token);
    assert_eq!((r.status, r.code().as_str()), (415, "unsupported_image"));
    let mut huge = photo.clone();
    // The SOF0 frame header of this baseline JPEG: height and width follow its length and precision.
    let sof = huge.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    huge[sof + 5..sof + 9].copy_from_slice(&[0x20, 0x00, 0x20, 0x00]); // 8192×8192
    let r = put("image/jpeg", huge, &token);
    assert_eq!((r.status, r.code().as_str()), (422, "image_too_large"));
    let intruder = app.signup("intruder_upload");
    assert_eq!(put("image/jpeg", photo.clone(), &intruder).status, 404, "another seller's job");
    assert_eq!(app.job(&token, &job)["video"]["cover"]["bytes"], before["video"]["cover"]["bytes"], "unchanged");

    let r = put("image/jpeg", photo.clone(), &token);
    assert_eq!(r.status, 202, "{:?}", r.json());
    assert_eq!(r.json()["status"], "metadata_ready", "thumbnails being made again");
    assert_eq!(r.json()["video"]["cover"]["width"], 1080);
    let cover = app.get(&format!("/api/v1/ingestion/jobs/{job}/cover"), Some(&token));
    assert_eq!(cover.body, photo, "the uploaded bytes are the cover");
    let stepped = app.step_thumbnail();
    assert_eq!(stepped.len(), 1, "one thumbnail message");
    assert_eq!(stepped[0].1, StageOutcome::Done);
    let after = app.job(&token, &job);
    assert_eq!(after["status"], "ready", "{after:#}");
    assert_eq!(after["draft"]["thumbnails"].as_array().unwrap().len(), 4);
    assert_ne!(after["draft"]["thumbnails"], old_thumbs, "renditions of the new image (new sizes, new versioned URLs)");

    // A job without a video yet cannot take a cover.
    let queued = app.submit_job(&token, "https://www.tiktok.com/@glowbykemi/video/7301000000000000002");
    let r = app.call_raw(
        "PUT",
        &format!("/api/v1/ingestion/jobs/{queued}/cover"),
        Some(&token),
        &[("content-type", "image/jpeg")],
        photo,
    );
    assert_eq!((r.status, r.code().as_str()), (409, "job_has_no_video"));
}

/// The main reason to upload: TikTok's cover could not be read (here truncated), the thumbnail
/// stage failed, and a photo of the seller's own gives the product its images.
#[test]
fn an_upload_fixes_a_cover_the_thumbnailer_could_not_read() {
    let app = TestApp::new();
    let (token, job) = ready_job(&app, "fixcover", "https://www.tiktok.com/@e2e.shop/video/7301000000000000009");
    let before = app.job(&token, &job);
    assert_eq!(
        (before["status"].as_str(), before["stages"]["thumbnail"]["state"].as_str()),
        (Some("ready"), Some("failed"))
    );
    let photo =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/photos/cover-720x1280.jpg")).unwrap();
    let path = format!("/api/v1/ingestion/jobs/{job}/cover");
    let r = app.call_raw("PUT", &path, Some(&token), &[("content-type", "image/jpeg")], photo);
    assert_eq!(r.status, 202);
    app.step_thumbnail();
    let after = app.job(&token, &job);
    assert_eq!(
        (after["status"].as_str(), after["stages"]["thumbnail"]["state"].as_str()),
        (Some("ready"), Some("done"))
    );
    assert_eq!(after["draft"]["thumbnails"].as_array().unwrap().len(), 4);
    assert_ne!(after["video"]["cover"]["url"], before["video"]["cover"]["url"], "a new URL: no cached old cover");
}

/// Blobs that let a second upload land while the thumbnailer holds the first cover: the moment
/// a render has read its cover, the seller sends another.
struct UploadWhileRendering<'a> {
    app: &'a TestApp,
    upload: std::cell::RefCell<Option<Box<dyn Fn() -> u16 + 'a>>>,
}

impl Blobs for UploadWhileRendering<'_> {
    async fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), linkhub_core::ports::PortError> {
        self.app.blobs.put(key, bytes, content_type).await
    }
    async fn get(&self, key: &str) -> Result<Option<linkhub_core::ports::Blob>, linkhub_core::ports::PortError> {
        let got = self.app.blobs.get(key).await;
        if key.contains("/cover")
            && let Some(upload) = self.upload.borrow_mut().take()
        {
            assert_eq!(upload(), 202, "the second upload");
        }
        got
    }
    async fn delete(&self, key: &str) -> Result<(), linkhub_core::ports::PortError> {
        self.app.blobs.delete(key).await
    }
}

/// A render of a cover that was replaced while it ran keeps nothing (its rows and its stage
/// change are guarded on the cover it read); the upload's own message renders the new one.
/// Before the guard, the stale render settled the stage and the newer message found it done.
#[test]
fn a_cover_replaced_while_the_thumbnailer_renders_the_old_one_is_the_one_rendered() {
    use linkhub_core::stages::thumbnail::{self, ThumbnailDeps};
    let app = TestApp::new();
    let (token, job) = ready_job(&app, "race_cover", SERUM);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/photos");
    let (a, b) = (
        std::fs::read(format!("{dir}/cover-1080x1920.jpg")).unwrap(),
        std::fs::read(format!("{dir}/cover-720x1280.jpg")).unwrap(),
    );
    let path = format!("/api/v1/ingestion/jobs/{job}/cover");
    assert_eq!(app.call_raw("PUT", &path, Some(&token), &[("content-type", "image/jpeg")], a).status, 202);
    let first = app.queue.take(Topic::Thumbnail).pop().unwrap();
    let blobs = UploadWhileRendering {
        app: &app,
        upload: std::cell::RefCell::new(Some(Box::new(|| {
            app.call_raw("PUT", &path, Some(&token), &[("content-type", "image/jpeg")], b.clone()).status
        }))),
    };
    let deps = ThumbnailDeps { sql: &app.sql, blobs: &blobs, sys: &app.sys, cfg: &app.cfg };
    assert_eq!(block_on(thumbnail::process(&deps, &first)), StageOutcome::Done);
    let mid = app.job(&token, &job);
    assert_eq!(
        (mid["status"].as_str(), mid["stages"]["thumbnail"]["state"].as_str()),
        (Some("metadata_ready"), Some("pending")),
        "the stale render kept nothing: {mid:#}"
    );
    assert_eq!(mid["video"]["cover"]["width"], 720, "the second upload is the cover");
    let stepped = app.step_thumbnail();
    assert_eq!(stepped.len(), 1, "the second upload's message");
    let done = app.job(&token, &job);
    assert_eq!((done["status"].as_str(), done["stages"]["thumbnail"]["state"].as_str()), (Some("ready"), Some("done")));
}
