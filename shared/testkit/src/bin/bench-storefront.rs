//! The storefront benchmark and budgets, against a running hub (`scripts/bench-storefront.sh`
//! starts one on its own ports): seeds a seller with an avatar and 50 published products, each
//! with a photo rendered by the thumbnailer, then
//!
//! - page sizes, raw and gzip (level 6, what an edge compresses with), of the store page and of
//!   every product page, against the budgets (product page < 14 KB, 50-product store < 30 KB);
//! - served time, p50/p99, of cold pages (the first read after a catalog write: rendered from
//!   D1 and put in KV) and warm ones (the same page again: isolate memory), round trip and the
//!   storefront function's own time (`server-timing`), side by side in one run;
//! - writes the store's and one product's URL to `OUT/urls` for Lighthouse.
//!
//! Exits non-zero when a size budget is broken. Times are figures, printed, not asserted.
//!
//!   bench-storefront HUB_URL PHOTO_JPEG OUT_DIR

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout, clippy::print_stderr)]

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use std::io::Write;
use std::time::{Duration, Instant};

const PRODUCTS: usize = 50;
const ROUNDS: usize = 5;
const PRODUCT_BUDGET: usize = 14 * 1024;
const TIKTOK_UA: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36 \
    musical_ly_2023509030 BytedanceWebview/d8a21c6";
const STORE_BUDGET: usize = 30 * 1024;

const WORDS: &[&str] = &[
    "Vitamin C serum",
    "Ankara wrap dress",
    "Shea butter body cream",
    "Handwoven raffia bag",
    "Beaded waist chain",
    "Hibiscus lip tint",
    "Linen two-piece set",
    "Black soap face wash",
    "Gold hoop earrings",
    "Kente print headwrap",
];

const DESCRIPTION: &str = "Made in small batches and packed by hand the morning it ships. Lightweight, \
    everyday and easy to gift: every order comes wrapped with a note. Tell us your size or shade in the \
    chat and we reserve it for you for 24 hours. Delivery in Lagos the next day, elsewhere in 2 to 4 days; \
    pay on delivery or by transfer. Questions about ingredients, fit or care? Ask us on WhatsApp, we answer \
    within the hour from 8 am to 9 pm.";

struct Hub {
    base: String,
    agent: ureq::Agent,
    token: String,
}

struct Got {
    status: u16,
    body: Vec<u8>,
    tier: String,
    server_ms: Option<f64>,
    round: Duration,
}

