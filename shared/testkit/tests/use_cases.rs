//! Use cases over native ports with a controllable clock: what the end-to-end suite cannot
//! steer (time, queue faults, redelivery, exact backoff).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{T0, TestApp};
use jwt_simple::prelude::*;
use linkhub_core::ports::{Kv, Sql, Stmt, System, Topic};
use linkhub_core::stages::StageOutcome;
use linkhub_testkit::block_on;
use serde_json::{Value, json};

const VIDEO: &str = "https://www.tiktok.com/@glowbykemi/video/7301000000000000001";

#[test]
fn tokens_expire_with_at_most_sixty_seconds_of_tolerance() {
    let app = TestApp::new();
    let token = app.signup("clocky");
    assert_eq!(app.get("/api/v1/auth/me", Some(&token)).status, 200);
    app.sys.advance_ms(86_400_000 + 59_000);
    assert_eq!(app.get("/api/v1/auth/me", Some(&token)).status, 200, "inside the tolerance");
    app.sys.advance_ms(2_000);
    let r = app.get("/api/v1/auth/me", Some(&token));
    assert_eq!((r.status, r.code().as_str()), (401, "unauthorized"));
}

#[test]
fn auth_attempts_are_limited_per_client_address_in_one_minute_windows() {
    let app = TestApp::with_config(&[("AUTH_LIMIT_PER_CLIENT_PER_MINUTE", "3")]);
    let login = |ip: &str| {
        let body = json!({"email": "nobody@example.com", "password": "wrong password here"});
        app.call("POST", "/api/v1/auth/login", None, &[("cf-connecting-ip", ip)], Some(&body))
    };
    for _ in 0..3 {
        assert_eq!(login("198.51.100.1").status, 401);
    }
    let limited = login("198.51.100.1");
    assert_eq!((limited.status, limited.code().as_str()), (429, "rate_limited"));
    assert_eq!(login("198.51.100.2").status, 401, "another client has its own budget");
    app.sys.advance_ms(60_000);
    assert_eq!(login("198.51.100.1").status, 401, "a new window");
}

fn forge(claims: JWTClaims<NoCustomClaims>, secret: &str) -> String {
    HS256Key::from_bytes(secret.as_bytes()).authenticate(claims).unwrap()
}

#[test]
fn tokens_without_exp_iss_or_aud_or_with_wrong_ones_are_refused() {
    let app = TestApp::new();
    app.signup("forged");
    let seller: String =
        block_on(app.sql.query(Stmt::new("SELECT id FROM sellers"))).unwrap()[0]["id"].as_str().unwrap().to_owned();
    let now = Duration::from_millis(T0 as u64);
    let full = || JWTClaims {
        issued_at: Some(now),
        expires_at: Some(now + Duration::from_hours(1)),
        invalid_before: Some(now),
        issuer: Some("linkhub".to_owned()),
        subject: Some(seller.clone()),
        audiences: Some(Audiences::AsString("linkhub-api".to_owned())),
        jwt_id: None,
        nonce: None,
        custom: NoCustomClaims {},
    };
    let secret = "test-secret-test-secret-test-secret";
    assert_eq!(app.get("/api/v1/auth/me", Some(&forge(full(), secret))).status, 200, "the control token works");
    let cases = [
        ("no exp", JWTClaims { expires_at: None, ..full() }, secret),
        ("no iss", JWTClaims { issuer: None, ..full() }, secret),
        ("no aud", JWTClaims { audiences: None, ..full() }, secret),
        ("wrong iss", JWTClaims { issuer: Some("someone-else".into()), ..full() }, secret),
        ("wrong aud", JWTClaims { audiences: Some(Audiences::AsString("other".into())), ..full() }, secret),
        ("wrong key", full(), "another-secret-another-secret-xx"),
    ];
    for (name, claims, key) in cases {
        assert_eq!(app.get("/api/v1/auth/me", Some(&forge(claims, key))).status, 401, "{name}");
    }
}

