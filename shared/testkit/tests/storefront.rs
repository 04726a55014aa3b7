//! The public storefront over native ports (real SQLite, memory KV): the seller's page and a
//! product's page as buyers get them (head tags, JSON-LD, prices in the storefront's language),
//! escaping of everything a seller writes, HTML 404s, ETags, the in-app browser, QR codes and
//! the click-to-chat redirect with its recorded clicks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Reply, TestApp};
use linkhub_core::ports::{Sql, Stmt};
use linkhub_testkit::block_on;
use serde_json::{Value, json};

const PHONE_UA: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36";
const TIKTOK_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 musical_ly_32.9.0 BytedanceWebview/d8a21c6";

fn product(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app.post("/api/v1/products", Some(token), &body);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

fn settings(app: &TestApp, token: &str, body: Value) {
    let r = app.call("PATCH", "/api/v1/storefront", Some(token), &[], Some(&body));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

fn page(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Reply {
    app.call_raw("GET", path, None, headers, Vec::new())
}

fn text(r: &Reply) -> String {
    String::from_utf8(r.body.clone()).unwrap()
}

/// The JSON-LD of a page, parsed.
fn json_ld(html: &str) -> Value {
    let start = html.find("<script type=\"application/ld+json\">").expect("JSON-LD") + 35;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

fn meta(html: &str, property: &str) -> Option<String> {
    let key = format!("property=\"{property}\" content=\"");
    let start = html.find(&key)? + key.len();
    Some(html[start..start + html[start..].find('"')?].to_owned())
}

fn shop(app: &TestApp, handle: &str) -> String {
    let token = app.signup(handle);
    settings(
        app,
        &token,
        json!({"display_name": "Adaeze Fabrics", "bio": "Ankara from Lagos", "whatsapp": "+234 801 234 5678"}),
    );
    token
}

#[test]
fn the_store_page_lists_published_products_with_chips_search_and_pages() {
    let app = TestApp::new();
    let token = shop(&app, "adaeze");
    for i in 0..63 {
        let category = if i % 3 == 0 { "Home & Garden" } else { "Apparel & Accessories" };
        product(
            &app,
            &token,
            json!({"title": format!("Ankara wrap {i:02}"), "price": {"amount": "15000", "currency": "NGN"}, "category": category}),
        );
    }
    product(&app, &token, json!({"title": "Draft without a price"}));
    let first = page(&app, "/s/adaeze", &[("user-agent", PHONE_UA)]);
    assert_eq!(first.status, 200);
    assert_eq!(first.headers["content-type"], "text/html; charset=utf-8");
    let html = text(&first);
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\" dir=\"ltr\">"), "{}", &html[..80]);
    assert!(html.contains("<h1 dir=\"auto\">Adaeze Fabrics</h1>") && html.contains("Ankara from Lagos"));
    assert_eq!(html.matches("<li class=\"card\">").count(), 60, "a page of 60");
    assert!(html.contains("₦15,000"), "prices written for English");
    assert!(!html.contains("Draft without a price"), "drafts are not public");
    assert!(html.contains("Apparel &amp; Accessories (42)") && html.contains("Home &amp; Garden (21)"), "chips");
    let next = html.split("rel=\"next\"").next().unwrap().rsplit("href=\"").next().unwrap().split('"').next().unwrap();
    let next = next.replace("&amp;", "&");
    assert!(next.starts_with("/s/adaeze?cursor="), "{next}");
    let second = text(&page(&app, &next, &[]));
    assert_eq!(second.matches("<li class=\"card\">").count(), 3, "the rest on page two");
    // The search box is a plain GET form answered by the catalog's search.
    assert!(html.contains("<form class=\"s\" method=\"get\" action=\"/s/adaeze\" role=\"search\">"));
    let found = text(&page(&app, "/s/adaeze?q=wrap+07", &[]));
    assert!(found.contains("Ankara wrap 07"), "{found}");
    let home = text(&page(&app, "/s/adaeze?category=Home+%26+Garden", &[]));
    assert_eq!(home.matches("<li class=\"card\">").count(), 21);
    let none = text(&page(&app, "/s/adaeze?q=zzzz", &[]));
    assert!(none.contains("Nothing matches your search."));
}

#[test]
fn a_product_page_carries_open_graph_json_ld_and_the_order_button() {
    let app = TestApp::new();
    let token = app.signup("kemi");
    settings(&app, &token, json!({"whatsapp": "+2348012345678", "display_name": "Glow by Kemi"}));
    let job = app.submit_job(&token, "https://www.tiktok.com/@glowbykemi/video/7301000000000000001");
    app.step_metadata();
    app.step_all_stages();
    let id = app.job(&token, &job)["product"]["id"].as_str().unwrap().to_owned();
    let p = app
        .call(
            "PATCH",
            &format!("/api/v1/products/{id}"),
            Some(&token),
            &[],
            Some(&json!({"compare_at_price": {"amount": "30", "currency": "USD"}})),
        )
        .json();
    let (slug, code) = (p["slug"].as_str().unwrap(), p["code"].as_str().unwrap());

    let r = page(&app, &format!("/s/kemi/{slug}"), &[("host", "shop.example"), ("user-agent", PHONE_UA)]);
    assert_eq!(r.status, 200);
    let html = text(&r);
    let url = format!("http://shop.example/s/kemi/{slug}");
    assert!(html.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")), "{html}");
    assert_eq!(meta(&html, "og:type").as_deref(), Some("product"));
    let image = meta(&html, "og:image").unwrap();
    assert!(image.starts_with("http://shop.example/media/") && image.contains("/share-1200x630"), "{image}");
    assert_eq!(
        (meta(&html, "og:image:width").as_deref(), meta(&html, "og:image:height").as_deref()),
        (Some("1200"), Some("630"))
    );
    assert_eq!(meta(&html, "product:price:amount").as_deref(), Some("24.99"));
    assert_eq!(meta(&html, "product:price:currency").as_deref(), Some("USD"));
    assert!(html.contains("<meta name=\"twitter:card\" content=\"summary_large_image\">"));
    assert!(html.find("og:image").unwrap() < 4096, "Open Graph early in the document");
    let ld = json_ld(&html);
    assert_eq!(ld["@type"], "Product");
    assert_eq!(ld["sku"], code);
    assert_eq!(ld["brand"]["name"], "Glow by Kemi");
    assert_eq!(ld["image"], image.as_str());
    assert!(html.find("og:image").unwrap() < html.find("og:title").unwrap(), "the image before seller text");
    assert_eq!(
        ld["offers"],
        json!({"@type": "Offer", "price": "24.99", "priceCurrency": "USD",
        "availability": "https://schema.org/InStock", "url": url})
    );
    assert!(html.contains("$24.99") && html.contains("<s aria-label=\"Was $30\">$30</s>"), "compare-at struck through");
    assert!(html.contains(&format!("href=\"/go/{code}\">Order on WhatsApp</a>")));
    assert!(html.contains(&format!("src=\"/s/kemi/{slug}/qr.svg\"")));
    assert!(html.contains(
        "href=\"https://www.tiktok.com/@glowbykemi/video/7301000000000000001\" rel=\"noopener\">Watch on TikTok"
    ));
    assert!(html.contains(&format!("<input id=\"link\" type=\"url\" readonly value=\"{url}\">")), "copy-link control");
    assert!(!html.contains("role=\"note\""), "no in-app banner in a real browser");

    let qr = page(&app, &format!("/s/kemi/{slug}/qr.svg"), &[]);
    assert_eq!((qr.status, qr.headers["content-type"].to_str().unwrap()), (200, "image/svg+xml"));
    assert!(text(&qr).contains("<svg"));
    // Revalidated like the page: a 304 while published, gone once unpublished.
    let etag = qr.headers["etag"].to_str().unwrap().to_owned();
    let again = page(&app, &format!("/s/kemi/{slug}/qr.svg"), &[("if-none-match", &etag)]);
    assert_eq!(again.status, 304);
    assert_eq!(qr.headers["cache-control"], "public, max-age=0, must-revalidate");
    let r = app.post(&format!("/api/v1/products/{id}/unpublish"), Some(&token), &json!({}));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(page(&app, &format!("/s/kemi/{slug}/qr.svg"), &[("if-none-match", &etag)]).status, 404);
}

#[test]
fn a_long_description_is_summarised_in_the_head_and_a_product_without_images_names_none() {
    let app = TestApp::new();
    let token = shop(&app, "summaries");
    let words = "Soft ankara cotton, hand stitched in Lagos. ".repeat(100);
    let p = product(
        &app,
        &token,
        json!({"title": "Wrap dress", "price": {"amount": "15000", "currency": "NGN"}, "description": words}),
    );
    let html = text(&page(&app, &format!("/s/summaries/{}", p["slug"].as_str().unwrap()), &[]));
    let og = meta(&html, "og:description").unwrap();
    assert!(og.chars().count() <= 301 && og.ends_with('…') && og.starts_with("Soft ankara"), "{og}");
    assert!(!og.contains("  ") && og.trim_end_matches('…').ends_with(|c: char| c.is_alphanumeric() || c == '.'));
    let ld = json_ld(&html);
    assert_eq!(ld["description"], og.as_str());
    assert!(ld.get("image").is_none(), "no image is no `image`, not null: {ld}");
    assert!(meta(&html, "og:image").is_none());
    assert!(html.contains(words.trim()), "the page body has it all");
    assert!(html.contains("<meta name=\"twitter:card\" content=\"summary\">"));
}

#[test]
fn every_field_a_seller_controls_is_escaped() {
    let app = TestApp::new();
    let token = app.signup("evil");
    let nasty = "<script>alert(1)</script>\" onmouseover=\"alert(2)\u{202e}javascript:alert(3)";
    settings(
        &app,
        &token,
        json!({"display_name": "</title><script>x()</script>", "bio": nasty, "whatsapp": "+2348012345678"}),
    );
    let p = product(
        &app,
        &token,
        json!({"title": nasty, "description": nasty, "tags": ["<b>bold</b>", "\u{2066}iso"],
               "price": {"amount": "10", "currency": "USD"}, "seo": {"title": nasty, "description": nasty}}),
    );
    let slug = p["slug"].as_str().unwrap();
    for path in ["/s/evil".to_owned(), format!("/s/evil/{slug}")] {
        let full = text(&page(&app, &path, &[]));
        // The JSON-LD holds the text as JSON (`\"` is an escaped quote there): checked apart below.
        let html = match full.find("<script type=\"application/ld+json\">") {
            Some(start) => {
                let end = start + full[start..].find("</script>").unwrap();
                let raw = &full[start + 35..end];
                assert!(!raw.contains('<') && !raw.contains('>'), "{path}: markup inside the JSON-LD: {raw}");
                format!("{}{}", &full[..start], &full[end..])
            }
            None => full.clone(),
        };
        assert!(!html.contains("<script>alert") && !html.contains("<script>x()"), "{path}: {html}");
        assert!(!html.contains("\" onmouseover"), "{path}: an attribute broke out");
        assert!(!html.contains("<b>bold"), "{path}");
        assert!(!html.contains('\u{202e}') && !html.contains('\u{2066}'), "{path}: bidi controls kept");
        assert!(!html.contains("href=\"javascript:") && !html.contains("src=\"javascript:"), "{path}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{path}: shown as text");
        assert!(!html.contains("<script"), "{path}: no script but the JSON-LD");
    }
    let html = text(&page(&app, &format!("/s/evil/{slug}"), &[]));
    let ld = json_ld(&html);
    assert_eq!(ld["name"], nasty.replace('\u{202e}', ""), "the JSON-LD keeps the text, safely escaped");
}

#[test]
fn unknown_and_unpublished_pages_are_html_404s_in_the_storefronts_language() {
    let app = TestApp::new();
    let token = shop(&app, "tienda");
    settings(&app, &token, json!({"language": "es"}));
    let draft = product(&app, &token, json!({"title": "Sin precio"}));
    let archived = product(&app, &token, json!({"title": "Archivado", "price": {"amount": "5", "currency": "MXN"}}));
    let id = archived["id"].as_str().unwrap();
    let r = app.post("/api/v1/products/bulk", Some(&token), &json!({"ids": [id], "action": "archive"}));
    assert_eq!(r.status, 200);
    for slug in [draft["slug"].as_str().unwrap(), archived["slug"].as_str().unwrap(), "nope"] {
        let r = page(&app, &format!("/s/tienda/{slug}"), &[]);
        assert_eq!(r.status, 404, "{slug}");
        assert_eq!(r.headers["content-type"], "text/html; charset=utf-8");
        assert!(text(&r).contains("Página no encontrada"), "{}", text(&r));
    }
    let r = page(&app, "/s/nobody-here", &[("accept-language", "fr-FR,fr;q=0.9,en;q=0.5")]);
    assert_eq!(r.status, 404);
    assert!(text(&r).contains("Page introuvable") && text(&r).contains("<html lang=\"fr\""));
    let r = page(&app, "/go/ZZZZZZZ", &[]);
    assert_eq!((r.status, r.headers["content-type"].to_str().unwrap()), (404, "text/html; charset=utf-8"));
}

#[test]
fn pages_speak_the_storefronts_language_and_arabic_reads_right_to_left() {
    let app = TestApp::new();
    let token = shop(&app, "souk");
    settings(&app, &token, json!({"language": "ar"}));
    let p = product(&app, &token, json!({"title": "عباية", "price": {"amount": "250", "currency": "SAR"}}));
    let html = text(&page(&app, &format!("/s/souk/{}", p["slug"].as_str().unwrap()), &[]));
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"ar\" dir=\"rtl\">"));
    assert!(html.contains("اطلب عبر واتساب"));
    settings(&app, &token, json!({"language": "es"}));
    let html = text(&page(&app, &format!("/s/souk/{}", p["slug"].as_str().unwrap()), &[]));
    assert!(html.contains("Pedir por WhatsApp") && html.contains("250\u{a0}SAR"), "{html}");
}

#[test]
fn pages_answer_304_until_the_seller_writes() {
    let app = TestApp::new();
    let token = shop(&app, "etags");
    let p = product(&app, &token, json!({"title": "Kente scarf", "price": {"amount": "120", "currency": "GHS"}}));
    let path = format!("/s/etags/{}", p["slug"].as_str().unwrap());
    let first = page(&app, &path, &[]);
    let etag = first.headers["etag"].to_str().unwrap().to_owned();
    assert_eq!(first.headers["cache-control"], "public, max-age=0, must-revalidate");
    let again = page(&app, &path, &[("if-none-match", &etag)]);
    assert_eq!(again.status, 304);
    // Cloudflare sends the ETag back weakened when it compressed the page.
    assert_eq!(page(&app, &path, &[("if-none-match", &format!("W/{etag}"))]).status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.headers["x-cache"], "memory", "the second read came from isolate memory");
    let id = p["id"].as_str().unwrap();
    let r = app.call(
        "PATCH",
        &format!("/api/v1/products/{id}"),
        Some(&token),
        &[],
        Some(&json!({"description": "Handwoven"})),
    );
    assert_eq!(r.status, 200);
    let after = page(&app, &path, &[("if-none-match", &etag)]);
    assert_eq!(after.status, 200, "the seller's write is seen at once");
    assert!(text(&after).contains("Handwoven"));
    assert_ne!(after.headers["etag"].to_str().unwrap(), etag);
}

#[test]
fn tiktoks_in_app_browser_is_offered_the_real_browser_and_keeps_the_whatsapp_button() {
    let app = TestApp::new();
    let token = shop(&app, "inapp");
    let p = product(&app, &token, json!({"title": "Beads", "price": {"amount": "900", "currency": "KES"}}));
    let path = format!("/s/inapp/{}", p["slug"].as_str().unwrap());
    // On an iPhone the plain link (TikTok's menu opens it in Safari)...
    let html = text(&page(&app, &format!("{path}?utm=bio"), &[("user-agent", TIKTOK_UA), ("host", "hub.example")]));
    assert!(html.contains("role=\"note\"") && html.contains("Open in your browser"), "{html}");
    assert!(html.contains(&format!("<a href=\"http://hub.example{path}\">Open in your browser")), "{html}");
    // ...on Android an intent: link, which opens the default browser.
    let android =
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36 musical_ly_2023509030";
    let html = text(&page(&app, &path, &[("user-agent", android), ("host", "hub.example")]));
    assert!(html.contains(&format!("href=\"intent://hub.example{path}#Intent;scheme=http;")), "{html}");
    assert!(html.contains(&format!("href=\"/go/{}\"", p["code"].as_str().unwrap())), "the WhatsApp button stays");
    assert!(!text(&page(&app, &path, &[("user-agent", PHONE_UA), ("host", "hub.example")])).contains("role=\"note\""));
}

#[test]
fn click_to_chat_records_the_click_and_redirects_to_the_sellers_own_number() {
    let app = TestApp::new();
    let token = shop(&app, "clicks");
    let p =
        product(&app, &token, json!({"title": "Ankara wrap dress", "price": {"amount": "15000", "currency": "NGN"}}));
    let code = p["code"].as_str().unwrap();
    let r = page(
        &app,
        &format!("/go/{code}?to=https://evil.example"),
        &[("user-agent", PHONE_UA), ("referer", "https://www.tiktok.com/@adaeze?lang=en"), ("cf-ipcountry", "NG")],
    );
    assert_eq!(r.status, 302);
    let location = r.headers["location"].to_str().unwrap();
    assert_eq!(
        location,
        format!(
            "https://wa.me/2348012345678?text=Hi%21%20I%27d%20like%20to%20order%20Ankara%20wrap%20dress%20%28%E2%82%A615%2C000%29%20%5B{code}%5D"
        )
    );
    // A link-preview crawler is counted apart.
    let r = page(&app, &format!("/go/{code}"), &[("user-agent", "WhatsApp/2.23.20.0 A")]);
    assert_eq!(r.status, 302);
    let rows = block_on(
        app.sql.query(Stmt::new("SELECT kind, referrer_host, country, device, product_id FROM events ORDER BY id")),
    )
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        Value::Object(rows[0].clone()),
        json!({"kind": "click", "referrer_host": "www.tiktok.com",
        "country": "NG", "device": "mobile", "product_id": p["id"]})
    );
    assert_eq!(rows[1]["kind"], "preview");
    // Without a WhatsApp number there is nowhere to send the buyer.
    settings(&app, &token, json!({"whatsapp": null}));
    assert_eq!(page(&app, &format!("/go/{code}"), &[]).status, 404);
}

