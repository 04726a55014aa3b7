//! The sandbox: a small HTTP server that speaks the documented shapes of the services the hub
//! does not own, so the whole flow runs offline, in tests and for a new user.
//!
//! TikTok: `GET /oembed?url=` (oEmbed JSON), `GET /cover/<id>` (cover image), and short-link hops
//! `GET /<host>/<code>` answering 301 like vm.tiktok.com does. Fixtures are files in
//! `SANDBOX_FIXTURES_DIR`: `<video_id>.json` (the oEmbed body; an optional `x-sandbox` object makes
//! it misbehave and is stripped), `<video_id>.jpg|png|webp` (the cover) and `shortlinks.json`.
//!
//! WhatsApp's Graph API: see [`graph`] (`/{version}/...`, `/_sandbox/graph/...`).
//!
//! `x-sandbox` keys: `oembed_status` + `oembed_failures` (answer that status N times, then
//! normally), `delay_ms`, `cover` = `oversized` | `corrupt` | `html`.

mod graph;

use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tiny_http::{Header, Request, Response, Server};

struct Sandbox {
    fixtures: PathBuf,
    public_url: String,
    /// Requests seen per fixture, for "fail N times then succeed".
    counters: Mutex<HashMap<String, u64>>,
    graph: graph::Graph,
}

type Reply = Response<std::io::Cursor<Vec<u8>>>;

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn reply(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
    let mut r = Response::from_data(body).with_status_code(status);
    if let Some(h) = header("Content-Type", content_type) {
        r.add_header(h);
    }
    r
}

fn json_reply(status: u16, v: &Value) -> Reply {
    reply(status, "application/json", v.to_string().into_bytes())
}

