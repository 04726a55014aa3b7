//! The catalog benchmark: seeds realistic products across sellers and prints p50/p99 of five
//! search shapes, natively (bundled SQLite through the core) or against a running hub on local
//! D1 (times the products function reports in `server-timing`, and the client's round trip);
//! and product-by-code reads from each cache level. `scripts/bench-catalog.sh` runs it all side
//! by side. Not a test: figures, printed.
//!
//!   bench-catalog native [PRODUCTS]
//!   bench-catalog seed-sql SELLER_ID [PRODUCTS]      (SQL for `wrangler d1 execute --file`)
//!   bench-catalog http HUB_URL TOKEN
//!   bench-catalog cache HUB_URL TOKEN

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use linkhub_core::accounts::SellerId;
use linkhub_core::ports::{Sql, Stmt};
use linkhub_core::products::search::{self, SearchQuery};
use linkhub_testkit::{SqliteSql, block_on};
use std::time::{Duration, Instant};

const SELLERS: usize = 100;
const ROUNDS: usize = 200;
/// Rows per INSERT: D1 refuses statements over 100 KB.
const ROWS_PER_INSERT: usize = 200;

const NOUNS: &[&str] = &[
    "Sérum vitamina C",
    "Suéter de lã",
    "Café moído",
    "Camiseta básica",
    "Vestido midi",
    "Tênis esportivo",
    "Bolsa de couro",
    "Relógio digital",
    "Fone de ouvido",
    "Ankara wax print",
    "Batik tulis",
    "Kikoy wrap",
    "Perfume floral",
    "Óleo de coco",
    "Crème hydratante",
    "Écouteurs sans fil",
    "Shea butter",
    "Kente scarf",
    "Hijab voile",
    "Sambal bawang",
    "Kaftan bordado",
    "Sandália rasteira",
    "Colar de pérolas",
    "Brincos dourados",
    "Cafetera italiana",
    "Licuadora portátil",
    "Zapatillas running",
    "Chaqueta vaquera",
    "Jollof spice mix",
    "Wireless earbuds",
    "Phone case",
    "Lip gloss",
    "Hair bonnet",
    "Waist trainer",
    "Kurta cotton",
    "Mehndi cone",
];
const ADJECTIVES: &[&str] = &[
    "premium",
    "artesanal",
    "orgânico",
    "hecho a mano",
    "original",
    "nuevo",
    "vintage",
    "mini",
    "grande",
    "rosa",
    "azul",
    "preto",
    "dorado",
    "édition limitée",
    "handmade",
    "glow",
    "natural",
    "slim",
];
const CATEGORIES: &[&str] =
    &["Health & Beauty", "Apparel & Accessories", "Food, Beverages & Tobacco", "Electronics", "Home & Garden"];
const CURRENCIES: &[&str] = &["NGN", "BRL", "MXN", "KES", "IDR", "USD", "INR", "EUR"];
const CODE: &[u8] = b"23456789BCDFGHJKMNPQRSTVWXZ";

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A unique code per index: a bijection of i onto 27^7 codes.
fn code(i: usize) -> String {
    let mut n = (i as u64).wrapping_mul(1_000_003) % 27u64.pow(7);
    (0..7)
        .map(|_| {
            let c = CODE[(n % 27) as usize] as char;
            n /= 27;
            c
        })
        .collect()
}

/// `INSERT` statements of `total` products, `ROWS_PER_INSERT` rows each; every `SELLERS`-th product is the
/// benchmark seller's, the rest belong to other sellers.
fn seed_statements(seller: &str, total: usize) -> Vec<String> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::new();
    let mut rows: Vec<String> = Vec::new();
    for i in 0..total {
        let owner = if i % SELLERS == 0 { seller.to_owned() } else { format!("sel_bench{:03}", i % SELLERS) };
        let title = format!("{} {}", rng.pick(NOUNS), rng.pick(ADJECTIVES));
        let description = format!(
            "{} {}, {} — envío gratis, order on WhatsApp",
            rng.pick(ADJECTIVES),
            rng.pick(NOUNS),
            rng.pick(ADJECTIVES)
        );
        let tags =
            format!("[\"{}\",\"{}\"]", rng.pick(ADJECTIVES), rng.pick(&["promo", "new", "restock", "bestseller"]));
        let e4 = (rng.next() % 100_000 + 1) as i64 * 10_000;
        let price = (e4 / 10_000).to_string();
        let created = 1_790_000_000_000i64 + i as i64 * 1000;
        rows.push(format!(
            "({}, {}, {}, {}, {}, {}, {}, {e4}, {}, 'published', 'in_stock', {}, {}, {}, '', '[]', 'upload', 1, {created}, {created})",
            quote(&format!("prd_bench{i:07}")),
            quote(&owner),
            quote(&code(i)),
            quote(&format!("p-{i}")),
            quote(&title),
            quote(&description),
            quote(&price),
            quote(rng.pick(CURRENCIES)),
            quote(rng.pick(CATEGORIES)),
            quote(&tags),
            quote(&title),
        ));
        if rows.len() == ROWS_PER_INSERT || i + 1 == total {
            out.push(format!(
                "INSERT INTO products (id, seller_id, code, slug, title, description, price, price_e4, currency, status, \
                 availability, category, tags, seo_title, seo_description, images, images_from, version, created_at, \
                 updated_at) VALUES {};",
                rows.join(", ")
            ));
            rows.clear();
        }
    }
    out
}

/// The five shapes, as query strings.
const SHAPES: [(&str, &str); 5] = [
    ("one word", "q=sueter"),
    ("two-letter prefix", "q=ca"),
    ("two words", "q=vestido%20azul"),
    ("word + category", "q=serum&category=Health%20%26%20Beauty"),
    ("price range by price", "min_price=1000&max_price=5000&sort=price_asc"),
];