#[test]
fn public_pages_are_rate_limited_per_client_with_retry_after() {
    let app = TestApp::with_config(&[("PAGE_LIMIT_PER_CLIENT_PER_MINUTE", "3")]);
    shop(&app, "limited");
    let client = [("cf-connecting-ip", "203.0.113.9")];
    for _ in 0..3 {
        assert_eq!(page(&app, "/s/limited", &client).status, 200);
    }
    let r = page(&app, "/s/limited", &client);
    assert_eq!(r.status, 429);
    assert_eq!(r.headers["content-type"], "text/html; charset=utf-8");
    assert!(r.headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(page(&app, "/s/limited", &[("cf-connecting-ip", "203.0.113.10")]).status, 200, "another client");
}

#[test]
fn robots_txt_lets_crawlers_read_pages_and_feeds_but_not_the_api_or_the_redirects() {
    let app = TestApp::new();
    let r = page(&app, "/robots.txt", &[]);
    assert_eq!(r.status, 200, "Lighthouse's SEO audit and every crawler ask for it");
    assert_eq!(r.headers["content-type"], "text/plain; charset=utf-8");
    let body = text(&r);
    let rules: Vec<&str> = body.lines().collect();
    // A page's policy allows no script, but lets an audit in the page's context read this file.
    let shop_page = page(
        &app,
        &format!("/s/{}", {
            let token = shop(&app, "robotsshop");
            app.get("/api/v1/storefront", Some(&token)).json()["handle"].as_str().unwrap().to_owned()
        }),
        &[],
    );
    let csp = shop_page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none';") && csp.contains("connect-src 'self'"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
    assert_eq!(rules[0], "User-agent: *");
    for rule in ["Allow: /s/", "Allow: /feeds/", "Disallow: /api/", "Disallow: /go/", "Disallow: /internal/"] {
        assert!(rules.contains(&rule), "{rule} in {body}");
    }
}

/// Every `<item>` of an RSS feed as (element, text) pairs, read with a real XML parser.
fn rss_items(xml: &str) -> Vec<Vec<(String, String)>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut items, mut current, mut field) = (Vec::new(), None::<Vec<(String, String)>>, None::<String>);
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => {
                let name = e.name().as_ref().to_owned();
                if name == "item" {
                    current = Some(Vec::new());
                } else if let Some(item) = current.as_mut() {
                    // Text and entity references that follow are appended to this entry.
                    item.push((name.clone(), String::new()));
                    field = Some(name);
                }
            }
            Event::Text(t) => {
                if let (Some(item), Some(_)) = (current.as_mut(), field.as_ref()) {
                    item.last_mut().unwrap().1.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let (Some(item), Some(_)) = (current.as_mut(), field.as_ref()) {
                    let c = match r.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unexpected entity {other}"),
                    };
                    item.last_mut().unwrap().1.push_str(c);
                }
            }
            Event::End(e) => {
                if e.name().as_ref() == "item" {
                    items.push(current.take().unwrap());
                }
                field = None;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    items
}

