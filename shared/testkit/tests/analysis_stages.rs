//! The caption-parser and auto-tagger stages over native ports: results stored, stage states
//! guarded, product draft assembled by whichever finishes last, duplicates and order tolerated.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use linkhub_core::ports::{Sql, Stmt, Topic};
use linkhub_core::stages::StageOutcome;
use linkhub_core::stages::analysis::Which;

#[test]
fn the_caption_stage_analyses_once_and_the_last_stage_to_finish_assembles_the_draft() {
    let app = TestApp::new();
    let token = app.signup("stages");
    let job = app.submit_job(&token, "https://www.tiktok.com/@glowbykemi/video/7301000000000000001");
    app.step_metadata();
    // Metadata starts the caption stage only; the caption stage starts the other two.
    assert!(app.queue.take(Topic::Tagging).is_empty());
    assert!(app.queue.take(Topic::Thumbnail).is_empty());
    let caption = app.step_stage(Which::Caption);
    assert_eq!(caption[0].1, StageOutcome::Done);
    assert_eq!(app.job(&token, &job)["status"], "metadata_ready");
    // The tagger reads the stored analysis rather than analysing again: what it stores is what
    // the caption stage stored, even when that differs from a fresh analysis.
    let tamper = Stmt::new("UPDATE analyses SET body = json_set(body, '$.category', 'Toys & Games') WHERE job_id = ?");
    assert_eq!(linkhub_testkit::block_on(app.sql.execute(tamper.bind(&job))).unwrap(), 1);
    // Thumbnails first, then the tagger finishes last and assembles.
    assert_eq!(app.step_thumbnail()[0].1, StageOutcome::Done);
    assert_eq!(app.job(&token, &job)["status"], "metadata_ready");
    let tagged = app.step_stage(Which::Tagging);
    assert_eq!(tagged[0].1, StageOutcome::Done);
    let v = app.job(&token, &job);
    assert_eq!(v["status"], "ready", "{v:#}");
    // A duplicate caption or tagging delivery changes nothing and starts nothing new.
    assert_eq!(app.process_stage(Which::Tagging, &tagged[0].0), StageOutcome::Done);
    assert_eq!(app.process_stage(Which::Caption, &caption[0].0), StageOutcome::Done);
    assert!(app.queue.take(Topic::Tagging).is_empty() && app.queue.take(Topic::Thumbnail).is_empty());
    let a = &v["analysis"];
    assert_eq!(a["language"], "en");
    assert_eq!(a["prices"][0]["amount"], "24.99");
    assert_eq!(a["prices"][0]["currency"], "USD");
    assert!(a["ctas"].as_array().unwrap().iter().any(|c| c == "dm_to_order"));
    assert_eq!(a["hashtags"][0], "#skincare");
    let d = &v["draft"];
    assert_eq!((d["price"].as_str(), d["currency"].as_str()), (Some("24.99"), Some("USD")));
    assert_eq!(d["category"], "Toys & Games", "the tagger used the stored analysis");
    assert!(d["tags"].as_array().unwrap().iter().any(|t| t == "skincare"));
    assert!(d["seo"]["title"].as_str().unwrap().chars().count() <= 60);
    assert!(d["seo"]["description"].as_str().unwrap().chars().count() <= 160);
    assert!(!d["seo"]["slug"].as_str().unwrap().is_empty());
    assert!(d["title"].as_str().unwrap().to_lowercase().contains("serum"), "{d:#}");
    for stage in ["metadata", "caption", "tagging", "thumbnail"] {
        assert_eq!(v["stages"][stage]["state"], "done", "{stage}");
        assert_eq!(v["stages"][stage]["attempts"], 1, "{stage}");
    }
}

/// A dead-lettered caption message used to leave the job in `metadata_ready` for ever.
#[test]
fn a_dead_lettered_stage_fails_only_itself_and_the_job_still_ends_ready() {
    let app = TestApp::new();
    let token = app.signup("stagedlq");
    let job = app.submit_job(&token, "https://www.tiktok.com/@x/video/7301000000000000002");
    app.step_metadata();
    let msg = app.queue.take(Topic::Caption).pop().unwrap();
    assert_eq!(app.dead_letter_stage(Which::Caption, &msg), StageOutcome::Failed { code: "retries_exhausted".into() });
    // The tagger and the thumbnails still start (without a price badge).
    assert_eq!(app.step_stage(Which::Tagging)[0].1, StageOutcome::Done);
    assert_eq!(app.step_thumbnail()[0].1, StageOutcome::Done);
    let v = app.job(&token, &job);
    assert_eq!(v["status"], "ready", "{v:#}");
    assert_eq!(v["stages"]["caption"]["state"], "failed");
    assert_eq!(v["stages"]["caption"]["last_error"], "retries_exhausted");
    assert!(v["draft"]["price"].is_null(), "no analysis, no price");
    assert!(!v["draft"]["title"].as_str().unwrap().is_empty());
    // The seller retries the failed stage: it runs again and the job is ready with a price.
    let r = app.call("POST", &format!("/api/v1/ingestion/jobs/{job}/retry"), Some(&token), &[], None);
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["status"], "metadata_ready");
    assert_eq!(app.step_stage(Which::Caption)[0].1, StageOutcome::Done);
    let v = app.job(&token, &job);
    assert_eq!(v["status"], "ready", "{v:#}");
    assert_eq!(v["stages"]["caption"]["state"], "done");
    assert!(v["draft"]["price"].is_string(), "the analysis gives the price now: {v:#}");
    // Nothing failed any more: a second retry answers the job as it is.
    let again = app.call("POST", &format!("/api/v1/ingestion/jobs/{job}/retry"), Some(&token), &[], None);
    assert_eq!((again.status, again.json()["status"].as_str()), (200, Some("ready")));
    // Another seller cannot retry it.
    let other = app.signup("stagedlq2");
    assert_eq!(app.call("POST", &format!("/api/v1/ingestion/jobs/{job}/retry"), Some(&other), &[], None).status, 404);
}