impl Hub {
    fn call(&self, method: &str, path: &str, content_type: &str, body: Option<Vec<u8>>) -> Value {
        let url = format!("{}{path}", self.base);
        let auth = format!("Bearer {}", self.token);
        let mut resp = match (method, body) {
            ("POST", Some(b)) => {
                self.agent.post(&url).header("authorization", &auth).header("content-type", content_type).send(&b[..])
            }
            ("PATCH", Some(b)) => {
                self.agent.patch(&url).header("authorization", &auth).header("content-type", content_type).send(&b[..])
            }
            ("GET", None) => self.agent.get(&url).header("authorization", &auth).call(),
            _ => unreachable!("{method}"),
        }
        .unwrap();
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        assert!((200..300).contains(&status), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    fn json(&self, method: &str, path: &str, body: &Value) -> Value {
        self.call(method, path, "application/json", Some(body.to_string().into_bytes()))
    }

    fn page(&self, path: &str) -> Got {
        self.page_as(path, "Mozilla/5.0 (Linux; Android 14) Mobile")
    }

    fn page_as(&self, path: &str, user_agent: &str) -> Got {
        let t = Instant::now();
        let mut resp = self.agent.get(&format!("{}{path}", self.base)).header("user-agent", user_agent).call().unwrap();
        let body = resp.body_mut().with_config().limit(10 << 20).read_to_vec().unwrap();
        let round = t.elapsed();
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let server_ms = header("server-timing")
            .and_then(|v| v.split(';').find_map(|p| p.trim().strip_prefix("dur=").map(str::to_owned)))
            .and_then(|d| d.parse().ok());
        Got { status: resp.status().as_u16(), body, tier: header("x-cache").unwrap_or_default(), server_ms, round }
    }

    /// Polls an upload until it has left `processing`.
    fn settle(&self, id: &str) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let up = self.call("GET", &format!("/api/v1/uploads/{id}"), "", None);
            match up["state"].as_str() {
                Some("processing") => {}
                Some("ready") => return,
                other => panic!("upload {id} ended {other:?}: {up}"),
            }
            assert!(Instant::now() < deadline, "upload {id} still processing");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn gzip(bytes: &[u8]) -> usize {
    let mut e = GzEncoder::new(Vec::new(), Compression::new(6));
    e.write_all(bytes).unwrap();
    e.finish().unwrap().len()
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn seed(hub: &mut Hub, photo: &[u8]) -> (String, Vec<String>) {
    let agent = &hub.agent;
    let handle = format!("bench{}", std::process::id());
    let signup = json!({"email": format!("{handle}@example.com"), "password": "bench password 1", "handle": handle});
    let mut resp = agent
        .post(&format!("{}/api/v1/auth/signup", hub.base))
        .header("content-type", "application/json")
        .send(signup.to_string().as_bytes())
        .unwrap();
    let v: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    hub.token = v["token"].as_str().unwrap_or_else(|| panic!("signup: {v}")).to_owned();
    hub.json(
        "PATCH",
        "/api/v1/storefront",
        &json!({"whatsapp": "+2348012345678", "display_name": "Kemi's Corner", "currency": "NGN",
            "bio": "Skincare, accessories and Ankara, made in Lagos. Order in the chat: we reply within the hour."}),
    );
    let up = hub.call("POST", "/api/v1/storefront/avatar", "image/jpeg", Some(photo.to_vec()));
    hub.settle(up["id"].as_str().unwrap());
    let t = Instant::now();
    let mut slugs = Vec::new();
    for i in 0..PRODUCTS {
        let name = WORDS[i % WORDS.len()];
        let title = format!("{name} no. {}", i + 1);
        let mut body = json!({
            "title": title,
            "description": DESCRIPTION,
            "price": {"amount": format!("{}", 4_500 + 750 * i), "currency": "NGN"},
            "category": if i % 2 == 0 { "Health & Beauty" } else { "Apparel & Accessories" },
            "tags": ["handmade", "lagos", "gift", name.split(' ').next().unwrap().to_lowercase()],
        });
        if i % 3 == 0 {
            body["compare_at_price"] = json!({"amount": format!("{}", 6_000 + 750 * i), "currency": "NGN"});
        }
        let p = hub.json("POST", "/api/v1/products", &body);
        let id = p["id"].as_str().unwrap().to_owned();
        let up = hub.call("POST", &format!("/api/v1/products/{id}/images"), "image/jpeg", Some(photo.to_vec()));
        hub.settle(up["id"].as_str().unwrap());
        hub.json("POST", &format!("/api/v1/products/{id}/publish"), &json!({}));
        slugs.push(p["slug"].as_str().unwrap().to_owned());
    }
    println!(
        "seeded {PRODUCTS} published products with photos (thumbnailer on workerd) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    (handle, slugs)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, photo, out] = &args[..] else {
        eprintln!("usage: bench-storefront HUB_URL PHOTO_JPEG OUT_DIR");
        std::process::exit(2);
    };
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut hub = Hub { base: base.trim_end_matches('/').to_owned(), agent, token: String::new() };
    let photo = std::fs::read(photo).unwrap();
    let (handle, slugs) = seed(&mut hub, &photo);
    let store = format!("/s/{handle}");
    let products: Vec<String> = slugs.iter().map(|s| format!("{store}/{s}")).collect();

    // Sizes.
    let page = hub.page(&store);
    assert_eq!(page.status, 200);
    let cards = String::from_utf8_lossy(&page.body).matches("<li class=\"card\"").count();
    assert_eq!(cards, PRODUCTS, "the budget is for one page holding the whole shop");
    let store_gz = gzip(&page.body);
    // TikTok's in-app browser gets its own variant (the "open in your browser" note).
    let in_app = hub.page_as(&products[0], TIKTOK_UA);
    assert_eq!(in_app.status, 200);
    let in_app_gz = gzip(&in_app.body);
    let mut product_gz: Vec<(usize, usize)> = products
        .iter()
        .map(|p| {
            let g = hub.page(p);
            assert_eq!(g.status, 200, "{p}");
            (g.body.len(), gzip(&g.body))
        })
        .collect();
    product_gz.sort_by_key(|&(_, gz)| gz);
    let (raw_max, gz_max) = *product_gz.last().unwrap();
    let (raw_med, gz_med) = product_gz[product_gz.len() / 2];
    println!("{:<34} {:>9} {:>9} {:>9}", "page size", "raw_B", "gzip_B", "budget_B");
    println!(
        "{:<34} {:>9} {:>9} {:>9}",
        format!("store page ({cards} of {PRODUCTS} products)"),
        page.body.len(),
        store_gz,
        STORE_BUDGET
    );
    println!("{:<34} {raw_med:>9} {gz_med:>9} {PRODUCT_BUDGET:>9}", "product page (median)");
    println!("{:<34} {raw_max:>9} {gz_max:>9} {PRODUCT_BUDGET:>9}", "product page (largest)");
    println!("{:<34} {:>9} {in_app_gz:>9} {PRODUCT_BUDGET:>9}", "product page (TikTok in-app)", in_app.body.len());

    // Served time: each round forgets every page (a settings write bumps the catalog version),
    // then reads each page twice: cold, then warm.
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    let mut tiers = std::collections::BTreeMap::<String, usize>::new();
    for round in 0..ROUNDS {
        hub.json("PATCH", "/api/v1/storefront", &json!({"bio": format!("Made in Lagos, round {round}.")}));
        for p in products.iter().chain([&store]) {
            let c = hub.page(p);
            let w = hub.page(p);
            assert_eq!((c.status, w.status), (200, 200), "{p}");
            *tiers.entry(format!("cold {}", c.tier)).or_default() += 1;
            *tiers.entry(format!("warm {}", w.tier)).or_default() += 1;
            cold.push(c);
            warm.push(w);
        }
    }
    let stats = |v: &[Got]| {
        let mut round: Vec<f64> = v.iter().map(|g| g.round.as_secs_f64() * 1000.0).collect();
        let mut inside: Vec<f64> = v.iter().filter_map(|g| g.server_ms).collect();
        let inside = if inside.is_empty() {
            (f64::NAN, f64::NAN)
        } else {
            (percentile(&mut inside, 0.5), percentile(&mut inside, 0.99))
        };
        (percentile(&mut round, 0.5), percentile(&mut round, 0.99), inside.0, inside.1)
    };
    let (c50, c99, ci50, ci99) = stats(&cold);
    let (w50, w99, wi50, wi99) = stats(&warm);
    println!(
        "{:<12} {:>6} {:>13} {:>13} {:>14} {:>14}",
        "served", "reads", "round_p50_ms", "round_p99_ms", "inside_p50_ms", "inside_p99_ms"
    );
    println!("{:<12} {:>6} {c50:>13.2} {c99:>13.2} {ci50:>14.2} {ci99:>14.2}", "cold", cold.len());
    println!("{:<12} {:>6} {w50:>13.2} {w99:>13.2} {wi50:>14.2} {wi99:>14.2}", "warm", warm.len());
    println!("warm p50 / cold p50 (round trip): {:.2}", w50 / c50);
    println!("cache levels: {tiers:?}");

    std::fs::create_dir_all(out).unwrap();
    std::fs::write(format!("{out}/urls"), format!("{}{store}\n{}{}\n", hub.base, hub.base, products[0])).unwrap();

    let mut broken = Vec::new();
    if store_gz >= STORE_BUDGET {
        broken.push(format!("store page {store_gz} B gzip ≥ {STORE_BUDGET}"));
    }
    if gz_max.max(in_app_gz) >= PRODUCT_BUDGET {
        broken.push(format!("product page {} B gzip ≥ {PRODUCT_BUDGET}", gz_max.max(in_app_gz)));
    }
    if !broken.is_empty() {
        eprintln!("budget broken: {}", broken.join("; "));
        std::process::exit(1);
    }
}
