//! `linkhub buyer`: plays a WhatsApp buyer against a local hub. It sends deliveries shaped and
//! signed as Meta's (`X-Hub-Signature-256` over the exact bytes, with the hub's app secret) to
//! `/webhooks/whatsapp`: a text, a reply button tap, an order, a status of a message the hub
//! sent. Then it prints what the hub sent back to this buyer, read from the sandbox's Graph
//! (`/_sandbox/graph/sent`).

use serde_json::{Value, json};
use std::time::Duration;

pub struct Args {
    pub hub: String,
    pub sandbox: String,
    pub app_secret: String,
    pub phone_number_id: String,
    /// The buyer's number (wa_id).
    pub from: String,
    pub name: String,
    pub text: Vec<String>,
    pub button: Vec<String>,
    /// `retailer_id:quantity:price:currency`, one per item.
    pub order: Vec<String>,
    /// `wamid:status`.
    pub status: Vec<String>,
    /// Seconds to wait for replies.
    pub wait: u64,
}

/// The app secret: the flag or `WHATSAPP_APP_SECRET`, else the one `make dev` keeps in
/// functions/whatsapp/.dev.vars.
pub fn app_secret(given: Option<String>) -> Result<String, String> {
    if let Some(s) = given.filter(|s| !s.is_empty()) {
        return Ok(s);
    }
    let file = std::path::Path::new("functions/whatsapp/.dev.vars");
    let text = std::fs::read_to_string(file).map_err(
        |_| "no app secret: pass --app-secret, set WHATSAPP_APP_SECRET, or run from the project after `make dev`",
    )?;
    text.lines()
        .find_map(|l| l.strip_prefix("WHATSAPP_APP_SECRET="))
        .map(str::to_owned)
        .ok_or_else(|| format!("{} has no WHATSAPP_APP_SECRET", file.display()))
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn seconds() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn wamid(n: usize) -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros());
    format!("wamid.buyer{t}{n}")
}

/// The `messages` change Meta would send for one message or status list.
fn delivery(a: &Args, value: Value) -> Vec<u8> {
    let mut value = value;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] = json!({"display_phone_number": "15550001111", "phone_number_id": a.phone_number_id});
    json!({"object": "whatsapp_business_account", "entry": [{"id": "0", "changes": [{"field": "messages", "value": value}]}]})
        .to_string()
        .into_bytes()
}

fn message(a: &Args, n: usize, kind: &str, content: Value) -> (String, Vec<u8>) {
    let id = wamid(n);
    let mut m = json!({"from": a.from, "id": id, "timestamp": seconds().to_string(), "type": kind});
    m[kind] = content;
    let body = delivery(a, json!({"contacts": [{"profile": {"name": a.name}, "wa_id": a.from}], "messages": [m]}));
    (format!("{kind} {id}"), body)
}

fn order_items(spec: &[String]) -> Result<Vec<Value>, String> {
    spec.iter()
        .map(|item| {
            let parts: Vec<&str> = item.split(':').collect();
            let [retailer, qty, price, currency] = parts.as_slice() else {
                return Err(format!("--order {item:?}: expected retailer_id:quantity:price:currency"));
            };
            let quantity: u32 = qty.parse().map_err(|_| format!("--order {item:?}: quantity must be a number"))?;
            Ok(json!({"product_retailer_id": retailer, "quantity": quantity, "item_price": price, "currency": currency}))
        })
        .collect()
}

pub fn run(a: &Args) -> Result<(), String> {
    let mut sends: Vec<(String, Vec<u8>)> = Vec::new();
    let mut n = 0;
    for t in &a.text {
        n += 1;
        sends.push(message(a, n, "text", json!({"body": t})));
    }
    for b in &a.button {
        n += 1;
        let reply =
            json!({"type": "button_reply", "button_reply": {"id": b.to_lowercase().replace(' ', "_"), "title": b}});
        sends.push(message(a, n, "interactive", reply));
    }
    if !a.order.is_empty() {
        n += 1;
        let items = order_items(&a.order)?;
        sends.push(message(a, n, "order", json!({"catalog_id": "0", "product_items": items})));
    }
    for s in &a.status {
        let (id, status) = s.rsplit_once(':').ok_or_else(|| format!("--status {s:?}: expected wamid:status"))?;
        let value = json!({"statuses": [{"id": id, "status": status, "timestamp": seconds().to_string(), "recipient_id": a.from}]});
        sends.push((format!("status {status} of {id}"), delivery(a, value)));
    }
    if sends.is_empty() {
        return Err("nothing to send: give --text, --button, --order or --status".into());
    }
    let agent = agent();
    let url = format!("{}/webhooks/whatsapp", a.hub.trim_end_matches('/'));
    for (what, body) in &sends {
        let signature = linkhub_core::whatsapp::webhook::sign(body, &a.app_secret);
        let resp = agent
            .post(&url)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", &signature)
            .send(&body[..])
            .map_err(|e| format!("{url}: {e}"))?;
        let status = resp.status().as_u16();
        let text = resp.into_body().read_to_string().unwrap_or_default();
        println!("sent {what}: {status} {text}");
        if status != 200 {
            return Err(format!("the hub refused the delivery ({status})"));
        }
    }
    replies(a, &agent)
}

/// What the hub sent this buyer, from the sandbox's record of Graph calls.
fn replies(a: &Args, agent: &ureq::Agent) -> Result<(), String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(a.wait);
    let url = format!("{}/_sandbox/graph/sent", a.sandbox.trim_end_matches('/'));
    loop {
        let body = agent
            .get(&url)
            .call()
            .map_err(|e| format!("{url}: {e}"))?
            .into_body()
            .read_to_vec()
            .map_err(|e| e.to_string())?;
        let sent: Value = serde_json::from_slice(&body).map_err(|e| format!("{url}: {e}"))?;
        let mine: Vec<&Value> = sent
            .as_array()
            .map(|all| all.iter().filter(|s| s["request"]["to"] == a.from.as_str()).collect())
            .unwrap_or_default();
        if !mine.is_empty() || std::time::Instant::now() >= deadline {
            if mine.is_empty() {
                println!("no replies from the hub to {} within {} s", a.from, a.wait);
            }
            for s in mine {
                println!("reply {}: {}", s["wamid"].as_str().unwrap_or("?"), s["request"]);
            }
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}
