//! The catalog as a seller and a buyer meet it: a pasted link becomes a product found by an
//! accent-free word, edited with If-Match, published, archived and exported; public reads come
//! through the two-level cache and follow the seller's writes.

use crate::support::{Hub, cli, unique};
use serde_json::{Value, json};
use std::time::Duration;

const SERUM: &str = "https://www.tiktok.com/@glowbykemi/video/7301000000000000001";

fn patch(hub: &Hub, token: &str, path: &str, if_match: Option<&str>, body: &Value) -> crate::support::Reply {
    let headers: Vec<(&str, &str)> = if_match.map(|m| vec![("if-match", m)]).unwrap_or_default();
    hub.request("PATCH", path, Some(token), &headers, Some(body.to_string().into_bytes()))
}

fn titles(v: &Value) -> Vec<String> {
    v["items"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn a_pasted_link_becomes_a_product_found_edited_published_and_archived() {
    let hub = Hub::from_env();
    let (token, _) = hub.seller();
    let job = hub.submit(&token, SERUM).json();
    let job_id = job["job_id"].as_str().unwrap();
    let job = hub.wait_job(&token, job_id, Duration::from_secs(90), |j| j["status"] == "ready");
    let product_id = job["product"]["id"].as_str().unwrap_or_else(|| panic!("no product: {job:#}")).to_owned();
    assert_eq!(job["product"]["status"], "published");

    // Found by a word of its caption, and a product made by hand by its accent-free word.
    let made = hub.post(
        "/api/v1/products",
        Some(&token),
        &json!({"title": "Suéter tejido a mano", "price": {"amount": "350", "currency": "MXN"}, "tags": ["invierno"]}),
    );
    assert_eq!(made.status, 201, "{}", String::from_utf8_lossy(&made.body));
    assert_eq!(titles(&hub.get("/api/v1/products?q=sueter", Some(&token)).json()), vec!["Suéter tejido a mano"]);
    let serum = hub.get("/api/v1/products?q=seru", Some(&token)).json();
    assert_eq!(serum["items"][0]["id"], product_id.as_str(), "{serum:#}");

    // Edited with If-Match: the ETag read works once, then is stale.
    let path = format!("/api/v1/products/{product_id}");
    let etag = hub.get(&path, Some(&token)).header("etag").unwrap().to_owned();
    let edited =
        patch(&hub, &token, &path, Some(&etag), &json!({"title": "Vitamin C serum 30ml", "availability": "preorder"}));
    assert_eq!(edited.status, 200, "{}", String::from_utf8_lossy(&edited.body));
    let stale = patch(&hub, &token, &path, Some(&etag), &json!({"title": "lost"}));
    assert_eq!((stale.status, stale.error_code().as_str()), (412, "precondition_failed"));
    let invalid =
        patch(&hub, &token, &path, None, &json!({"price": {"amount": "x", "currency": "USD"}, "tags": ["ok", 3]}));
    assert_eq!(invalid.status, 422);
    let fields: Vec<String> = invalid.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, vec!["price.amount", "tags[1]"]);

    // Unpublished, archived in bulk, found by status.
    assert_eq!(hub.post(&format!("{path}/unpublish"), Some(&token), &json!({})).json()["status"], "draft");
    let bulk =
        hub.post("/api/v1/products/bulk", Some(&token), &json!({"ids": [product_id, "prd_nope"], "action": "archive"}));
    assert_eq!(bulk.json()["changed"], json!([product_id]), "{}", String::from_utf8_lossy(&bulk.body));
    let archived = hub.get("/api/v1/products?status=archived", Some(&token)).json();
    assert_eq!(titles(&archived), vec!["Vitamin C serum 30ml"]);

    // Exported, and hidden from another seller.
    let csv = hub.get("/api/v1/products/export.csv", Some(&token));
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert_eq!(String::from_utf8_lossy(&csv.body).lines().count(), 3, "a header and two products");
    let (other, _) = hub.seller();
    assert_eq!(hub.get(&path, Some(&other)).status, 404);
}

#[test]
fn public_reads_come_through_the_cache_and_follow_the_sellers_writes() {
    let hub = Hub::from_env();
    let (token, _) = hub.seller();
    let handle = unique("store");
    let r = patch(&hub, &token, "/api/v1/storefront", None, &json!({"handle": handle, "whatsapp": "+254 712 345 678"}));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let p = hub
        .post(
            "/api/v1/products",
            Some(&token),
            &json!({"title": "Kikoy beach wrap", "price": {"amount": "1200", "currency": "KES"}}),
        )
        .json();
    let code = p["code"].as_str().unwrap();
    let public = format!("/api/v1/public/products/{code}");
    let first = hub.get(&public, None);
    assert_eq!((first.status, first.header("x-cache")), (200, Some("sql")));
    let again = hub.get(&public, None);
    assert!(matches!(again.header("x-cache"), Some("memory" | "kv")), "{:?}", again.header("x-cache"));
    assert!(again.header("cache-control").unwrap().starts_with("public"));
    // The seller's write is seen by the next read.
    let id = p["id"].as_str().unwrap();
    patch(&hub, &token, &format!("/api/v1/products/{id}"), None, &json!({"title": "Kikoy wrap, striped"}));
    assert_eq!(hub.get(&public, None).json()["title"], "Kikoy wrap, striped");
    let store = hub.get(&format!("/api/v1/public/stores/{handle}"), None).json();
    assert_eq!(store["settings"]["whatsapp"], "+254712345678");
    assert_eq!(titles(&json!({"items": store["products"]})), vec!["Kikoy wrap, striped"]);
    hub.post(&format!("/api/v1/products/{id}/unpublish"), Some(&token), &json!({}));
    assert_eq!(hub.get(&public, None).status, 404, "a draft is not public");
}

/// The `linkhub` binary `make test` built beside these tests.
#[test]
fn a_csv_import_through_the_cli_reports_every_row_and_a_second_run_skips_them() {
    let hub = Hub::from_env();
    let (token, _) = hub.seller();
    let key = hub.post("/api/v1/auth/api-keys", Some(&token), &json!({"name": "bulk import"})).json()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    // Generated sandbox videos (`74…`), one with overrides, and a line that is not a TikTok link.
    let seed = unique("");
    let seed: String = seed.chars().filter(char::is_ascii_digit).collect::<String>();
    let base: u64 = 7_400_000_000_000_000_000 + seed.parse::<u64>().unwrap_or(0) % 1_000_000_000 * 1000;
    let mut csv = String::from("url,title,price,currency\n");
    csv.push_str(&format!("https://www.tiktok.com/@bulk.shop/video/{base},Beaded necklace gold,4500,KES\n"));
    for i in 1..12 {
        csv.push_str(&format!("https://www.tiktok.com/@bulk.shop/video/{},,,\n", base + i));
    }
    csv.push_str("https://example.com/not-tiktok,,,\n");
    let file = std::env::temp_dir().join(format!("linkhub-import-{base}.csv"));
    std::fs::write(&file, &csv).unwrap();
    let run = || {
        let out = cli()
            .args(["import", file.to_str().unwrap(), "--hub", &hub.base, "--api-key", &key, "--timeout", "120"])
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, stdout, stderr) = run();
    assert!(!ok, "a failed row makes the command fail: {stdout}{stderr}");
    assert!(stdout.contains("submitted 12  already imported 0  failed 1"), "{stdout}{stderr}");
    assert!(stdout.contains("example.com/not-tiktok"), "{stdout}");
    let (_, again, stderr) = run();
    assert!(again.contains("submitted 0  already imported 12  failed 1"), "{again}{stderr}");
    let found = hub.get("/api/v1/products?q=necklace%20gold", Some(&token)).json();
    assert_eq!(found["items"][0]["price"], json!({"amount": "4500", "currency": "KES"}), "{found:#}");
    assert_eq!(hub.get("/api/v1/products?limit=100", Some(&token)).json()["items"].as_array().unwrap().len(), 12);
}

/// Unpriced products sort last by price, and the cursor that crosses into them survives D1's
/// rows coming through JSON (a placeholder past 2^53 did not).
#[test]
fn pages_sorted_by_price_reach_the_unpriced_products() {
    let hub = Hub::from_env();
    let (token, _) = hub.seller();
    for (title, price) in [
        ("Priced one", Some("10")),
        ("Draft a", None),
        ("Priced two", Some("20")),
        ("Draft b", None),
        ("Draft c", None),
    ] {
        let price = price.map(|p| json!({"amount": p, "currency": "BRL"}));
        let r = hub.post("/api/v1/products", Some(&token), &json!({"title": title, "price": price}));
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    }
    let mut seen: Vec<String> = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = hub.get(&format!("/api/v1/products?sort=price_asc&limit=2{cursor}"), Some(&token)).json();
        seen.extend(titles(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(&seen[..2], ["Priced one", "Priced two"]);
}

/// Polls an upload until it has settled (ready, failed or superseded).
fn wait_upload(hub: &Hub, token: &str, id: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let up = hub.get(&format!("/api/v1/uploads/{id}"), Some(token)).json();
        if up["state"] != "processing" {
            return up;
        }
        assert!(std::time::Instant::now() < deadline, "the upload is still processing: {up:#}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn an_uploaded_photo_and_avatar_are_rendered_served_and_shown_publicly() {
    let hub = Hub::from_env();
    let (token, _) = hub.seller();
    let handle = hub.get("/api/v1/storefront", Some(&token)).json()["handle"].as_str().unwrap().to_owned();
    let made = hub.post(
        "/api/v1/products",
        Some(&token),
        &json!({"title": "Ankara wrap dress", "price": {"amount": "15000", "currency": "NGN"}}),
    );
    assert_eq!(made.status, 201, "{}", String::from_utf8_lossy(&made.body));
    let product = made.json();
    let id = product["id"].as_str().unwrap();
    let photo = std::fs::read(format!("{}/cover-720x1280.jpg", crate::support::PHOTOS)).unwrap();

    let path = format!("/api/v1/products/{id}/images");
    let r = hub.request("POST", &path, Some(&token), &[("content-type", "image/png")], Some(photo.clone()));
    assert_eq!((r.status, r.error_code().as_str()), (415, "unsupported_image"));
    let r = hub.request("POST", &path, Some(&token), &[("content-type", "image/jpeg")], Some(photo.clone()));
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let up_id = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.header("location"), Some(format!("/api/v1/uploads/{up_id}").as_str()));
    let up = wait_upload(&hub, &token, &up_id);
    assert_eq!(up["state"], "ready", "{up:#}");
    assert_eq!(up["images"].as_array().unwrap().len(), 4);

    let p = hub.get(&format!("/api/v1/products/{id}"), Some(&token)).json();
    assert_eq!(p["images"], up["images"]);
    let formats = p["images"][3]["formats"].as_array().unwrap();
    let webp = formats.iter().find(|f| f["format"] == "webp").unwrap()["url"].as_str().unwrap();
    let media = hub.get(webp, None);
    assert_eq!(media.status, 200);
    assert_eq!(media.header("content-type"), Some("image/webp"));
    let size = imagesize::blob_size(&media.body).unwrap();
    assert_eq!((size.width, size.height), (1200, 630));
    let code = p["code"].as_str().unwrap();
    assert_eq!(hub.get(&format!("/api/v1/public/products/{code}"), None).json()["images"], p["images"]);

    let r =
        hub.request("POST", "/api/v1/storefront/avatar", Some(&token), &[("content-type", "image/jpeg")], Some(photo));
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let avatar = wait_upload(&hub, &token, r.json()["id"].as_str().unwrap());
    assert_eq!(avatar["state"], "ready", "{avatar:#}");
    let store = hub.get(&format!("/api/v1/public/stores/{handle}"), None).json();
    let names: Vec<&str> =
        store["settings"]["avatar"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["square-150", "square-320"], "{store:#}");
}