#[test]
fn the_meta_feed_lists_published_products_within_metas_limits_in_csv_and_xml() {
    let app = TestApp::new();
    let token = shop(&app, "feedshop");
    let job = app.submit_job(&token, "https://www.tiktok.com/@glowbykemi/video/7301000000000000001");
    app.step_metadata();
    app.step_all_stages();
    let id = app.job(&token, &job)["product"]["id"].as_str().unwrap().to_owned();
    let long = format!("Serum <&> {}", "x".repeat(300));
    let r = app.call(
        "PATCH",
        &format!("/api/v1/products/{id}"),
        Some(&token),
        &[],
        Some(&json!({"title": &long[..140], "compare_at_price": {"amount": "30", "currency": "USD"}, "availability": "preorder"})),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let code = r.json()["code"].as_str().unwrap().to_owned();
    product(&app, &token, json!({"title": "A draft"}));
    // Published but without an image: Meta would refuse it, so it is left out.
    product(&app, &token, json!({"title": "No photo yet", "price": {"amount": "5", "currency": "USD"}}));

    let r = page(&app, "/feeds/feedshop/meta.csv", &[("host", "shop.example")]);
    assert_eq!((r.status, r.headers["content-type"].to_str().unwrap()), (200, "text/csv; charset=utf-8"));
    let mut reader = csv::Reader::from_reader(r.body.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    for required in ["id", "title", "description", "availability", "condition", "price", "link", "image_link", "brand"]
    {
        assert!(header.contains(&required.to_owned()), "{required} in {header:?}");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "only the published product with an image");
    let get = |name: &str| rows[0].get(header.iter().position(|h| h == name).unwrap()).unwrap().to_owned();
    assert_eq!(get("id"), code, "the code: WhatsApp's product_retailer_id");
    assert_eq!(get("title"), long[..140].trim_end());
    assert!(get("title").chars().count() <= 200 && get("description").chars().count() <= 9_999);
    assert_eq!((get("price").as_str(), get("sale_price").as_str()), ("30 USD", "24.99 USD"));
    assert_eq!((get("availability").as_str(), get("condition").as_str()), ("preorder", "new"));
    assert!(get("link").starts_with("http://shop.example/s/feedshop/"), "{}", get("link"));
    assert!(get("image_link").starts_with("http://shop.example/media/") && get("image_link").contains(".jpg"));
    assert_eq!(get("brand"), "Adaeze Fabrics");
    assert_eq!(get("google_product_category"), p_category(&app, &token, &id));
    // The image it names is served.
    let image = get("image_link");
    assert_eq!(page(&app, image.trim_start_matches("http://shop.example"), &[]).status, 200);

    let r = page(&app, "/feeds/feedshop/meta.xml", &[("host", "shop.example")]);
    assert_eq!((r.status, r.headers["content-type"].to_str().unwrap()), (200, "application/xml; charset=utf-8"));
    let xml = text(&r);
    assert!(xml.contains("<rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\">"), "{xml}");
    let items = rss_items(&xml);
    assert_eq!(items.len(), 1, "{xml}");
    // Control characters a seller pasted (XML 1.0 allows none but tab and newline) are dropped.
    settings(&app, &token, json!({"display_name": "Adaeze\u{1}Fabrics\u{1b}", "bio": "Ankara\u{7} from\u{0} Lagos"}));
    let xml = text(&page(&app, "/feeds/feedshop/meta.xml", &[("host", "shop.example")]));
    assert!(!xml.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t')), "{xml:?}");
    assert!(xml.contains("<title>AdaezeFabrics</title>") && xml.contains("Ankara from Lagos"), "{xml}");
    let field = |name: &str| items[0].iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    assert_eq!(field("g:id"), Some(code.clone()));
    assert_eq!(field("g:title").as_deref(), Some(long[..140].trim_end()), "escaped and read back");
    assert_eq!(field("g:price").as_deref(), Some("30 USD"));
    assert_eq!(field("g:sale_price").as_deref(), Some("24.99 USD"));
    assert_eq!(field("g:image_link"), Some(image));
    assert!(items[0].iter().filter(|(k, _)| k == "g:additional_image_link").count() >= 1);
    // An unknown storefront's feed is a 404.
    assert_eq!(page(&app, "/feeds/nobody-at-all/meta.csv", &[]).status, 404);
}

fn p_category(app: &TestApp, token: &str, id: &str) -> String {
    let p = app.get(&format!("/api/v1/products/{id}"), Some(token)).json();
    let category = p["category"].as_str().unwrap().to_owned();
    assert_ne!(category, "", "the tagger gave a category");
    category
}

#[test]
fn searches_later_pages_and_made_up_addresses_are_rendered_but_not_cached() {
    let app = TestApp::new();
    let token = shop(&app, "nocache");
    product(&app, &token, json!({"title": "Kente scarf", "price": {"amount": "120", "currency": "GHS"}}));
    let pages = || app.kv.keys().into_iter().filter(|k| k.contains("/html/")).count();
    assert_eq!(page(&app, "/s/nocache", &[]).status, 200);
    assert_eq!(pages(), 1, "the first page is cached");
    for path in ["/s/nocache?q=kente", "/s/nocache?q=zzz1", "/s/nocache/no-such-slug"] {
        let r = page(&app, path, &[]);
        if path.contains("no-such-slug") {
            assert_eq!(r.status, 404, "{path}");
        } else {
            assert_eq!(r.status, 200, "{path}: {}", text(&r));
            assert_eq!(r.headers["x-cache"], "sql", "{path}: rendered, not cached");
        }
    }
    assert!(text(&page(&app, "/s/nocache?q=kente", &[])).contains("Kente scarf"), "searches still answer");
    // A made-up category filters nothing: the first page, from the cache.
    let made_up = page(&app, "/s/nocache?category=Made+up", &[]);
    assert_eq!((made_up.status, made_up.headers["x-cache"].to_str().unwrap()), (200, "memory"));
    assert!(text(&made_up).contains("Kente scarf"));
    assert_eq!(pages(), 1, "nothing a buyer typed was kept");
    assert_eq!(page(&app, "/s/nocache?category=Apparel+%26+Accessories", &[]).status, 200);
    assert_eq!(pages(), 2, "a real category's page is cached");
}

/// A write that another isolate made (here straight in SQL, so this isolate's memory is not
/// told) is seen by the next page: the page's key carries the catalog version read with the
/// seller, not one remembered for seconds.
#[test]
fn a_write_from_another_isolate_is_on_the_next_page() {
    let app = TestApp::new();
    let token = shop(&app, "isolates");
    let p = product(&app, &token, json!({"title": "Kente scarf", "price": {"amount": "120", "currency": "GHS"}}));
    let path = format!("/s/isolates/{}", p["slug"].as_str().unwrap());
    assert!(text(&page(&app, &path, &[])).contains("Kente scarf"));
    assert_eq!(page(&app, &path, &[]).headers["x-cache"], "memory");
    let seller = linkhub_testkit::block_on(
        app.sql.query(Stmt::new("SELECT seller_id FROM products WHERE id = ?").bind(p["id"].as_str().unwrap())),
    )
    .unwrap()[0]["seller_id"]
        .as_str()
        .unwrap()
        .to_owned();
    linkhub_testkit::block_on(app.sql.batch(vec![
            Stmt::new("UPDATE products SET description = 'Handwoven in Bonwire' WHERE id = ?")
                .bind(p["id"].as_str().unwrap()),
            linkhub_core::storefront::bump(&seller, 1),
        ]))
    .unwrap();
    let after = page(&app, &path, &[]);
    assert!(text(&after).contains("Handwoven in Bonwire"), "served the page from before the write");
}