fn tiktok_error(status: u16) -> Reply {
    json_reply(
        status,
        &json!({"code": status, "message": "Something went wrong", "status_msg": "Something went wrong"}),
    )
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(b) = hex {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The numeric id after `/video/` or `/photo/` in a TikTok URL.
fn video_id(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let mut parts = path.rsplit('/');
    let id = parts.next()?;
    let kind = parts.next()?;
    ((kind == "video" || kind == "photo") && !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
        .then(|| id.to_owned())
}

impl Sandbox {
    fn fixture(&self, id: &str) -> Option<Value> {
        if !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        match std::fs::read_to_string(self.fixtures.join(format!("{id}.json"))) {
            Ok(text) => serde_json::from_str(&text).ok(),
            Err(_) => generated(id),
        }
    }

    fn behaviour(fixture: &Value) -> Value {
        fixture.get("x-sandbox").cloned().unwrap_or(Value::Null)
    }

    fn count(&self, key: &str) -> u64 {
        let mut c = self.counters.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = c.entry(key.to_owned()).or_insert(0);
        *n += 1;
        *n
    }

    fn handle(&self, method: &str, url: &str, authorization: Option<&str>, body: &[u8]) -> Reply {
        let path = url.split('?').next().unwrap_or("");
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        if let [version, rest @ ..] = segs.as_slice()
            && graph::is_version(version)
        {
            let query = url.split_once('?').map_or("", |(_, q)| q);
            let a = self.graph.handle(method, rest, query, authorization, body, &self.public_url);
            return json_reply(a.status, &a.body);
        }
        match (method, segs.as_slice()) {
            ("GET", ["_sandbox", "graph", "sent"]) => json_reply(200, &self.graph.sent()),
            ("POST", ["_sandbox", "graph", "media"]) => {
                let query = url.split_once('?').map_or("", |(_, q)| q);
                let a = self.graph.add_media(query, body);
                json_reply(a.status, &a.body)
            }
            ("GET", ["_sandbox", "graph", "media", id, "download"]) => match self.graph.download(id, authorization) {
                Some((mime, bytes)) => reply(200, &mime, bytes),
                None => json_reply(404, &json!({"error": {"message": "no such media, or no token", "code": 100}})),
            },
            ("POST", ["_sandbox", "graph", "misbehave"]) => {
                let a = self.graph.set_misbehave(body);
                json_reply(a.status, &a.body)
            }
            ("GET", ["oembed"]) => self.oembed(url),
            ("GET", ["cover", id]) => self.cover(id),
            ("GET", ["_contract", "redirect"]) => {
                let mut r = reply(302, "text/plain", Vec::new());
                if let Some(h) = header("Location", "/_contract/bytes/10") {
                    r.add_header(h);
                }
                r
            }
            ("GET", ["_contract", "bytes", n]) => {
                let n: usize = n.parse().unwrap_or(0).min(50 * 1024 * 1024);
                reply(200, "application/octet-stream", vec![b'a'; n])
            }
            ("GET", ["_sandbox", "health"]) => json_reply(200, &json!({"status": "ok"})),
            ("POST", ["_sandbox", "reset"]) => {
                self.counters.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
                self.graph.reset();
                json_reply(200, &json!({"reset": true}))
            }
            ("GET", [host, rest @ ..]) if host.ends_with("tiktok.com") => self.short_link(host, rest),
            _ => json_reply(404, &json!({"error": "no such sandbox route"})),
        }
    }

    fn oembed(&self, url: &str) -> Reply {
        let Some(target) = query_param(url, "url") else { return tiktok_error(400) };
        let Some(id) = video_id(&target) else { return tiktok_error(400) };
        let Some(mut fixture) = self.fixture(&id) else { return tiktok_error(404) };
        let b = Self::behaviour(&fixture);
        if let Some(ms) = b.get("delay_ms").and_then(Value::as_u64) {
            std::thread::sleep(std::time::Duration::from_millis(ms.min(30_000)));
        }
        if let Some(status) = b.get("oembed_status").and_then(Value::as_u64) {
            let failures = b.get("oembed_failures").and_then(Value::as_u64).unwrap_or(u64::MAX);
            if self.count(&format!("oembed:{id}")) <= failures {
                let mut r = tiktok_error(u16::try_from(status).unwrap_or(500));
                if status == 429
                    && let Some(h) = header("Retry-After", "1")
                {
                    r.add_header(h);
                }
                return r;
            }
        }
        if let Value::Object(m) = &mut fixture {
            m.remove("x-sandbox");
            m.insert(
                "thumbnail_url".into(),
                json!(format!("{}/cover/{id}?x-expires=1999999999&x-signature=sandbox", self.public_url)),
            );
        }
        json_reply(200, &fixture)
    }

    fn cover(&self, id: &str) -> Reply {
        let behaviour = self.fixture(id).map(|f| Self::behaviour(&f)).unwrap_or(Value::Null);
        match behaviour.get("cover").and_then(Value::as_str) {
            Some("oversized") => {
                let mut body = vec![0u8; 8 * 1024 * 1024];
                body[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
                return reply(200, "image/jpeg", body);
            }
            Some("corrupt") => return reply(200, "image/jpeg", b"this is not an image at all".to_vec()),
            Some("html") => return reply(200, "text/html", b"<html>expired</html>".to_vec()),
            _ => {}
        }
        // A generated video's cover is the first fixture's.
        let id = if generated(id).is_some() && !self.fixtures.join(format!("{id}.json")).exists() {
            GENERATED_COVER
        } else {
            id
        };
        for (ext, ctype) in [("jpg", "image/jpeg"), ("png", "image/png"), ("webp", "image/webp")] {
            if id.chars().all(|c| c.is_ascii_alphanumeric())
                && let Ok(bytes) = std::fs::read(self.fixtures.join(format!("{id}.{ext}")))
            {
                return reply(200, ctype, bytes);
            }
        }
        reply(404, "text/plain", b"no cover".to_vec())
    }

    fn short_link(&self, host: &str, rest: &[&str]) -> Reply {
        let key = format!("{host}/{}", rest.join("/"));
        let table: Value = std::fs::read_to_string(self.fixtures.join("shortlinks.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        match table.get(&key).and_then(Value::as_str) {
            Some(location) => {
                let mut r = reply(301, "text/html", b"<a>moved</a>".to_vec());
                if let Some(h) = header("Location", location) {
                    r.add_header(h);
                }
                r
            }
            None => reply(404, "text/html", b"not found".to_vec()),
        }
    }
}

/// The fixtures shipped with the project.
pub fn default_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/tiktok")
}

/// A running sandbox; dropping it does not stop the server thread (tests just exit).
pub struct Running {
    pub base_url: String,
}

/// Listens on `addr` (port 0 picks a free one) and serves on background threads.
pub fn start(addr: &str, fixtures: PathBuf, public_url: Option<String>) -> std::io::Result<Running> {
    let server = Server::http(addr).map_err(std::io::Error::other)?;
    let local = server.server_addr().to_ip().map_or_else(|| addr.to_owned(), |a| a.to_string());
    let base_url = format!("http://{local}");
    let sandbox = Arc::new(Sandbox {
        fixtures,
        public_url: public_url.unwrap_or_else(|| base_url.clone()),
        counters: Mutex::new(HashMap::new()),
        graph: graph::Graph::default(),
    });
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let sandbox = Arc::clone(&sandbox);
            std::thread::spawn(move || serve(&sandbox, request));
        }
    });
    Ok(Running { base_url })
}

fn serve(sandbox: &Sandbox, mut request: Request) {
    let method = request.method().as_str().to_owned();
    let url = request.url().to_owned();
    let authorization =
        request.headers().iter().find(|h| h.field.equiv("authorization")).map(|h| h.value.as_str().to_owned());
    let mut body = Vec::new();
    if let Err(e) =
        std::io::Read::read_to_end(&mut std::io::Read::take(request.as_reader(), 4 * 1024 * 1024), &mut body)
    {
        eprintln!("sandbox: {method} {url}: reading the body: {e}");
    }
    let response = sandbox.handle(&method, &url, authorization.as_deref(), &body);
    if let Err(e) = request.respond(response) {
        eprintln!("sandbox: {method} {url}: {e}");
    }
}

/// The cover every generated video shares.
const GENERATED_COVER: &str = "7301000000000000001";

/// A video no fixture file describes, with an id of 19 digits starting `74`, is generated from
/// its id: a seller's catalog of any size (bulk-import trials, the 500-link import in the
/// README) without 500 fixture files. Captions cycle through products, prices and currencies.
pub fn generated(id: &str) -> Option<Value> {
    if id.len() != 19 || !id.starts_with("74") || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = id[2..].parse().ok()?;
    let items = [
        "Shea butter body cream",
        "Ankara tote bag",
        "Vitamin C serum",
        "Kente print scarf",
        "Wireless earbuds",
        "Hair bonnet satin",
        "Jollof spice mix",
        "Beaded necklace",
    ];
    let prices = [("₦", "8,500"), ("KSh ", "1,200"), ("R$ ", "89,90"), ("$", "24.99"), ("Rp ", "150.000")];
    let item = items[(n % items.len() as u64) as usize];
    let (symbol, price) = prices[(n / 8 % prices.len() as u64) as usize];
    let caption = format!("{item} no. {n} only {symbol}{price}! Order on WhatsApp #shop #restock");
    Some(json!({
        "version": "1.0",
        "type": "video",
        "title": caption,
        "author_url": "https://www.tiktok.com/@bulk.shop",
        "author_name": "Bulk Shop",
        "html": format!("<blockquote class=\"tiktok-embed\" cite=\"https://www.tiktok.com/@bulk.shop/video/{id}\" data-video-id=\"{id}\"></blockquote>"),
        "thumbnail_width": 720,
        "thumbnail_height": 1280,
        "provider_name": "TikTok",
        "provider_url": "https://www.tiktok.com",
        "embed_product_id": id,
        "embed_type": "video",
    }))
}