#[test]
fn a_stage_message_for_another_seller_touches_nothing() {
    let app = TestApp::new();
    let owner = app.signup("ownerst");
    let job = app.submit_job(&owner, "https://www.tiktok.com/@x/video/7301000000000000003");
    app.step_metadata();
    app.queue.take(Topic::Caption);
    let forged = serde_json::json!({"v": 1, "job_id": job, "seller_id": "sel_other", "request_id": "r"}).to_string();
    assert_eq!(app.process_stage(Which::Caption, &forged), StageOutcome::Done);
    assert_eq!(app.job(&owner, &job)["stages"]["caption"]["state"], "pending");
}

#[test]
fn trends_rank_a_sellers_terms_by_growth_between_windows() {
    let app = TestApp::new();
    let session = app.signup("trendy");
    // Eight days pass: an API key outlives the session token.
    let key = app.post("/api/v1/auth/api-keys", Some(&session), &serde_json::json!({"name": "t"})).json();
    let token = key["key"].as_str().unwrap().to_owned();
    app.submit_job(&token, "https://www.tiktok.com/@x/video/7301000000000000001");
    app.step_metadata();
    app.step_stage(Which::Caption);
    app.step_stage(Which::Tagging);
    app.sys.advance_ms(8 * 86_400_000);
    app.submit_job(&token, "https://www.tiktok.com/@x/video/7301000000000000002");
    app.submit_job(&token, "https://www.tiktok.com/@x/video/7301000000000000003");
    app.step_metadata();
    app.step_stage(Which::Caption);
    app.step_stage(Which::Tagging);
    let r = app.get("/api/v1/analytics/trends?days=7", Some(&token));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    let items = v["items"].as_array().unwrap();
    let find = |t: &str| items.iter().find(|i| i["term"] == t).unwrap_or_else(|| panic!("{t} missing: {v:#}"));
    assert_eq!(find("#ankara")["recent"], 1);
    assert_eq!(find("#ankara")["growth"], 1.0);
    assert_eq!(find("#skincare")["recent"], 0);
    assert_eq!(find("#skincare")["previous"], 1);
    assert_eq!(find("#skincare")["growth"], -0.5);
    assert!(items[0]["growth"].as_f64().unwrap() >= items.last().unwrap()["growth"].as_f64().unwrap());
    let other = app.signup("notrendy");
    let theirs = app.get("/api/v1/analytics/trends", Some(&other)).json();
    assert!(theirs["items"].as_array().unwrap().is_empty(), "another seller's terms stay theirs");
    assert_eq!(app.get("/api/v1/analytics/trends?days=0", Some(&token)).status, 400);
    assert_eq!(app.get("/api/v1/analytics/trends", None).status, 401);
}

/// The metadata stage sends the caption message just before it commits the job's move to
/// `metadata_ready`. A delivery in between used to be acknowledged as done, leaving the job
/// waiting for ever; it is retried now.
#[test]
fn a_caption_message_that_arrives_before_the_metadata_commit_waits_and_is_not_lost() {
    let app = TestApp::new();
    let token = app.signup("early");
    let job = app.submit_job(&token, "https://www.tiktok.com/@x/video/7301000000000000003");
    let seller = app.get("/api/v1/auth/me", Some(&token)).json()["id"].as_str().unwrap().to_owned();
    let early = serde_json::json!({"v": 1, "job_id": job, "seller_id": seller, "request_id": "r"}).to_string();
    assert_eq!(app.process_stage(Which::Caption, &early), StageOutcome::RetryAfter(2));
    assert_eq!(app.process_thumbnail(&early), StageOutcome::RetryAfter(2));
    assert_eq!(app.job(&token, &job)["stages"]["caption"]["attempts"], 0, "waiting is not an attempt");
    // Metadata commits; the redelivered early message now runs the stage.
    app.step_metadata();
    app.queue.take(Topic::Caption);
    assert_eq!(app.process_stage(Which::Caption, &early), StageOutcome::Done);
    app.step_stage(Which::Tagging);
    app.step_thumbnail();
    assert_eq!(app.job(&token, &job)["status"], "ready");
}
