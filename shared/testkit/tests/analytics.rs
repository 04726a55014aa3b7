//! Storefront analytics over native ports (real SQLite with the project's migrations): buyers'
//! views and clicks as the pages record them, the daily rollups the triggers keep, unique
//! visitors through the daily salted hash (no address stored), the three read routes, tenant
//! isolation and the sweep's retention.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Reply, TestApp};
use linkhub_core::analytics::{Event, Kind, Subject, Visit, record};
use linkhub_core::maintenance::sweep;
use linkhub_core::ports::{Sql, Stmt, System};
use linkhub_testkit::block_on;
use serde_json::{Value, json};

const PHONE_UA: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36";
const DESKTOP_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36";
const TIKTOK_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 musical_ly_32.9.0 BytedanceWebview/d8a21c6";
const DAY_MS: i64 = 86_400_000;

struct Shop {
    token: String,
    id: String,
    code: String,
    slug: String,
}

fn shop(app: &TestApp, handle: &str) -> Shop {
    let token = app.signup(handle);
    let r = app.call("PATCH", "/api/v1/storefront", Some(&token), &[], Some(&json!({"whatsapp": "+234 801 234 5678"})));
    assert_eq!(r.status, 200);
    let r = app.post(
        "/api/v1/products",
        Some(&token),
        &json!({"title": "Ankara wrap dress", "price": {"amount": "15000", "currency": "NGN"}}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let p = r.json();
    assert_eq!(p["status"], "published");
    let s = |k: &str| p[k].as_str().unwrap().to_owned();
    Shop { token, id: s("id"), code: s("code"), slug: s("slug") }
}

fn visit(app: &TestApp, path: &str, client: &str, ua: &str, referer: Option<&str>, country: Option<&str>) -> Reply {
    let mut headers = vec![("cf-connecting-ip", client), ("user-agent", ua)];
    headers.extend(referer.map(|r| ("referer", r)));
    headers.extend(country.map(|c| ("cf-ipcountry", c)));
    app.call_raw("GET", path, None, &headers, Vec::new())
}

fn seller_id(app: &TestApp, token: &str) -> String {
    read(app, token, "/api/v1/auth/me")["id"].as_str().unwrap().to_owned()
}

fn read(app: &TestApp, token: &str, path: &str) -> Value {
    let r = app.get(path, Some(token));
    assert_eq!(r.status, 200, "{path}: {}", String::from_utf8_lossy(&r.body));
    r.json()
}

/// One day's traffic: 3 store views by 2 buyers, 3 product views by 3 (one in TikTok's app),
/// 2 clicks by 1, and a WhatsApp link preview.
fn traffic(app: &TestApp, s: &Shop, handle: &str) {
    let store = format!("/s/{handle}");
    let product = format!("/s/{handle}/{}", s.slug);
    let go = format!("/go/{}", s.code);
    let tiktok = Some("https://www.tiktok.com/@adaeze");
    assert_eq!(visit(app, &store, "203.0.113.1", PHONE_UA, tiktok, Some("NG")).status, 200);
    assert_eq!(visit(app, &store, "203.0.113.1", PHONE_UA, tiktok, Some("NG")).status, 200);
    assert_eq!(visit(app, &store, "198.51.100.7", DESKTOP_UA, None, Some("GH")).status, 200);
    assert_eq!(visit(app, &product, "203.0.113.1", PHONE_UA, Some("https://hub.example/s/x"), Some("NG")).status, 200);
    assert_eq!(visit(app, &product, "198.51.100.7", DESKTOP_UA, None, Some("GH")).status, 200);
    assert_eq!(visit(app, &product, "192.0.2.44", TIKTOK_UA, None, None).status, 200);
    assert_eq!(visit(app, &go, "203.0.113.1", PHONE_UA, tiktok, Some("NG")).status, 302);
    assert_eq!(visit(app, &go, "203.0.113.1", PHONE_UA, tiktok, Some("NG")).status, 302);
    assert_eq!(visit(app, &go, "66.220.149.1", "WhatsApp/2.23.20.0 A", None, None).status, 302);
}

#[test]
fn views_clicks_and_previews_roll_up_into_the_overview_with_unique_visitors_and_the_funnel() {
    let app = TestApp::new();
    let s = shop(&app, "rollups");
    traffic(&app, &s, "rollups");
    let o = read(&app, &s.token, "/api/v1/analytics/overview");
    let t = &o["totals"];
    assert_eq!(t["store_views"], 3);
    assert_eq!(t["product_views"], 3);
    assert_eq!(t["views"], 6);
    assert_eq!(t["visitors"], 3, "three buyers viewed pages: {t}");
    assert_eq!(t["clicks"], 2);
    assert_eq!(t["click_visitors"], 1);
    assert_eq!(t["previews"], 1, "the crawler is no click");
    assert_eq!(t["from_tiktok"], 3, "two views from a TikTok referrer, one in TikTok's browser");
    assert_eq!(t["chats"], 0);
    assert!((o["click_through_rate"].as_f64().unwrap() - 0.6667).abs() < 1e-9, "{o}");
    let funnel: Vec<(String, u64)> = o["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["step"].as_str().unwrap().to_owned(), f["count"].as_u64().unwrap()))
        .collect();
    let steps = [("video", 3), ("view", 6), ("click", 2), ("chat", 0), ("order", 0)];
    assert_eq!(funnel, steps.map(|(a, b)| (a.to_owned(), b)));
    // Thirty days ending today, empty days included.
    let days = o["days"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(o["to"], days[29]["day"]);
    assert_eq!(days[29]["views"], 6);
    assert_eq!(days[28]["views"], 0);
    assert_eq!(
        o["top_products"],
        json!([{"id": s.id, "title": "Ankara wrap dress", "code": s.code, "views": 3, "clicks": 2}])
    );
    // The rollups agree with the raw events they count, kind by kind and product by product.
    let raw = block_on(app.sql.query(Stmt::new(
        "SELECT kind, COALESCE(product_id, '') AS product, COUNT(*) AS n FROM events GROUP BY 1, 2 ORDER BY 1, 2",
    )))
    .unwrap();
    let rolled = block_on(app.sql.query(Stmt::new(
        "SELECT kind, product_id AS product, SUM(events) AS n FROM daily_stats \
         WHERE product_id <> '*' AND kind NOT IN ('view', 'video') GROUP BY 1, 2 ORDER BY 1, 2",
    )))
    .unwrap();
    assert_eq!(raw, rolled);
    assert_eq!(raw.iter().map(|r| r["n"].as_i64().unwrap()).sum::<i64>(), 9, "8 buyers' events and a preview");
}

#[test]
fn a_view_of_a_product_that_is_gone_counts_nowhere_and_audits_are_no_buyers() {
    let app = TestApp::new();
    let s = shop(&app, "gone");
    let page = format!("/s/gone/{}", s.slug);
    assert_eq!(visit(&app, &page, "203.0.113.1", PHONE_UA, None, None).status, 200);
    // A crawler, Lighthouse and a script read the page: previews, not views.
    let lighthouse =
        "Mozilla/5.0 (Linux; Android 11) AppleWebKit/537.36 Chrome/136.0 Mobile Safari/537.36 Chrome-Lighthouse";
    for ua in [lighthouse, "curl/8.5.0", ""] {
        assert_eq!(visit(&app, &page, "192.0.2.1", ua, None, None).status, 200);
    }
    let r = app.post(&format!("/api/v1/products/{}/unpublish", s.id), Some(&s.token), &json!({}));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    // Written late (as Workers write it, after the answer): the product is no longer published.
    let late = Event::new(
        &seller_id(&app, &s.token),
        Kind::ProductView,
        Subject::Slug(&s.slug),
        &Visit { user_agent: PHONE_UA, client: Some("203.0.113.2"), ..Default::default() },
        app.sys.now_ms(),
    );
    block_on(record(&app.sql, &app.sys, &late)).unwrap();
    let t = read(&app, &s.token, "/api/v1/analytics/overview")["totals"].clone();
    assert_eq!((t["product_views"].as_u64(), t["store_views"].as_u64()), (Some(1), Some(0)), "{t}");
    assert_eq!((t["visitors"].as_u64(), t["previews"].as_u64()), (Some(1), Some(3)), "{t}");
    let p = read(&app, &s.token, &format!("/api/v1/analytics/products/{}", s.id));
    assert_eq!((p["totals"]["views"].as_u64(), p["totals"]["visitors"].as_u64()), (Some(1), Some(1)), "{p}");
}

#[test]
fn an_event_written_after_its_day_is_swept_makes_no_new_salt() {
    let app = TestApp::new();
    let s = shop(&app, "latewrite");
    let seller = seller_id(&app, &s.token);
    let at = app.sys.now_ms();
    let event = |client| {
        Event::new(
            &seller,
            Kind::StoreView,
            Subject::Store,
            &Visit { user_agent: PHONE_UA, client: Some(client), ..Default::default() },
            at,
        )
    };
    block_on(record(&app.sql, &app.sys, &event("203.0.113.1"))).unwrap();
    app.sys.advance_ms(DAY_MS);
    block_on(sweep(&app.sql, &app.sys)).unwrap();
    // Yesterday's event arrives after the sweep deleted yesterday's salt.
    block_on(record(&app.sql, &app.sys, &event("203.0.113.9"))).unwrap();
    let salts = block_on(app.sql.query(Stmt::new("SELECT day FROM analytics_salts"))).unwrap();
    assert!(salts.is_empty(), "a past day's salt is never made again: {salts:?}");
    let rows = block_on(app.sql.query(Stmt::new("SELECT visitor FROM events ORDER BY id"))).unwrap();
    assert_eq!(rows.len(), 2, "the event itself is kept");
    assert!(rows[0]["visitor"].is_string() && rows[1]["visitor"].is_null(), "{rows:?}");
}

#[test]
fn no_address_is_stored_and_a_visitor_is_a_new_one_the_next_day() {
    let app = TestApp::new();
    let s = shop(&app, "unseen");
    let store = "/s/unseen";
    visit(&app, store, "203.0.113.1", PHONE_UA, None, None);
    visit(&app, store, "203.0.113.1", PHONE_UA, None, None);
    app.sys.advance_ms(DAY_MS);
    visit(&app, store, "203.0.113.1", PHONE_UA, None, None);
    let rows = block_on(app.sql.query(Stmt::new("SELECT * FROM events ORDER BY id"))).unwrap();
    assert_eq!(rows.len(), 3);
    for row in &rows {
        let all = serde_json::to_string(row).unwrap();
        assert!(!all.contains("203.0.113") && !all.contains("Pixel"), "no address or user agent kept: {all}");
    }
    let hash = |i: usize| rows[i]["visitor"].as_str().unwrap().to_owned();
    assert_eq!(hash(0), hash(1), "the same buyer on one day");
    assert_ne!(hash(1), hash(2), "the next day's salt makes another hash");
    let o = read(&app, &s.token, "/api/v1/analytics/overview");
    let days = o["days"].as_array().unwrap();
    assert_eq!((days[28]["views"].as_u64(), days[28]["visitors"].as_u64()), (Some(2), Some(1)));
    assert_eq!((days[29]["views"].as_u64(), days[29]["visitors"].as_u64()), (Some(1), Some(1)));
    assert_eq!(o["totals"]["visitors"], 2);
}

#[test]
fn the_sweep_drops_past_salts_and_old_raw_events_but_keeps_the_rollups() {
    let app = TestApp::new();
    let s = shop(&app, "retention");
    visit(&app, "/s/retention", "203.0.113.1", PHONE_UA, None, None);
    let past_salt = Stmt::new("INSERT OR IGNORE INTO analytics_salts (day, salt) VALUES ('2026-01-01', 'old')");
    block_on(app.sql.execute(past_salt)).unwrap();
    let report = block_on(sweep(&app.sql, &app.sys)).unwrap();
    assert_eq!((report.analytics_salts, report.old_events), (1, 0), "today's event stays");
    let salts = block_on(app.sql.query(Stmt::new("SELECT day FROM analytics_salts WHERE day = '2026-01-01'"))).unwrap();
    assert!(salts.is_empty());
    let first_day = read(&app, &s.token, "/api/v1/analytics/overview")["to"].as_str().unwrap().to_owned();
    app.sys.advance_ms(91 * DAY_MS);
    let report = block_on(sweep(&app.sql, &app.sys)).unwrap();
    assert_eq!(report.old_events, 1);
    // The session has expired meanwhile.
    let login = json!({"email": "retention@example.com", "password": "long enough pw"});
    let token = app.post("/api/v1/auth/login", None, &login).json()["token"].as_str().unwrap().to_owned();
    let o = read(&app, &token, &format!("/api/v1/analytics/overview?from={first_day}&to={first_day}"));
    assert_eq!(o["totals"]["store_views"], 1, "the rollup outlives the raw event: {o}");
    let b = read(&app, &token, &format!("/api/v1/analytics/breakdown?by=device&from={first_day}&to={first_day}"));
    assert_eq!(b["rows"], json!([]), "breakdowns read raw events, kept {} days", b["raw_days_kept"]);
}

#[test]
fn a_product_has_its_own_counts_and_video_and_is_another_sellers_404() {
    let app = TestApp::new();
    let s = shop(&app, "perproduct");
    traffic(&app, &s, "perproduct");
    let p = read(&app, &s.token, &format!("/api/v1/analytics/products/{}", s.id));
    assert_eq!(p["code"], s.code.as_str());
    let t = &p["totals"];
    assert_eq!((t["views"].as_u64(), t["store_views"].as_u64()), (Some(3), Some(0)), "{t}");
    assert_eq!((t["product_views"].as_u64(), t["clicks"].as_u64()), (Some(3), Some(2)));
    assert_eq!(t["from_tiktok"], 1, "one product view came from TikTok's browser");
    assert_eq!(t["visitors"], 3, "three buyers viewed the product");
    assert_eq!(p["funnel"][0], json!({"step": "video", "count": 1}));
    assert!((p["click_through_rate"].as_f64().unwrap() - 0.6667).abs() < 1e-9);
    let other = shop(&app, "otherseller");
    let r = app.get(&format!("/api/v1/analytics/products/{}", s.id), Some(&other.token));
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], "not_found", "an API error is JSON: {}", String::from_utf8_lossy(&r.body));
    // The other seller's store saw nothing of this traffic.
    let o = read(&app, &other.token, "/api/v1/analytics/overview");
    assert_eq!(o["totals"]["views"], 0);
    assert_eq!(o["top_products"], json!([]));
    assert_eq!(app.get("/api/v1/analytics/overview", None).status, 401);
}

#[test]
fn breakdowns_count_by_referrer_country_and_device() {
    let app = TestApp::new();
    let s = shop(&app, "breakdown");
    traffic(&app, &s, "breakdown");
    let rows = |by: &str| read(&app, &s.token, &format!("/api/v1/analytics/breakdown?by={by}"))["rows"].clone();
    assert_eq!(
        rows("referrer"),
        json!([
            {"key": null, "views": 3, "clicks": 0, "visitors": 2},
            {"key": "www.tiktok.com", "views": 2, "clicks": 2, "visitors": 1},
            {"key": "hub.example", "views": 1, "clicks": 0, "visitors": 1},
        ])
    );
    assert_eq!(
        rows("country"),
        json!([
            {"key": "NG", "views": 3, "clicks": 2, "visitors": 1},
            {"key": "GH", "views": 2, "clicks": 0, "visitors": 1},
            {"key": null, "views": 1, "clicks": 0, "visitors": 1},
        ])
    );
    assert_eq!(
        rows("device"),
        json!([
            {"key": "mobile", "views": 4, "clicks": 2, "visitors": 2},
            {"key": "desktop", "views": 2, "clicks": 0, "visitors": 1},
        ])
    );
}

#[test]
fn bad_queries_are_400_with_the_reason() {
    let app = TestApp::new();
    let s = shop(&app, "badquery");
    for (path, says) in [
        ("/api/v1/analytics/breakdown?by=ip", "by must be"),
        ("/api/v1/analytics/breakdown", "by must be"),
        ("/api/v1/analytics/overview?from=2026-02-30", "from must be a date"),
        ("/api/v1/analytics/overview?to=tomorrow", "to must be a date"),
        ("/api/v1/analytics/overview?from=2026-05-02&to=2026-05-01", "not be after"),
        ("/api/v1/analytics/overview?from=2024-01-01&to=2026-01-01", "at most 366 days"),
    ] {
        let r = app.get(path, Some(&s.token));
        assert_eq!(r.status, 400, "{path}");
        let body = r.json();
        assert_eq!(body["error"]["code"], "invalid_query", "{path}");
        assert!(body["error"]["message"].as_str().unwrap().contains(says), "{path}: {body}");
    }
}