#[test]
fn passwords_and_api_keys_are_stored_hashed() {
    let app = TestApp::new();
    let token = app.signup("hashy");
    let key = app.post("/api/v1/auth/api-keys", Some(&token), &json!({"name": "ci"})).json()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let seller = &block_on(app.sql.query(Stmt::new("SELECT password_hash FROM sellers"))).unwrap()[0];
    let hash = seller["password_hash"].as_str().unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert!(!hash.contains("long enough pw"));
    let stored = &block_on(app.sql.query(Stmt::new("SELECT key_hash FROM api_keys"))).unwrap()[0];
    assert_ne!(stored["key_hash"].as_str().unwrap(), key);
    assert_eq!(stored["key_hash"].as_str().unwrap().len(), 64);
}

/// A queue fault after the job row is written: the job is not deleted (a concurrent submission
/// of the same link may already hold its id; it used to be deleted from under it) but fails with
/// a reason, and submitting the link again re-sends it.
#[test]
fn a_queue_fault_loses_nothing_and_a_retry_starts_clean() {
    let app = TestApp::new();
    let token = app.signup("queuefault");
    app.queue.fail_sends.set(true);
    let r = app.submit(&token, VIDEO);
    assert_eq!((r.status, r.code().as_str()), (503, "unavailable"));
    assert!(r.headers.get("retry-after").is_some());
    let jobs = app.get("/api/v1/ingestion/jobs", Some(&token)).json();
    let items = jobs["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the job stays, so an id handed out concurrently still resolves");
    let id = items[0]["job_id"].as_str().unwrap().to_owned();
    assert_eq!(
        (items[0]["status"].as_str(), items[0]["error"]["code"].as_str()),
        (Some("failed"), Some("enqueue_failed"))
    );
    let r = app.submit(&token, VIDEO);
    assert_eq!((r.status, r.code().as_str()), (503, "unavailable"), "still down: still failed");
    assert_eq!(app.job(&token, &id)["status"], "failed");
    app.queue.fail_sends.set(false);
    let r = app.submit(&token, VIDEO);
    assert_eq!(r.status, 202);
    assert_eq!(r.json()["job_id"], id.as_str(), "the same job, re-sent");
    assert_eq!(r.json()["status"], "queued");
    assert_eq!(app.step_metadata().len(), 1, "one message");
    app.step_all_stages();
    assert_eq!(app.job(&token, &id)["status"], "ready");
}

#[test]
fn metadata_fans_out_once_even_when_delivered_twice() {
    let app = TestApp::new();
    let token = app.signup("twice");
    let job = app.submit_job(&token, VIDEO);
    let stepped = app.step_metadata();
    assert_eq!(stepped.len(), 1);
    assert_eq!(stepped[0].1, StageOutcome::Done);
    assert_eq!(app.queue.take(Topic::Caption).len(), 1);
    for topic in [Topic::Tagging, Topic::Thumbnail] {
        assert!(app.queue.take(topic).is_empty(), "{topic:?} follows the caption stage");
    }
    // Redelivery of the same message: acknowledged, nothing fanned out again.
    assert_eq!(app.process_metadata(&stepped[0].0), StageOutcome::Done);
    assert!(app.queue.is_empty());
    let v = app.job(&token, &job);
    assert_eq!(v["status"], "metadata_ready");
    assert_eq!(v["stages"]["metadata"]["attempts"], 1);
    let key = v["video"]["cover"]["key"].as_str().unwrap();
    assert_eq!(app.blobs.keys(), vec![key.to_owned()]);
}

#[test]
fn throttling_backs_off_exponentially_then_succeeds() {
    let app = TestApp::new();
    let token = app.signup("backoff");
    let job = app.submit_job(&token, "https://www.tiktok.com/@flaky.shop/video/7301000000000000004");
    let msg = app.queue.take(Topic::Metadata).pop().unwrap();
    // The sandbox answers this fixture 429 twice per process, then normally.
    assert_eq!(app.process_metadata(&msg), StageOutcome::RetryAfter(2));
    assert_eq!(app.process_metadata(&msg), StageOutcome::RetryAfter(4));
    let v = app.job(&token, &job);
    assert_eq!(v["status"], "queued");
    assert_eq!(v["stages"]["metadata"]["last_error"], "oEmbed answered 429");
    assert_eq!(app.process_metadata(&msg), StageOutcome::Done);
    let v = app.job(&token, &job);
    assert_eq!(v["stages"]["metadata"]["attempts"], 3);
    assert!(v["stages"]["metadata"].get("last_error").is_none(), "cleared on success");
}