fn percentiles(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0;
    (at(0.5), at(0.99))
}

fn native(total: usize) {
    let sql = SqliteSql::in_memory().unwrap();
    let seller = "sel_benchme";
    let t = Instant::now();
    for s in seed_statements(seller, total) {
        block_on(sql.execute(Stmt::new(s))).unwrap();
    }
    println!("seeded {total} products across {SELLERS} sellers natively in {:.1} s", t.elapsed().as_secs_f64());
    println!("{:<22} {:>8} {:>9} {:>9}", "shape (native)", "results", "p50_ms", "p99_ms");
    for (name, qs) in SHAPES {
        let q: SearchQuery = serde_urlencoded_like(qs);
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let page = block_on(search::search(&sql, &SellerId(seller.into()), q.clone())).unwrap();
            times.push(t.elapsed());
            found = page.items.len();
        }
        let (p50, p99) = percentiles(times);
        println!("{name:<22} {found:>8} {p50:>9.3} {p99:>9.3}");
    }
}

/// The query string as the API parses it.
fn serde_urlencoded_like(qs: &str) -> SearchQuery {
    let mut q = SearchQuery::default();
    for pair in qs.split('&') {
        let (k, v) = pair.split_once('=').unwrap();
        let v = v.replace("%20", " ").replace("%26", "&");
        match k {
            "q" => q.q = Some(v),
            "category" => q.category = Some(v),
            "min_price" => q.min_price = Some(v),
            "max_price" => q.max_price = Some(v),
            "sort" => q.sort = Some(v),
            _ => {}
        }
    }
    q
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// The `dur` of a `server-timing` entry.
fn server_ms(resp: &ureq::http::Response<ureq::Body>) -> Option<f64> {
    let v = resp.headers().get("server-timing")?.to_str().ok()?;
    v.split(';').find_map(|p| p.trim().strip_prefix("dur=")).and_then(|d| d.parse().ok())
}

fn http(hub: &str, token: &str) {
    let agent = agent();
    println!(
        "{:<22} {:>8} {:>12} {:>12} {:>14}",
        "shape (workerd, D1)", "results", "d1_p50_ms", "d1_p99_ms", "round_p50_ms"
    );
    for (name, qs) in SHAPES {
        let (mut server, mut round) = (Vec::new(), Vec::new());
        let mut found = 0;
        for _ in 0..ROUNDS / 4 {
            let t = Instant::now();
            let mut resp = agent
                .get(&format!("{hub}/api/v1/products?{qs}"))
                .header("authorization", &format!("Bearer {token}"))
                .call()
                .unwrap();
            round.push(t.elapsed());
            assert_eq!(resp.status(), 200);
            server.push(Duration::from_secs_f64(server_ms(&resp).unwrap_or(f64::NAN) / 1000.0));
            let body: serde_json::Value = serde_json::from_slice(&resp.body_mut().read_to_vec().unwrap()).unwrap();
            found = body["items"].as_array().map_or(0, Vec::len);
        }
        let ((s50, s99), (r50, _)) = (percentiles(server), percentiles(round));
        println!("{name:<22} {found:>8} {s50:>12.1} {s99:>12.1} {r50:>14.1}");
    }
}

fn cache(hub: &str, token: &str) {
    let agent = agent();
    // The benchmark seller's published codes (more than the memory level holds).
    let mut codes: Vec<String> = Vec::new();
    let mut cursor = String::new();
    while codes.len() < 600 {
        let mut resp = agent
            .get(&format!("{hub}/api/v1/products?status=published&limit=100{cursor}"))
            .header("authorization", &format!("Bearer {token}"))
            .call()
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&resp.body_mut().read_to_vec().unwrap()).unwrap();
        codes.extend(body["items"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap().to_owned()));
        match body["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    let mut by_tier: std::collections::BTreeMap<String, (Vec<Duration>, Vec<Duration>)> = Default::default();
    let mut read = |code: &str| {
        let t = Instant::now();
        let resp = agent.get(&format!("{hub}/api/v1/public/products/{code}")).call().unwrap();
        let round = t.elapsed();
        let tier = resp.headers().get("x-cache").and_then(|v| v.to_str().ok()).unwrap_or("?").to_owned();
        let e = by_tier.entry(tier).or_default();
        e.0.push(Duration::from_secs_f64(server_ms(&resp).unwrap_or(0.0) / 1000.0));
        e.1.push(round);
    };
    // First pass: SQL. Second: the memory level (512 entries, two per code) has dropped them: KV.
    for c in &codes {
        read(c);
    }
    for c in &codes {
        read(c);
    }
    // Then a few codes over and over: memory.
    for _ in 0..20 {
        for c in codes.iter().take(10) {
            read(c);
        }
    }
    println!("{:<16} {:>6} {:>14} {:>16}", "product by code", "reads", "inside_p50_ms", "round_trip_p50_ms");
    for (tier, (inside, round)) in by_tier {
        let n = inside.len();
        let ((i50, _), (r50, _)) = (percentiles(inside), percentiles(round));
        println!("{tier:<16} {n:>6} {i50:>14.2} {r50:>16.2}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    match arg(0).as_str() {
        "native" => native(arg(1).parse().unwrap_or(100_000)),
        "seed-sql" => {
            for s in seed_statements(&arg(1), arg(2).parse().unwrap_or(100_000)) {
                println!("{s}");
            }
        }
        "http" => http(&arg(1), &arg(2)),
        "cache" => cache(&arg(1), &arg(2)),
        _ => eprintln!("usage: bench-catalog native [N] | seed-sql SELLER [N] | http HUB TOKEN | cache HUB TOKEN"),
    }
}
