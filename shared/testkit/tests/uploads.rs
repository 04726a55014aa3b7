//! Uploaded images over native ports (real SQLite, memory blobs and queue): a product's photo
//! and the storefront's avatar, checked from the header, rendered by the thumbnailer with the
//! cover limits, served from `/media/`, the latest upload winning, and every upload ending in a
//! known state.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Reply, TestApp};
use linkhub_core::stages::StageOutcome;
use serde_json::{Value, json};

fn photo(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../tests/fixtures/photos/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn make(app: &TestApp, token: &str) -> String {
    let r = app.post(
        "/api/v1/products",
        Some(token),
        &json!({"title": "Ankara wrap dress", "price": {"amount": "15000", "currency": "NGN"}}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()["id"].as_str().unwrap().to_owned()
}

fn upload(app: &TestApp, token: &str, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
    app.call_raw("POST", path, Some(token), &[("content-type", content_type)], body)
}

fn state(app: &TestApp, token: &str, upload: &str) -> Value {
    let r = app.get(&format!("/api/v1/uploads/{upload}"), Some(token));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

#[test]
fn a_product_photo_becomes_every_rendition_and_replaces_the_products_images() {
    let app = TestApp::new();
    let token = app.signup("adaeze");
    let id = make(&app, &token);
    let before = app.get(&format!("/api/v1/products/{id}"), Some(&token)).json();
    assert!(before["images"].as_array().unwrap().is_empty(), "made by hand: no images yet");
    // A buyer reads it first, so the cache holds the version without images.
    let public_path = format!("/api/v1/public/products/{}", before["code"].as_str().unwrap());
    assert!(app.get(&public_path, None).json()["images"].as_array().unwrap().is_empty());

    let r = upload(&app, &token, &format!("/api/v1/products/{id}/images"), "image/jpeg", photo("cover-720x1280.jpg"));
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let up = r.json();
    let up_id = up["id"].as_str().unwrap();
    assert_eq!((up["state"].as_str(), up["target"].as_str()), (Some("processing"), Some("product")));
    assert_eq!((up["width"].as_u64(), up["height"].as_u64()), (Some(720), Some(1280)));
    assert_eq!(r.headers["location"], format!("/api/v1/uploads/{up_id}").as_str());

    let outcomes = app.step_thumbnail();
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].1, StageOutcome::Done);
    let done = state(&app, &token, up_id);
    assert_eq!(done["state"], "ready", "{done:#}");
    let names: Vec<&str> = done["images"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["square-150", "square-320", "card-360x640", "share-1200x630"]);

    let after = app.get(&format!("/api/v1/products/{id}"), Some(&token)).json();
    assert_eq!(after["images"], done["images"], "the product shows the upload's renditions");
    assert_eq!(after["version"].as_i64(), before["version"].as_i64().map(|v| v + 1), "an image change is a version");
    // Served like a cover's renditions: the share image as WebP, 1200x630.
    let share = &after["images"][3]["formats"];
    let webp = share.as_array().unwrap().iter().find(|f| f["format"] == "webp").unwrap();
    let media = app.get(webp["url"].as_str().unwrap(), None);
    assert_eq!(media.status, 200);
    assert_eq!(media.headers["content-type"], "image/webp");
    let size = imagesize::blob_size(&media.body).unwrap();
    assert_eq!((size.width, size.height), (1200, 630));
    // The public read follows at once: the render bumped the catalog version.
    let public = app.get(&public_path, None);
    assert_eq!(public.json()["images"], after["images"]);
    assert_ne!(public.headers["x-cache"], "memory", "not the cached version from before");
}

#[test]
fn a_products_video_renditions_give_way_to_an_upload_and_a_new_cover_does_not_take_them_back() {
    let app = TestApp::new();
    let token = app.signup("kemi");
    let job = app.submit_job(&token, "https://www.tiktok.com/@glowbykemi/video/7301000000000000001");
    app.step_metadata();
    app.step_all_stages();
    let id = app.job(&token, &job)["product"]["id"].as_str().unwrap().to_owned();
    let from_video = app.get(&format!("/api/v1/products/{id}"), Some(&token)).json()["images"].clone();
    assert!(from_video[0]["url"].as_str().unwrap().contains(&job), "{from_video}");

    let r = upload(&app, &token, &format!("/api/v1/products/{id}/images"), "image/jpeg", photo("cover-1080x1920.jpg"));
    assert_eq!(r.status, 202);
    let up_id = r.json()["id"].as_str().unwrap().to_owned();
    app.step_thumbnail();
    let images = app.get(&format!("/api/v1/products/{id}"), Some(&token)).json()["images"].clone();
    assert!(images[0]["url"].as_str().unwrap().contains(&up_id), "{images}");

    // The seller then replaces the video's cover: the job renders again, the upload stays.
    let cover = app.call_raw(
        "PUT",
        &format!("/api/v1/ingestion/jobs/{job}/cover"),
        Some(&token),
        &[("content-type", "image/jpeg")],
        photo("cover-720x1280.jpg"),
    );
    assert_eq!(cover.status, 202);
    app.step_thumbnail();
    assert_eq!(app.job(&token, &job)["status"], "ready");
    assert_eq!(app.get(&format!("/api/v1/products/{id}"), Some(&token)).json()["images"], images);
}

#[test]
fn images_are_checked_from_the_header_and_refused_with_a_reason() {
    let app = TestApp::new();
    let token = app.signup("checks");
    let id = make(&app, &token);
    let path = format!("/api/v1/products/{id}/images");
    let jpeg = photo("cover-720x1280.jpg");
    let r = upload(&app, &token, &path, "image/png", jpeg.clone());
    assert_eq!((r.status, r.code().as_str()), (415, "unsupported_image"), "declared type must match");
    let r = upload(&app, &token, &path, "image/gif", b"GIF89a\x01\x00\x01\x00".to_vec());
    assert_eq!((r.status, r.code().as_str()), (415, "unsupported_image"));
    let r = upload(&app, &token, &path, "image/jpeg", Vec::new());
    assert_eq!((r.status, r.code().as_str()), (400, "empty_body"));
    // A PNG header claiming 20000x20000 pixels: refused before anything is stored or decoded.
    let mut bomb = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    bomb.extend_from_slice(&20000u32.to_be_bytes());
    bomb.extend_from_slice(&20000u32.to_be_bytes());
    bomb.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    let r = upload(&app, &token, &path, "image/png", bomb);
    assert_eq!((r.status, r.code().as_str()), (422, "image_too_large"));
    // Over the body limit: 413 before the body is read.
    let r = upload(&app, &token, &path, "image/jpeg", vec![0xFF; linkhub_core::routes::IMAGE_BODY + 1]);
    assert_eq!(r.status, 413);
    assert!(app.queue.take(linkhub_core::ports::Topic::Thumbnail).is_empty(), "nothing refused was queued");
    assert!(app.blobs.keys().is_empty(), "nothing refused was stored");
    // Another seller's product, or one that does not exist: 404, nothing stored.
    let other = app.signup("other");
    let r = upload(&app, &other, &path, "image/jpeg", jpeg.clone());
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    let r = upload(&app, &token, "/api/v1/products/pr_missing/images", "image/jpeg", jpeg);
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    assert!(app.blobs.keys().is_empty());
}

#[test]
fn an_image_that_cannot_be_decoded_fails_its_upload_once_and_the_product_keeps_its_images() {
    let app = TestApp::new();
    let token = app.signup("corrupt");
    let id = make(&app, &token);
    let path = format!("/api/v1/products/{id}/images");
    // A valid header over a cut-off body passes the header check; the full decode refuses it.
    let jpeg = photo("cover-720x1280.jpg");
    let cut = jpeg[..jpeg.len() / 3].to_vec();
    let r = upload(&app, &token, &path, "image/jpeg", cut);
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let up_id = r.json()["id"].as_str().unwrap().to_owned();
    let outcomes = app.step_thumbnail();
    assert!(matches!(&outcomes[0].1, StageOutcome::Failed { code } if code.starts_with("image_")), "{outcomes:?}");
    let failed = state(&app, &token, &up_id);
    assert_eq!(failed["state"], "failed");
    assert!(failed["error"].as_str().unwrap().starts_with("image_"), "{failed:#}");
    assert!(failed["images"].as_array().unwrap().is_empty());
    let p = app.get(&format!("/api/v1/products/{id}"), Some(&token)).json();
    assert!(p["images"].as_array().unwrap().is_empty(), "nothing replaced");
    // A redelivery finds it settled and changes nothing.
    let body = outcomes[0].0.clone();
    assert_eq!(app.process_thumbnail(&body), StageOutcome::Done);
    assert_eq!(state(&app, &token, &up_id)["state"], "failed");
}

#[test]
fn the_latest_upload_wins_and_an_older_one_still_processing_is_superseded() {
    let app = TestApp::new();
    let token = app.signup("twice");
    let id = make(&app, &token);
    let path = format!("/api/v1/products/{id}/images");
    let first = upload(&app, &token, &path, "image/jpeg", photo("cover-720x1280.jpg")).json();
    let second = upload(&app, &token, &path, "image/jpeg", photo("cover-1080x1920.jpg")).json();
    assert_eq!(state(&app, &token, first["id"].as_str().unwrap())["state"], "superseded");
    let outcomes = app.step_thumbnail();
    assert_eq!(outcomes.len(), 2, "both messages are handled");
    assert!(outcomes.iter().all(|(_, o)| *o == StageOutcome::Done), "{outcomes:?}");
    let second_id = second["id"].as_str().unwrap();
    assert_eq!(state(&app, &token, second_id)["state"], "ready");
    let images = app.get(&format!("/api/v1/products/{id}"), Some(&token)).json()["images"].clone();
    assert!(images.as_array().unwrap().iter().all(|i| i["url"].as_str().unwrap().contains(second_id)), "{images}");
    // The superseded upload rendered nothing.
    let first_media = format!("/media/{}/{}/square-150.jpg", seller_of(&app, &id), first["id"].as_str().unwrap());
    assert_eq!(app.get(&first_media, None).status, 404);
}

#[test]
fn a_dead_lettered_upload_fails_with_retries_exhausted() {
    let app = TestApp::new();
    let token = app.signup("deadup");
    let id = make(&app, &token);
    let up = upload(&app, &token, &format!("/api/v1/products/{id}/images"), "image/jpeg", photo("cover-720x1280.jpg"));
    let up_id = up.json()["id"].as_str().unwrap().to_owned();
    let msg = app.queue.take(linkhub_core::ports::Topic::Thumbnail).pop().unwrap();
    assert_eq!(app.dead_letter_thumbnail(&msg), StageOutcome::Failed { code: "retries_exhausted".into() });
    let failed = state(&app, &token, &up_id);
    assert_eq!((failed["state"].as_str(), failed["error"].as_str()), (Some("failed"), Some("retries_exhausted")));
    // Another seller cannot read it.
    let other = app.signup("peeker");
    assert_eq!(app.get(&format!("/api/v1/uploads/{up_id}"), Some(&other)).status, 404);
}

#[test]
fn an_avatar_becomes_the_storefronts_square_renditions_and_null_removes_it() {
    let app = TestApp::new();
    let token = app.signup("avatarshop");
    // A buyer opens the store first: the cache holds it without an avatar.
    let before = app.get("/api/v1/public/stores/avatarshop", None).json();
    assert!(before["settings"]["avatar"].as_array().unwrap().is_empty());
    let r = upload(&app, &token, "/api/v1/storefront/avatar", "image/jpeg", photo("cover-720x1280.jpg"));
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["target"], "avatar");
    assert!(app.get("/api/v1/storefront", Some(&token)).json()["avatar"].as_array().unwrap().is_empty());
    app.step_thumbnail();
    let store = app.get("/api/v1/storefront", Some(&token)).json();
    let names: Vec<&str> = store["avatar"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["square-150", "square-320"], "an avatar needs the squares only");
    let url = store["avatar"][0]["formats"][0]["url"].as_str().unwrap();
    let media = app.get(url, None);
    assert_eq!(media.status, 200);
    let size = imagesize::blob_size(&media.body).unwrap();
    assert_eq!((size.width, size.height), (150, 150));
    // The public storefront shows it at once.
    let public = app.get("/api/v1/public/stores/avatarshop", None).json();
    assert_eq!(public["settings"]["avatar"], store["avatar"], "{public:#}");

    let r = app.call("PATCH", "/api/v1/storefront", Some(&token), &[], Some(&json!({"avatar": "x.png"})));
    assert_eq!((r.status, r.json()["error"]["fields"][0]["path"].as_str()), (422, Some("avatar")));
    let r = app.call("PATCH", "/api/v1/storefront", Some(&token), &[], Some(&json!({"avatar": null})));
    assert_eq!(r.status, 200);
    assert!(r.json()["avatar"].as_array().unwrap().is_empty());
    assert_eq!(app.get(url, None).status, 404, "a removed avatar is no longer served");
    let public = app.get("/api/v1/public/stores/avatarshop", None).json();
    assert!(public["settings"]["avatar"].as_array().unwrap().is_empty());
}

#[test]
fn an_avatar_removed_while_it_renders_ends_superseded_and_is_not_shown() {
    let app = TestApp::new();
    let token = app.signup("removed");
    let r = upload(&app, &token, "/api/v1/storefront/avatar", "image/jpeg", photo("cover-720x1280.jpg"));
    let up_id = r.json()["id"].as_str().unwrap().to_owned();
    let r = app.call("PATCH", "/api/v1/storefront", Some(&token), &[], Some(&json!({"avatar": null})));
    assert_eq!(r.status, 200);
    assert_eq!(state(&app, &token, &up_id)["state"], "superseded");
    assert_eq!(app.step_thumbnail()[0].1, StageOutcome::Done);
    assert!(app.get("/api/v1/storefront", Some(&token)).json()["avatar"].as_array().unwrap().is_empty());
}

#[test]
fn a_photo_for_a_product_deleted_before_its_render_fails_with_why() {
    let app = TestApp::new();
    let token = app.signup("gone");
    let id = make(&app, &token);
    let r = upload(&app, &token, &format!("/api/v1/products/{id}/images"), "image/jpeg", photo("cover-720x1280.jpg"));
    let up_id = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.call("DELETE", &format!("/api/v1/products/{id}"), Some(&token), &[], None).status, 204);
    let outcomes = app.step_thumbnail();
    assert_eq!(outcomes[0].1, StageOutcome::Failed { code: "product_deleted".into() });
    let failed = state(&app, &token, &up_id);
    assert_eq!((failed["state"].as_str(), failed["error"].as_str()), (Some("failed"), Some("product_deleted")));
}