#[test]
fn a_dead_letter_fails_its_job_with_the_last_error_and_spares_settled_jobs() {
    let app = TestApp::new();
    let token = app.signup("dlq");
    let broken = app.submit_job(&token, "https://www.tiktok.com/@broken.shop/video/7301000000000000005");
    let msg = app.queue.take(Topic::Metadata).pop().unwrap();
    assert_eq!(app.process_metadata(&msg), StageOutcome::RetryAfter(2));
    assert_eq!(app.dead_letter(&msg), StageOutcome::Failed { code: "retries_exhausted".into() });
    let v = app.job(&token, &broken);
    assert_eq!(v["status"], "failed");
    assert_eq!(v["error"]["message"], "gave up after 1 attempts: oEmbed answered 500");

    let fine = app.submit_job(&token, VIDEO);
    let stepped = app.step_metadata();
    assert_eq!(stepped[0].1, StageOutcome::Done);
    app.dead_letter(&stepped[0].0);
    assert_eq!(app.job(&token, &fine)["status"], "metadata_ready", "a late dead letter cannot fail a finished job");
}

#[test]
fn unusable_messages_are_discarded_not_retried_forever() {
    let app = TestApp::new();
    assert_eq!(app.process_metadata("{not json"), StageOutcome::Discarded);
    assert_eq!(app.dead_letter("[]"), StageOutcome::Discarded);
    let gone = json!({"v": 1, "job_id": "job_missing", "seller_id": "sel_x", "request_id": "r"}).to_string();
    assert_eq!(app.process_metadata(&gone), StageOutcome::Done);
}

#[test]
fn a_stage_message_cannot_reach_another_sellers_job() {
    let app = TestApp::new();
    let owner = app.signup("owner");
    app.signup("intruder");
    let job = app.submit_job(&owner, VIDEO);
    app.queue.take(Topic::Metadata);
    let intruder: String = block_on(app.sql.query(Stmt::new("SELECT id FROM sellers WHERE handle = 'intruder'")))
        .unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let forged = json!({"v": 1, "job_id": job, "seller_id": intruder, "request_id": "r"}).to_string();
    assert_eq!(app.process_metadata(&forged), StageOutcome::Done);
    assert_eq!(app.job(&owner, &job)["status"], "queued", "untouched");
}

#[test]
fn rate_limits_reset_with_the_next_window() {
    let app = TestApp::with_config(&[("SUBMIT_LIMIT_PER_SELLER_PER_MINUTE", "2")]);
    let token = app.signup("limited");
    let bad = "https://www.tiktok.com/@x";
    assert_eq!(app.submit(&token, bad).status, 400);
    assert_eq!(app.submit(&token, bad).status, 400);
    let r = app.submit(&token, bad);
    assert_eq!(r.status, 429);
    let retry: i64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    app.sys.advance_ms(retry * 1000);
    assert_eq!(app.submit(&token, bad).status, 400);
}

#[test]
fn idempotent_replay_survives_a_changed_world() {
    let app = TestApp::new();
    let token = app.signup("idem");
    let body = json!({"url": VIDEO});
    let send = |b: &serde_json::Value| {
        app.call("POST", "/api/v1/ingestion/tiktok-link", Some(&token), &[("idempotency-key", "k-1")], Some(b))
    };
    let first = send(&body);
    assert_eq!(first.status, 202);
    app.step_metadata();
    let replay = send(&body);
    assert_eq!(replay.body, first.body, "the first answer, even though the job has moved on");
    let long = "k".repeat(256);
    let bad =
        app.call("POST", "/api/v1/ingestion/tiktok-link", Some(&token), &[("idempotency-key", &long)], Some(&body));
    assert_eq!((bad.status, bad.code().as_str()), (400, "invalid_idempotency_key"));
}

