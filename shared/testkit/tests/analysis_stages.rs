//! The caption-parser and auto-tagger stages over native ports: results stored, stage states
//! guarded, product draft assembled by whichever finishes last, duplicates and order tolerated.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use linkhub_core::ports::Topic;
use linkhub_core::stages::StageOutcome;
use linkhub_core::stages::analysis::Which;

#[test]
fn the_last_stage_to_finish_assembles_the_draft_in_any_order() {
    let app = TestApp::new();
    let token = app.signup("stages");
    let job = app.submit_job(&token, "https://www.tiktok.com/@glowbykemi/video/7301000000000000001");
    app.step_metadata();
    // Tagging first: done, but the job waits for the caption.
    let tagged = app.step_stage(Which::Tagging);
    assert_eq!(tagged.len(), 1);
    assert_eq!(tagged[0].1, StageOutcome::Done);
    let v = app.job(&token, &job);
    assert_eq!(
        (v["status"].as_str(), v["stages"]["tagging"]["state"].as_str()),
        (Some("metadata_ready"), Some("done"))
    );
    assert!(v.get("draft").is_none());
    // A duplicate tagging message changes nothing.
    assert_eq!(app.process_stage(Which::Tagging, &tagged[0].0), StageOutcome::Done);
    // The caption next: it starts the thumbnails, and the job waits for them.
    assert!(app.queue.take(Topic::Thumbnail).is_empty());
    assert_eq!(app.step_stage(Which::Caption)[0].1, StageOutcome::Done);
    assert_eq!(app.job(&token, &job)["status"], "metadata_ready");
    // The thumbnails finish last and assemble.
    assert_eq!(app.step_thumbnail()[0].1, StageOutcome::Done);
    let v = app.job(&token, &job);
    assert_eq!(v["status"], "ready", "{v:#}");
    let a = &v["analysis"];
    assert_eq!(a["language"], "en");
    assert_eq!(a["prices"][0]["amount"], "24.99");
    assert_eq!(a["prices"][0]["currency"], "USD");
    assert!(a["ctas"].as_array().unwrap().iter().any(|c| c == "dm_to_order"));
    assert_eq!(a["hashtags"][0], "#skincare");
    let d = &v["draft"];
    assert_eq!((d["price"].as_str(), d["currency"].as_str()), (Some("24.99"), Some("USD")));
    assert_eq!(d["category"], "Health & Beauty");
    assert!(d["tags"].as_array().unwrap().iter().any(|t| t == "skincare"));
    assert!(d["seo"]["title"].as_str().unwrap().chars().count() <= 60);
    assert!(d["seo"]["description"].as_str().unwrap().chars().count() <= 160);
    assert!(!d["seo"]["slug"].as_str().unwrap().is_empty());
    assert!(d["title"].as_str().unwrap().to_lowercase().contains("serum"), "{d:#}");
}

#[test]
fn stage_dead_letters_fail_only_their_stage() {
    let app = TestApp::new();
    let token = app.signup("stagedlq");
    let job = app.submit_job(&token, "https://www.tiktok.com/@x/video/7301000000000000002");
    app.step_metadata();
    let msg = app.queue.take(Topic::Caption).pop().unwrap();
    let outcome = linkhub_testkit::block_on(linkhub_core::stages::analysis::dead_letter(
        &app.sql,
        &app.queue,
        &app.sys,
        Which::Caption,
        &msg,
    ));
    assert_eq!(outcome, StageOutcome::Failed { code: "retries_exhausted".into() });
    assert_eq!(app.queue.take(Topic::Thumbnail).len(), 1, "thumbnails still start, without a badge");
    let v = app.job(&token, &job);
    assert_eq!(v["stages"]["caption"]["state"], "failed");
    assert_eq!(v["status"], "metadata_ready", "the job keeps its metadata");
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
    app.step_stage(Which::Tagging);
    app.sys.advance_ms(8 * 86_400_000);
    app.submit_job(&token, "https://www.tiktok.com/@x/video/7301000000000000002");
    app.submit_job(&token, "https://www.tiktok.com/@x/video/7301000000000000003");
    app.step_metadata();
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
