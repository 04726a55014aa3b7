//! The catalog over native ports (real SQLite with FTS5, memory KV): products made from ready
//! jobs, edits with versions, search, bulk actions, export, storefront settings and the cache.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Reply, TestApp};
use linkhub_core::cache;
use linkhub_core::ports::Kv;
use linkhub_testkit::block_on;
use serde_json::{Value, json};

const SERUM: &str = "https://www.tiktok.com/@glowbykemi/video/7301000000000000001";
const ANKARA: &str = "https://www.tiktok.com/@adaeze.fabrics/video/7301000000000000002";

fn ready_job(app: &TestApp, token: &str, url: &str) -> Value {
    let job = app.submit_job(token, url);
    app.step_metadata();
    app.step_all_stages();
    app.job(token, &job)
}

fn make(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app.post("/api/v1/products", Some(token), &body);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

fn patch(app: &TestApp, token: &str, id: &str, if_match: Option<&str>, body: Value) -> Reply {
    let headers: Vec<(&str, &str)> = if_match.map(|m| vec![("if-match", m)]).unwrap_or_default();
    app.call("PATCH", &format!("/api/v1/products/{id}"), Some(token), &headers, Some(&body))
}

fn titles(r: &Reply) -> Vec<String> {
    r.json()["items"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn a_ready_job_becomes_one_published_product_found_by_an_accent_free_word() {
    let app = TestApp::new();
    let token = app.signup("kemi");
    let job = ready_job(&app, &token, SERUM);
    assert_eq!(job["status"], "ready", "{job:#}");
    let product = &job["product"];
    assert_eq!(product["status"], "published", "a title and a price: auto-publish");
    let p = app.get(&format!("/api/v1/products/{}", product["id"].as_str().unwrap()), Some(&token)).json();
    assert_eq!(p["price"], json!({"amount": "24.99", "currency": "USD"}));
    assert_eq!(p["source"]["job_id"], job["job_id"]);
    assert_eq!(p["images"].as_array().unwrap().len(), 4, "the job's renditions");
    assert!(linkhub_core::products::is_code(p["code"].as_str().unwrap()));
    // Completing again (a retry, a new cover) makes no second product; once deleted, none.
    let job_id = job["job_id"].as_str().unwrap();
    let seller: String = block_on(linkhub_core::ports::Sql::query(
        &app.sql,
        linkhub_core::ports::Stmt::new("SELECT seller_id FROM jobs WHERE id = ?").bind(job_id),
    ))
    .unwrap()[0]["seller_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let complete_again = || {
        let reopen =
            linkhub_core::ports::Stmt::new("UPDATE jobs SET status = 'metadata_ready' WHERE id = ?").bind(job_id);
        block_on(linkhub_core::ports::Sql::execute(&app.sql, reopen)).unwrap();
        assert!(block_on(linkhub_core::stages::complete(&app.sql, &app.sys, job_id, &seller)).unwrap());
    };
    complete_again();
    assert_eq!(app.get("/api/v1/products", Some(&token)).json()["items"].as_array().unwrap().len(), 1);
    assert_eq!(titles(&app.get("/api/v1/products?q=vitam", Some(&token))).len(), 1, "a prefix as the seller types");
    let pid = product["id"].as_str().unwrap();
    assert_eq!(app.call("DELETE", &format!("/api/v1/products/{pid}"), Some(&token), &[], None).status, 204);
    complete_again();
    let left = app.get("/api/v1/products", Some(&token)).json();
    assert!(left["items"].as_array().unwrap().is_empty(), "a deleted product stays deleted: {left:#}");
    // A word with its accent taken off.
    make(&app, &token, json!({"title": "Suéter de lã", "price": {"amount": "120", "currency": "BRL"}}));
    let found = app.get("/api/v1/products?q=sueter", Some(&token));
    assert_eq!(titles(&found), vec!["Suéter de lã"]);
    // The same link again is a duplicate job: no product.
    let dup = app.submit(&token, SERUM).json();
    assert_eq!(dup["status"], "ready");
    assert_eq!(app.get("/api/v1/products", Some(&token)).json()["items"].as_array().unwrap().len(), 1);
}

#[test]
fn with_auto_publish_off_a_new_product_stays_a_draft_and_says_why() {
    let app = TestApp::new();
    let token = app.signup("ada");
    let r = app.call("PATCH", "/api/v1/storefront", Some(&token), &[], Some(&json!({"auto_publish": false})));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let job = ready_job(&app, &token, ANKARA);
    let p = app.get(&format!("/api/v1/products/{}", job["product"]["id"].as_str().unwrap()), Some(&token)).json();
    assert_eq!((p["status"].as_str(), p["status_reason"].as_str()), (Some("draft"), Some("auto_publish_off")));
    let no_price = make(&app, &token, json!({"title": "Gele"}));
    assert_eq!(no_price["status_reason"], "no_price");
    let refused =
        app.post(&format!("/api/v1/products/{}/publish", no_price["id"].as_str().unwrap()), Some(&token), &json!({}));
    assert_eq!((refused.status, refused.json()["error"]["fields"][0]["path"].as_str()), (422, Some("price")));
}

#[test]
fn edits_carry_versions_and_a_stale_if_match_is_refused() {
    let app = TestApp::new();
    let token = app.signup("edits");
    let p = make(&app, &token, json!({"title": "Ankara wax", "price": {"amount": "15000", "currency": "NGN"}}));
    let id = p["id"].as_str().unwrap();
    let first = app.get(&format!("/api/v1/products/{id}"), Some(&token));
    let etag = first.headers["etag"].to_str().unwrap().to_owned();
    let ok = patch(
        &app,
        &token,
        id,
        Some(&etag),
        json!({"price": {"amount": "14500.50", "currency": "NGN"}, "tags": ["Ankara"]}),
    );
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    assert_eq!(ok.json()["price"]["amount"], "14500.5");
    assert_ne!(ok.headers["etag"].to_str().unwrap(), etag);
    // A compare-at price is checked against the price the product will have.
    let below = patch(&app, &token, id, None, json!({"compare_at_price": {"amount": "100", "currency": "NGN"}}));
    assert_eq!(
        (below.status, below.json()["error"]["fields"][0]["path"].as_str()),
        (422, Some("compare_at_price.amount"))
    );
    let stale = patch(&app, &token, id, Some(&etag), json!({"title": "Lost update"}));
    assert_eq!((stale.status, stale.code().as_str()), (412, "precondition_failed"));
    assert_eq!(app.get(&format!("/api/v1/products/{id}"), Some(&token)).json()["title"], "Ankara wax");
    let invalid = patch(
        &app,
        &token,
        id,
        None,
        json!({"price": {"amount": "1.23456", "currency": "NGN"}, "tags": ["a", "b", "c", ""]}),
    );
    assert_eq!(invalid.status, 422);
    let body = invalid.json();
    let paths: Vec<&str> =
        body["error"]["fields"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, vec!["price.amount", "tags[3]"]);
}

#[test]
fn another_sellers_product_is_not_found_on_every_route() {
    let app = TestApp::new();
    let owner = app.signup("owner");
    let other = app.signup("other");
    let p = make(&app, &owner, json!({"title": "Mine", "price": {"amount": "5", "currency": "KES"}}));
    let id = p["id"].as_str().unwrap();
    for (method, path) in [
        ("GET", format!("/api/v1/products/{id}")),
        ("PATCH", format!("/api/v1/products/{id}")),
        ("DELETE", format!("/api/v1/products/{id}")),
        ("POST", format!("/api/v1/products/{id}/publish")),
        ("POST", format!("/api/v1/products/{id}/unpublish")),
        ("POST", format!("/api/v1/products/{id}/images")),
    ] {
        let body = (method == "PATCH").then(|| json!({"title": "Theirs"}));
        let r = app.call(method, &path, Some(&other), &[], body.as_ref());
        assert_eq!((r.status, r.code().as_str()), (404, "not_found"), "{method} {path}");
    }
    let bulk = app.post("/api/v1/products/bulk", Some(&other), &json!({"ids": [id], "action": "delete"})).json();
    assert_eq!(bulk["skipped"][0]["reason"], "not_found");
    assert!(app.get("/api/v1/products?q=mine", Some(&other)).json()["items"].as_array().unwrap().is_empty());
    assert_eq!(app.get(&format!("/api/v1/products/{id}"), Some(&owner)).json()["title"], "Mine");
}

#[test]
fn search_filters_sorts_and_pages_without_repeats() {
    let app = TestApp::new();
    let token = app.signup("cafe_shop");
    for (i, (title, price, cat)) in [
        ("Café moído 500g", "32", "Food, Beverages & Tobacco"),
        ("Caneca de café", "45", "Home & Garden"),
        ("Cafeteira italiana", "120", "Home & Garden"),
        ("Chá verde", "18", "Food, Beverages & Tobacco"),
        ("Cadeira de praia", "200", "Furniture"),
        ("Moedor manual", "90", "Home & Garden"),
    ]
    .iter()
    .enumerate()
    {
        app.sys.advance_ms(1000);
        let tags = if i % 2 == 0 { json!(["promo"]) } else { json!([]) };
        let description = if title.starts_with("Moedor") { "Perfeito para café em grão" } else { "" };
        make(
            &app,
            &token,
            json!({"title": title, "description": description, "price": {"amount": price, "currency": "BRL"}, "category": cat, "tags": tags}),
        );
    }
    let get = |q: &str| app.get(&format!("/api/v1/products?{q}"), Some(&token));
    // `cafe` folds to café; a title match outranks a description match; a trailing space ends
    // the prefix.
    let exact = titles(&get("q=cafe%20"));
    assert_eq!(exact.len(), 3, "{exact:?}");
    assert_eq!(exact[2], "Moedor manual", "{exact:?}");
    assert_eq!(titles(&get("q=cafe")).len(), 4, "the last word is a prefix: cafeteira too");
    assert_eq!(titles(&get("q=ca")).len(), 5);
    assert_eq!(titles(&get("q=cafe%20de")), vec!["Caneca de café"]);
    assert_eq!(
        titles(&get("q=caf&category=Home%20%26%20Garden&sort=price_asc")),
        vec!["Caneca de café", "Moedor manual", "Cafeteira italiana"]
    );
    assert_eq!(
        titles(&get("min_price=40&max_price=150&sort=price_desc")),
        vec!["Cafeteira italiana", "Moedor manual", "Caneca de café"]
    );
    assert_eq!(
        titles(&get("tag=promo&sort=newest")),
        vec!["Cadeira de praia", "Cafeteira italiana", "Café moído 500g"]
    );
    for q in ["limit=2&sort=newest", "limit=2&sort=price_asc", "limit=2&q=ca", "limit=1&sort=price_desc"] {
        let mut seen: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("{q}&cursor={c}"),
                None => q.to_owned(),
            };
            let page = get(&path).json();
            for p in page["items"].as_array().unwrap() {
                let t = p["title"].as_str().unwrap().to_owned();
                assert!(!seen.contains(&t), "{q}: {t} twice");
                seen.push(t);
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let want = if q.contains("q=ca") { 5 } else { 6 };
        assert_eq!(seen.len(), want, "{q}: {seen:?}");
    }
    // The seller's own id is a token of the index; typing its first letters finds nothing.
    assert!(titles(&get("q=sel")).is_empty(), "{:?}", titles(&get("q=sel")));
    assert_eq!(get("sort=cheapest").code(), "invalid_sort");
    assert_eq!(get("cursor=zzz").code(), "invalid_cursor");
    assert_eq!(get("q=%22%20OR%20owner%20%3A%20*").status, 200, "FTS syntax in the query is only words");
}

#[test]
fn bulk_actions_chunk_past_the_bound_parameter_limit_and_answer_every_id() {
    let app = TestApp::new();
    let token = app.signup("bulky");
    let mut ids: Vec<String> = Vec::new();
    for i in 0..150 {
        let price = if i == 7 { Value::Null } else { json!({"amount": "10", "currency": "IDR"}) };
        let p = make(&app, &token, json!({"title": format!("Batik {i}"), "price": price, "status": "draft"}));
        ids.push(p["id"].as_str().unwrap().to_owned());
    }
    ids.push("prd_missing".into());
    let r = app.post("/api/v1/products/bulk", Some(&token), &json!({"ids": ids, "action": "publish"}));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let b = r.json();
    assert_eq!(b["changed"].as_array().unwrap().len(), 149);
    let skipped: Vec<(String, String)> = b["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap().to_owned(), s["reason"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(skipped, vec![(ids[7].clone(), "no_price".into()), ("prd_missing".into(), "not_found".into())]);
    let published = app.get("/api/v1/products?status=published&limit=100", Some(&token)).json();
    assert_eq!(published["items"].as_array().unwrap().len(), 100);
    let archived = app.post("/api/v1/products/bulk", Some(&token), &json!({"ids": ids, "action": "archive"})).json();
    assert_eq!(archived["changed"].as_array().unwrap().len(), 150);
    let deleted = app.post("/api/v1/products/bulk", Some(&token), &json!({"ids": ids, "action": "delete"})).json();
    assert_eq!(deleted["changed"].as_array().unwrap().len(), 150);
    assert!(
        app.get("/api/v1/products?q=batik", Some(&token)).json()["items"].as_array().unwrap().is_empty(),
        "the index follows deletes"
    );
}

#[test]
fn the_export_neutralises_formulas() {
    let app = TestApp::new();
    let token = app.signup("csvshop");
    make(
        &app,
        &token,
        json!({"title": "=HYPERLINK(\"http://evil.example\",\"x\")", "description": "+1 shipping, \"fast\""}),
    );
    let r = app.get("/api/v1/products/export.csv", Some(&token));
    assert_eq!(r.status, 200);
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = String::from_utf8(r.body).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(lines[0].starts_with("id,code,slug,title,status"));
    assert!(lines[1].contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""), "{}", lines[1]);
    assert!(lines[1].contains("\"'+1 shipping, \"\"fast\"\"\""), "{}", lines[1]);
}

#[test]
fn storefront_settings_are_validated_field_by_field() {
    let app = TestApp::new();
    let token = app.signup("mama_ada");
    app.signup("taken_one");
    let bad = app.call(
        "PATCH",
        "/api/v1/storefront",
        Some(&token),
        &[],
        Some(&json!({"whatsapp": "0803 555", "currency": "NAIRA", "language": "xx", "accent_color": "teal", "handle": "admin"})),
    );
    assert_eq!(bad.status, 422);
    let mut paths: Vec<String> = bad.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    paths.sort();
    assert_eq!(paths, vec!["accent_color", "currency", "handle", "language", "whatsapp"]);
    let taken = app.call("PATCH", "/api/v1/storefront", Some(&token), &[], Some(&json!({"handle": "taken_one"})));
    assert_eq!((taken.status, taken.code().as_str()), (409, "handle_taken"));
    let ok = app.call(
        "PATCH",
        "/api/v1/storefront",
        Some(&token),
        &[],
        Some(&json!({"whatsapp": "+234 803 555 0199", "currency": "ngn", "language": "pt", "handle": "ada_fabrics", "display_name": "Ada Fabrics"})),
    );
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    let s = app.get("/api/v1/storefront", Some(&token)).json();
    assert_eq!(
        (s["whatsapp"].as_str(), s["currency"].as_str(), s["handle"].as_str()),
        (Some("+2348035550199"), Some("NGN"), Some("ada_fabrics"))
    );
    assert_eq!(app.get("/api/v1/auth/me", Some(&token)).json()["handle"], "ada_fabrics");
    let r = app.post(
        "/api/v1/auth/signup",
        None,
        &json!({"email": "x@example.com", "password": "long enough pw", "handle": "whatsapp"}),
    );
    assert_eq!((r.status, r.code().as_str()), (400, "reserved_handle"));
}

#[test]
fn public_reads_come_from_memory_then_kv_then_sql_and_follow_the_sellers_writes() {
    cache::clear_memory();
    let app = TestApp::new();
    let token = app.signup("cached");
    let p = make(&app, &token, json!({"title": "Kente scarf", "price": {"amount": "80", "currency": "GHS"}}));
    let (id, code) = (p["id"].as_str().unwrap().to_owned(), p["code"].as_str().unwrap().to_owned());
    let read = || {
        let r = app.get(&format!("/api/v1/public/products/{code}"), None);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        (r.headers["x-cache"].to_str().unwrap().to_owned(), r.json()["title"].as_str().unwrap().to_owned())
    };
    assert_eq!(read(), ("sql".into(), "Kente scarf".into()));
    assert_eq!(read(), ("memory".into(), "Kente scarf".into()));
    cache::clear_memory();
    assert_eq!(read().0, "kv", "another isolate finds it in KV");
    // The seller's write bumps the catalog version: the next read is fresh, never stale.
    assert_eq!(patch(&app, &token, &id, None, json!({"title": "Kente scarf, gold"})).status, 200);
    assert_eq!(read(), ("sql".into(), "Kente scarf, gold".into()));
    // Unpublished: gone from public reads at once.
    app.post(&format!("/api/v1/products/{id}/unpublish"), Some(&token), &json!({}));
    assert_eq!(app.get(&format!("/api/v1/public/products/{code}"), None).status, 404);
    // Another isolate (memory cleared of the version too) keeps serving what its key names.
    let store = app.get("/api/v1/public/stores/cached", None).json();
    assert!(store["products"].as_array().unwrap().is_empty());
    assert!(block_on(app.kv.get(&format!("code/{code}"))).unwrap().is_some(), "a code's owner is cached");
    assert_eq!(app.get("/api/v1/public/products/BBBBBBB", None).status, 404);
    assert!(block_on(app.kv.get("code/BBBBBBB")).unwrap().is_none(), "an unknown code is not remembered");
}

#[test]
fn an_import_works_through_its_rows_with_overrides_and_a_second_run_skips_them() {
    let app = TestApp::new();
    let token = app.signup("importer");
    let mut csv = String::from("url,title,price,currency\n");
    csv.push_str(&format!("{SERUM},Glow serum 30ml,19.99,USD\n"));
    csv.push_str(&format!("{ANKARA},,,\n"));
    csv.push_str("https://example.com/not-a-video,,,\n");
    for i in 0..25 {
        csv.push_str(&format!("https://www.tiktok.com/@bulk.shop/video/74000000000000{i:05},,,\n"));
    }
    let upload = |csv: &str| {
        app.call_raw(
            "POST",
            "/api/v1/products/import",
            Some(&token),
            &[("content-type", "text/csv")],
            csv.as_bytes().to_vec(),
        )
    };
    let r = upload(&csv);
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let import = r.json();
    let id = import["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (import["total"].as_i64(), import["pending"].as_i64(), import["failed"].as_i64()),
        (Some(28), Some(27), Some(1))
    );
    // Ten rows a run, the message sending itself again while rows are left.
    let mut runs = 0;
    loop {
        let outcomes = app.step_imports();
        if outcomes.is_empty() {
            break;
        }
        assert!(outcomes.iter().all(|o| *o == linkhub_core::stages::StageOutcome::Done), "{outcomes:?}");
        runs += 1;
    }
    assert_eq!(runs, 3);
    for _ in 0..3 {
        app.step_metadata();
        app.step_all_stages();
    }
    let done = app.get(&format!("/api/v1/products/imports/{id}"), Some(&token)).json();
    assert_eq!(
        (done["submitted"].as_i64(), done["failed"].as_i64(), done["pending"].as_i64()),
        (Some(27), Some(1), Some(0)),
        "{done:#}"
    );
    assert_eq!(done["done"], true, "{done:#}");
    assert_eq!(done["rows"][2]["state"], "failed");
    let serum_product = done["rows"][0]["product_id"].as_str().unwrap().to_owned();
    let p = app.get(&format!("/api/v1/products/{serum_product}"), Some(&token)).json();
    assert_eq!(
        (p["title"].as_str(), p["price"]["amount"].as_str()),
        (Some("Glow serum 30ml"), Some("19.99")),
        "the overrides win"
    );
    // The seller edits it; running the file again must not undo the edit.
    assert_eq!(patch(&app, &token, &serum_product, None, json!({"title": "Glow serum, edited"})).status, 200);
    // The same file again: every link is already imported, nothing new is made.
    let again = upload(&csv).json();
    while !app.step_imports().is_empty() {}
    let again = app.get(&format!("/api/v1/products/imports/{}", again["id"].as_str().unwrap()), Some(&token)).json();
    assert_eq!((again["existing"].as_i64(), again["submitted"].as_i64()), (Some(27), Some(0)), "{again:#}");
    let all = app.get("/api/v1/products?limit=100", Some(&token)).json();
    assert_eq!(all["items"].as_array().unwrap().len(), 27);
    let p = app.get(&format!("/api/v1/products/{serum_product}"), Some(&token)).json();
    assert_eq!(p["title"], "Glow serum, edited", "a second run changes nothing");
    // At most three imports work at once per seller.
    for _ in 0..3 {
        assert_eq!(upload(&csv).status, 202);
    }
    let r = upload(&csv);
    assert_eq!((r.status, r.code().as_str()), (409, "too_many_imports"));
    // Another seller cannot read it.
    let other = app.signup("nosy");
    assert_eq!(app.get(&format!("/api/v1/products/imports/{id}"), Some(&other)).status, 404);
}