/// A short link and a direct link to one video used to make two jobs (and two products): the
/// dedupe key was the short code until the metadata stage resolved it.
#[test]
fn a_short_link_and_a_direct_link_to_one_video_make_one_job() {
    let app = TestApp::new();
    let token = app.signup("onevideo");
    let direct = app.submit_job(&token, "https://www.tiktok.com/@glowbykemi/video/7301000000000000001");
    let short = app.submit_job(&token, "https://vm.tiktok.com/ZMabc1234/");
    assert_ne!(direct, short, "the short link is not resolved at submission");
    app.step_metadata();
    app.step_all_stages();
    let d = app.job(&token, &direct);
    let s = app.job(&token, &short);
    assert_eq!(d["status"], "ready", "{d:#}");
    assert_eq!((s["status"].as_str(), s["duplicate_of"].as_str()), (Some("duplicate"), Some(direct.as_str())), "{s:#}");
    assert!(s.get("draft").is_none_or(Value::is_null), "a duplicate makes no draft");
    for stage in ["caption", "tagging", "thumbnail"] {
        assert_eq!(s["stages"][stage]["state"], "skipped");
    }
    // Submitting the direct link again answers the original, as any resubmission does.
    let again = app.submit(&token, "https://www.tiktok.com/@glowbykemi/video/7301000000000000001").json();
    assert_eq!((again["job_id"].as_str(), again["duplicate"].as_bool()), (Some(direct.as_str()), Some(true)));
    // The other way round: the short link resolves first, then the direct link is submitted.
    let other = app.signup("onevideo2");
    let short = app.submit_job(&other, "https://vm.tiktok.com/ZMabc1234/");
    app.step_metadata();
    let direct = app.submit(&other, "https://www.tiktok.com/@glowbykemi/video/7301000000000000001");
    assert_eq!(direct.status, 200, "{}", String::from_utf8_lossy(&direct.body));
    assert_eq!(
        (direct.json()["job_id"].as_str(), direct.json()["duplicate"].as_bool()),
        (Some(short.as_str()), Some(true))
    );
}