#[test]
fn an_upload_whose_message_was_lost_ends_stalled_after_an_hour() {
    use linkhub_core::maintenance::{STALLED_AFTER_MS, sweep};
    let app = TestApp::new();
    let token = app.signup("lostmsg");
    let id = make(&app, &token);
    let r = upload(&app, &token, &format!("/api/v1/products/{id}/images"), "image/jpeg", photo("cover-720x1280.jpg"));
    let up_id = r.json()["id"].as_str().unwrap().to_owned();
    app.queue.take(linkhub_core::ports::Topic::Thumbnail);
    app.sys.advance_ms(STALLED_AFTER_MS - 1_000);
    assert_eq!(linkhub_testkit::block_on(sweep(&app.sql, &app.sys)).unwrap().stalled_uploads, 0, "not yet");
    app.sys.advance_ms(2_000);
    assert_eq!(linkhub_testkit::block_on(sweep(&app.sql, &app.sys)).unwrap().stalled_uploads, 1);
    let failed = state(&app, &token, &up_id);
    assert_eq!((failed["state"].as_str(), failed["error"].as_str()), (Some("failed"), Some("stalled")));
}

/// Blobs that let the seller send a second photo the moment the thumbnailer has read the first.
struct UploadWhileRendering<'a> {
    app: &'a TestApp,
    upload: std::cell::RefCell<Option<Box<dyn Fn() -> u16 + 'a>>>,
}

