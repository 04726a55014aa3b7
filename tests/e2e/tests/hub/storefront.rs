//! The storefront as a buyer meets it, through the gateway on the real runtime: a published
//! product's page with its share image, price, Open Graph tags and JSON-LD; "Order on WhatsApp"
//! answering 302 to wa.me with the code; the QR code; 304 on a repeat; HTML 404s.

use crate::support::Hub;
use serde_json::{Value, json};
use std::time::Duration;

const SERUM: &str = "https://www.tiktok.com/@glowbykemi/video/7301000000000000001";

fn text(r: &crate::support::Reply) -> String {
    String::from_utf8(r.body.clone()).unwrap()
}

fn meta(html: &str, property: &str) -> Option<String> {
    let key = format!("property=\"{property}\" content=\"");
    let start = html.find(&key)? + key.len();
    Some(html[start..start + html[start..].find('"')?].to_owned())
}

#[test]
fn a_published_products_page_sells_it_and_its_button_reaches_whatsapp() {
    let hub = Hub::from_env();
    let (token, _) = hub.seller();
    let r = hub.request(
        "PATCH",
        "/api/v1/storefront",
        Some(&token),
        &[],
        Some(json!({"whatsapp": "+2348012345678", "display_name": "Glow by Kemi"}).to_string().into_bytes()),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let handle = r.json()["handle"].as_str().unwrap().to_owned();
    let job = hub.submit(&token, SERUM).json();
    let job =
        hub.wait_job(&token, job["job_id"].as_str().unwrap(), Duration::from_secs(90), |j| j["status"] == "ready");
    let id = job["product"]["id"].as_str().unwrap_or_else(|| panic!("no product: {job:#}"));
    let p: Value = hub.get(&format!("/api/v1/products/{id}"), Some(&token)).json();
    let (slug, code) = (p["slug"].as_str().unwrap(), p["code"].as_str().unwrap());

    let path = format!("/s/{handle}/{slug}");
    let r = hub.get(&path, None);
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let html = text(&r);
    assert!(html.contains("$24.99"), "the price");
    let image = meta(&html, "og:image").unwrap();
    assert!(image.starts_with("http://127.0.0.1:") && image.contains("/share-1200x630"), "{image}");
    assert_eq!(meta(&html, "product:price:amount").as_deref(), Some("24.99"));
    let ld_start = html.find("<script type=\"application/ld+json\">").unwrap() + 35;
    let ld: Value =
        serde_json::from_str(&html[ld_start..ld_start + html[ld_start..].find("</script>").unwrap()]).unwrap();
    assert_eq!((ld["@type"].as_str(), ld["sku"].as_str()), (Some("Product"), Some(code)));
    assert_eq!(ld["offers"]["priceCurrency"], "USD");
    // The share image it names is served.
    let share = hub.get(image.trim_start_matches(&hub.base), None);
    assert_eq!(share.status, 200);
    let size = imagesize::blob_size(&share.body).unwrap();
    assert_eq!((size.width, size.height), (1200, 630));

    // The same page again, with its ETag: 304.
    let etag = r.header("etag").unwrap().to_owned();
    let again = hub.request("GET", &path, None, &[("if-none-match", &etag)], None);
    assert_eq!(again.status, 304);

    let go = hub.request("GET", &format!("/go/{code}"), None, &[("user-agent", "Mozilla/5.0 (iPhone) Mobile")], None);
    assert_eq!(go.status, 302);
    let location = go.header("location").unwrap();
    assert!(location.starts_with("https://wa.me/2348012345678?text="), "{location}");
    assert!(location.ends_with(&format!("%5B{code}%5D")), "{location}");

    let qr = hub.get(&format!("{path}/qr.svg"), None);
    assert_eq!((qr.status, qr.header("content-type")), (200, Some("image/svg+xml")));

    // The Meta catalog feed lists it by its code.
    let feed = hub.get(&format!("/feeds/{handle}/meta.csv"), None);
    assert_eq!((feed.status, feed.header("content-type")), (200, Some("text/csv; charset=utf-8")));
    let feed = text(&feed);
    assert!(feed.starts_with("id,title,description,availability,condition,price,"), "{feed}");
    assert!(feed.lines().nth(1).unwrap().starts_with(&format!("{code},")), "{feed}");
    let xml = hub.get(&format!("/feeds/{handle}/meta.xml"), None);
    assert_eq!(xml.status, 200);
    assert!(text(&xml).contains(&format!("<g:id>{code}</g:id>")));

    let store = text(&hub.get(&format!("/s/{handle}"), None));
    assert!(store.contains(&format!("href=\"{path}\"")), "the store lists it");

    for missing in [format!("/s/{handle}/no-such-thing"), "/s/no-such-seller-here".to_owned(), "/go/ZZZZZZZ".to_owned()]
    {
        let r = hub.get(&missing, None);
        assert_eq!((r.status, r.header("content-type")), (404, Some("text/html; charset=utf-8")), "{missing}");
    }

    // The seller sees it all in the analytics: the page view and its revalidation, the store
    // view and the click, by one visitor (the gateway passes the platform's client address on,
    // hashed with the day's salt). Workers write events after answering (`waitUntil`): the
    // last may land a moment after its redirect.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let o = loop {
        let o: Value = hub.get("/api/v1/analytics/overview", Some(&token)).json();
        if o["totals"]["clicks"] == 1 && o["totals"]["product_views"] == 2 || std::time::Instant::now() > deadline {
            break o;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let t = &o["totals"];
    assert_eq!(
        (t["product_views"].as_u64(), t["store_views"].as_u64(), t["clicks"].as_u64()),
        (Some(2), Some(1), Some(1)),
        "{o:#}"
    );
    assert_eq!(t["visitors"], 1, "{o:#}");
    assert_eq!(o["top_products"][0]["code"], code);
    let p: Value = hub.get(&format!("/api/v1/analytics/products/{id}"), Some(&token)).json();
    assert_eq!(p["totals"]["clicks"], 1, "{p:#}");
    let b: Value = hub.get("/api/v1/analytics/breakdown?by=device", Some(&token)).json();
    let mobile = b["rows"].as_array().unwrap().iter().find(|r| r["key"] == "mobile");
    assert_eq!(mobile.map(|r| r["clicks"].clone()), Some(json!(1)), "the iPhone's click: {b:#}");
}