/// Claim first: of requests sharing one key, exactly one runs; while it runs the others get
/// 409, after it they get its answer, and a different body gets 422.
#[test]
fn an_idempotency_key_is_claimed_before_the_work_and_expires_when_abandoned() {
    let app = TestApp::new();
    let token = app.signup("idemclaim");
    let key = [("idempotency-key", "claim-1")];
    let body = |v: &str| serde_json::json!({ "url": format!("https://www.tiktok.com/@x/video/{v}") });
    // A request that died after claiming: its claim is in flight.
    let seller = app.get("/api/v1/auth/me", Some(&token)).json()["id"].as_str().unwrap().to_owned();
    let claim = Stmt::new(
        "INSERT INTO idempotency_keys (seller_id, key, request_hash, status, body, created_at) VALUES (?, 'claim-1', ?, 0, '', ?)",
    )
    .bind(&seller)
    .bind(linkhub_core::ids::sha256_hex(body("7301000000000000001").to_string().as_bytes()))
    .bind(app.sys.now_ms());
    linkhub_testkit::block_on(app.sql.execute(claim)).unwrap();
    let r = app.call("POST", "/api/v1/ingestion/tiktok-link", Some(&token), &key, Some(&body("7301000000000000001")));
    assert_eq!((r.status, r.code().as_str()), (409, "idempotency_in_flight"));
    assert_eq!(r.headers.get("retry-after").unwrap(), "1");
    let r = app.call("POST", "/api/v1/ingestion/tiktok-link", Some(&token), &key, Some(&body("7301000000000000002")));
    assert_eq!((r.status, r.code().as_str()), (422, "idempotency_key_reused"));
    assert!(app.queue.take(Topic::Metadata).is_empty(), "nothing ran while the key was claimed");
    // The claim expires: the next request takes it over and runs, once.
    app.sys.advance_ms(linkhub_core::ingest::IDEMPOTENCY_CLAIM_TTL_MS);
    let first =
        app.call("POST", "/api/v1/ingestion/tiktok-link", Some(&token), &key, Some(&body("7301000000000000001")));
    assert_eq!(first.status, 202, "{}", String::from_utf8_lossy(&first.body));
    let replay =
        app.call("POST", "/api/v1/ingestion/tiktok-link", Some(&token), &key, Some(&body("7301000000000000001")));
    assert_eq!((replay.status, replay.json()["job_id"].clone()), (202, first.json()["job_id"].clone()));
    assert_eq!(replay.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(app.queue.take(Topic::Metadata).len(), 1, "one enqueue");
}

/// Rate windows of one-off clients and old idempotency keys used to stay for ever.
#[test]
fn housekeeping_deletes_passed_rate_windows_and_expired_idempotency_keys_once_per_interval() {
    use linkhub_core::maintenance::{EVERY_MS, sweep_if_due};
    let app = TestApp::new();
    let token = app.signup("sweeper");
    let key = [("idempotency-key", "sweep-1")];
    let body = json!({ "url": VIDEO });
    assert_eq!(app.call("POST", "/api/v1/ingestion/tiktok-link", Some(&token), &key, Some(&body)).status, 202);
    let count = |table: &str| -> i64 {
        let rows = block_on(app.sql.query(Stmt::new(format!("SELECT COUNT(*) AS n FROM {table}")))).unwrap();
        rows[0]["n"].as_i64().unwrap()
    };
    let windows = count("rate_windows");
    assert!(windows >= 2, "signup and submission counted");
    // In the same minute nothing is due for deletion.
    let first = block_on(sweep_if_due(&app.sql, &app.sys)).unwrap().unwrap();
    assert_eq!((first.rate_windows, first.idempotency_keys), (0, 0));
    assert_eq!(count("rate_windows"), windows);
    // A day later: the windows have passed and the key no longer replays. A second call within
    // the interval does nothing.
    app.sys.advance_ms(linkhub_core::ingest::IDEMPOTENCY_KEEP_MS + 1);
    let later = block_on(sweep_if_due(&app.sql, &app.sys)).unwrap().unwrap();
    assert_eq!((later.rate_windows, later.idempotency_keys), (windows as u64, 1));
    assert_eq!((count("rate_windows"), count("idempotency_keys")), (0, 0));
    app.sys.advance_ms(EVERY_MS - 1);
    assert!(block_on(sweep_if_due(&app.sql, &app.sys)).unwrap().is_none());
    app.sys.advance_ms(1);
    assert!(block_on(sweep_if_due(&app.sql, &app.sys)).unwrap().is_some());
}

/// A job whose messages are all gone (a dead-letter consumer that never reached the database,
/// a purged queue) used to wait for ever. An hour without any change ends it as a dead letter
/// would have, with the reason `stalled`; a job that is still moving is left alone; the
/// seller's retry runs it again.
#[test]
fn jobs_that_stopped_moving_end_after_an_hour_and_can_be_retried() {
    use linkhub_core::maintenance::{STALLED_AFTER_MS, sweep};
    let app = TestApp::new();
    let token = app.signup("stalled");
    let lost = app.submit_job(&token, VIDEO);
    app.queue.take(Topic::Metadata);
    let halfway = app.submit_job(&token, "https://www.tiktok.com/@glowbykemi/video/7301000000000000002");
    assert_eq!(app.step_metadata().len(), 1);
    assert_eq!(app.queue.take(Topic::Caption).len(), 1, "the caption message, lost");
    let moving = app.submit_job(&token, "https://www.tiktok.com/@casa.bonita.mx/video/7301000000000000003");
    let moving_msg = app.queue.take(Topic::Metadata).pop().unwrap();

    app.sys.advance_ms(STALLED_AFTER_MS - 1_000);
    assert_eq!(block_on(sweep(&app.sql, &app.sys)).unwrap().stalled_jobs, 0, "not yet");
    // The third job moves now (its metadata stage runs), so an hour later it is not stalled.
    assert_eq!(app.process_metadata(&moving_msg), StageOutcome::Done);
    app.sys.advance_ms(2_000);
    assert_eq!(block_on(sweep(&app.sql, &app.sys)).unwrap().stalled_jobs, 2);
    assert_eq!(block_on(sweep(&app.sql, &app.sys)).unwrap().stalled_jobs, 0, "each ends once");

    let v = app.job(&token, &lost);
    assert_eq!((v["status"].as_str(), v["error"]["code"].as_str()), (Some("failed"), Some("stalled")));
    assert_eq!(v["stages"]["metadata"]["state"], "failed");
    let v = app.job(&token, &halfway);
    assert_eq!(v["status"], "ready", "completed with what it had: {v:#}");
    for stage in ["caption", "tagging", "thumbnail"] {
        assert_eq!(v["stages"][stage]["state"], "failed", "{stage}");
        assert_eq!(v["stages"][stage]["last_error"], "stalled", "{stage}");
    }
    assert_eq!(app.job(&token, &moving)["status"], "metadata_ready", "left alone");

    let r = app.call("POST", &format!("/api/v1/ingestion/jobs/{lost}/retry"), Some(&token), &[], None);
    assert_eq!(r.status, 202, "{:?}", r.json());
    app.step_metadata();
    app.step_all_stages();
    assert_eq!(app.job(&token, &lost)["status"], "ready");
}

/// The identity header is the gateway's alone: a caller's copy never reaches a function, on a
/// public route (forwarded without authentication) nor on a seller route (where the gateway
/// sets its own). Checked on what the gateway forwards, so deleting the strip fails it.
#[test]
fn a_callers_identity_header_never_reaches_a_function() {
    use linkhub_core::api::SELLER_HEADER;
    use linkhub_core::api::gateway::{self, Action, GatewayDeps};
    let app = TestApp::new();
    let token = app.signup("stripper");
    let deps = GatewayDeps { sql: &app.sql, kv: &app.kv, sys: &app.sys, cfg: &app.cfg, client: Some("203.0.113.5") };
    let forwarded = |path: &str, token: Option<&str>| {
        let mut b = http::Request::builder().method("GET").uri(path).header(SELLER_HEADER, "sel_victim");
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        match block_on(gateway::route(&deps, b.body(Vec::new()).unwrap())).1 {
            Action::Forward(_, req) => req,
            Action::Respond(r) => panic!("{path} was answered {} instead of forwarded", r.status()),
        }
    };
    let public = forwarded("/media/sel_x/job_x/square-320.jpg", None);
    assert!(public.headers().get(SELLER_HEADER).is_none(), "a public route forwarded the caller's identity header");
    let own = forwarded("/api/v1/ingestion/jobs", Some(&token));
    let ids: Vec<_> = own.headers().get_all(SELLER_HEADER).iter().collect();
    assert_eq!(ids.len(), 1);
    assert_ne!(ids[0], "sel_victim");
}

/// KV serves nothing a request needs yet: its outage degrades the health report without
/// failing the check, while an SQL outage would.
#[test]
fn health_fails_only_on_what_serving_needs() {
    let app = TestApp::new();
    let ok = app.get("/healthz", None);
    assert_eq!((ok.status, ok.json()["status"].as_str()), (200, Some("ok")));
    app.kv.fail.set(true);
    let degraded = app.get("/healthz", None);
    assert_eq!(degraded.status, 200);
    assert_eq!(
        (degraded.json()["status"].as_str(), degraded.json()["kv"].as_str()),
        (Some("degraded"), Some("failing"))
    );
}

/// TikTok failing opens the breaker: five failed calls in a row, then no call for 30 s. A message
/// that arrives meanwhile is put back with a delay, as a new message, without spending an
/// attempt; after the open period one probe decides, and a success closes it for everyone (the
/// state lives in KV).
#[test]
fn tiktok_failing_opens_the_breaker_and_postpones_stages_without_spending_attempts() {
    use linkhub_core::breaker;
    let app = TestApp::new();
    let token = app.signup("breaker");
    let broken = app.submit_job(&token, "https://www.tiktok.com/@broken.shop/video/7301000000000000005");
    let broken_msg = app.queue.take(Topic::Metadata).pop().unwrap();
    for _ in 0..breaker::CONSECUTIVE {
        assert!(matches!(app.process_metadata(&broken_msg), StageOutcome::RetryAfter(_)));
    }
    let state: Value = serde_json::from_slice(&block_on(app.kv.get(breaker::KEY)).unwrap().unwrap()).unwrap();
    assert_eq!(state["open_until"], T0 + breaker::OPEN_MS, "open, and shared through KV");

    let fine = app.submit_job(&token, VIDEO);
    let fine_msg = app.queue.take(Topic::Metadata).pop().unwrap();
    assert_eq!(app.process_metadata(&fine_msg), StageOutcome::Done, "acknowledged: it was put back");
    let postponed = app.queue.take_delayed(Topic::Metadata);
    assert_eq!(postponed.len(), 1);
    assert_eq!(postponed[0].0, fine_msg, "the same message");
    assert!((1..=30).contains(&postponed[0].1), "delayed until the breaker may close: {}", postponed[0].1);
    let v = app.job(&token, &fine);
    assert_eq!((v["status"].as_str(), v["stages"]["metadata"]["attempts"].as_i64()), (Some("queued"), Some(0)));
    let why = v["stages"]["metadata"]["last_error"].as_str().unwrap();
    assert!(
        why.contains("circuit breaker postponed"),
        "the seller sees why it waits (and the job counts as moving): {why}"
    );

    // After the open period the next caller probes; TikTok still failing opens it again.
    app.sys.advance_ms(breaker::OPEN_MS + 1);
    assert!(matches!(app.process_metadata(&broken_msg), StageOutcome::RetryAfter(_)));
    assert_eq!(app.process_metadata(&fine_msg), StageOutcome::Done);
    assert_eq!(app.queue.take_delayed(Topic::Metadata).len(), 1, "open again: postponed again");
    assert_eq!(app.job(&token, &fine)["stages"]["metadata"]["attempts"], 0);

    // A successful probe closes it.
    app.sys.advance_ms(breaker::OPEN_MS + 1);
    assert_eq!(app.process_metadata(&fine_msg), StageOutcome::Done);
    assert!(app.queue.take(Topic::Metadata).is_empty(), "called, not postponed");
    assert!(block_on(app.kv.get(breaker::KEY)).unwrap().is_none(), "closed");
    assert_eq!(app.job(&token, &fine)["stages"]["metadata"]["state"], "done");
    assert_eq!(app.job(&token, &broken)["status"], "queued", "the broken job keeps its own retries");
}

/// A 404 is TikTok answering, not failing: many unavailable videos never open the breaker.
#[test]
fn tiktok_answering_not_found_does_not_open_the_breaker() {
    use linkhub_core::breaker;
    let app = TestApp::new();
    let token = app.signup("breaker404");
    for i in 0..(breaker::CONSECUTIVE + 2) {
        app.submit_job(&token, &format!("https://www.tiktok.com/@gone/video/73019999999999{i:05}"));
    }
    for (_, outcome) in app.step_metadata() {
        assert!(matches!(outcome, StageOutcome::Failed { .. }), "{outcome:?}");
    }
    assert!(block_on(app.kv.get(breaker::KEY)).unwrap().is_none());
}

/// A job and its stages are read in one statement: a reader never sees a stage done while the
/// job still looks queued (on Spin's SQLite, two reads could straddle the stage's commit).
#[test]
fn a_job_is_read_with_its_stages_in_one_snapshot() {
    let app = TestApp::new();
    let token = app.signup("snapshot");
    let job = app.submit_job(&token, VIDEO);
    let seller: String = block_on(
        app.sql.query(Stmt::new("SELECT seller_id FROM jobs WHERE id = ?").bind(job.as_str())),
    )
    .unwrap()[0]["seller_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let row =
        block_on(linkhub_core::jobs::find(&app.sql, &linkhub_core::accounts::SellerId(seller), &job)).unwrap().unwrap();
    let stages: Vec<Value> = serde_json::from_str(row.stage_rows.as_deref().unwrap()).unwrap();
    assert_eq!(stages.len(), 4);
    assert!(stages.iter().all(|s| s["state"] == "pending" && s["attempts"] == 0), "{stages:?}");
    app.step_metadata();
    let v = app.job(&token, &job);
    assert_eq!(
        (v["status"].as_str(), v["stages"]["metadata"]["state"].as_str()),
        (Some("metadata_ready"), Some("done"))
    );
}