impl linkhub_core::ports::Blobs for UploadWhileRendering<'_> {
    async fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), linkhub_core::ports::PortError> {
        self.app.blobs.put(key, bytes, content_type).await
    }
    async fn get(&self, key: &str) -> Result<Option<linkhub_core::ports::Blob>, linkhub_core::ports::PortError> {
        let got = self.app.blobs.get(key).await;
        if key.contains("/original.")
            && let Some(upload) = self.upload.borrow_mut().take()
        {
            assert_eq!(upload(), 202, "the second photo");
        }
        got
    }
    async fn delete(&self, key: &str) -> Result<(), linkhub_core::ports::PortError> {
        self.app.blobs.delete(key).await
    }
}

/// A render that finishes after a newer photo arrived keeps nothing: the upload ends superseded
/// and the product shows only the newer photo (its own message renders it).
#[test]
fn a_photo_replaced_while_it_renders_is_superseded_and_the_newer_one_is_shown() {
    use linkhub_core::stages::thumbnail::{self, ThumbnailDeps};
    let app = TestApp::new();
    let token = app.signup("racing");
    let id = make(&app, &token);
    let path = format!("/api/v1/products/{id}/images");
    let first = upload(&app, &token, &path, "image/jpeg", photo("cover-720x1280.jpg")).json();
    let msg = app.queue.take(linkhub_core::ports::Topic::Thumbnail).pop().unwrap();
    let blobs = UploadWhileRendering {
        app: &app,
        upload: std::cell::RefCell::new(Some(Box::new(|| {
            upload(&app, &token, &path, "image/jpeg", photo("cover-1080x1920.jpg")).status
        }))),
    };
    let deps = ThumbnailDeps { sql: &app.sql, blobs: &blobs, sys: &app.sys, cfg: &app.cfg };
    assert_eq!(linkhub_testkit::block_on(thumbnail::process(&deps, &msg)), StageOutcome::Done);
    assert_eq!(state(&app, &token, first["id"].as_str().unwrap())["state"], "superseded");
    assert!(
        app.get(&format!("/api/v1/products/{id}"), Some(&token)).json()["images"].as_array().unwrap().is_empty(),
        "the stale render showed nothing"
    );
    let stepped = app.step_thumbnail();
    assert_eq!(stepped.len(), 1, "the second photo's message");
    let second: Value = serde_json::from_str(&stepped[0].0).unwrap();
    let second_id = second["upload_id"].as_str().unwrap();
    assert_eq!(state(&app, &token, second_id)["state"], "ready");
    let images = app.get(&format!("/api/v1/products/{id}"), Some(&token)).json()["images"].clone();
    assert!(images.as_array().unwrap().iter().all(|i| i["url"].as_str().unwrap().contains(second_id)), "{images}");
}

fn seller_of(app: &TestApp, product: &str) -> String {
    let rows = linkhub_testkit::block_on(linkhub_core::ports::Sql::query(
        &app.sql,
        linkhub_core::ports::Stmt::new("SELECT seller_id FROM products WHERE id = ?").bind(product),
    ))
    .unwrap();
    rows[0]["seller_id"].as_str().unwrap().to_owned()
}
