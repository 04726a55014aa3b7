//! The WhatsApp channel end to end: Meta's handshake and signed deliveries reach the webhook
//! function through the gateway, are made durable (R2 or Spin's objects store, then the queue
//! or outbox), applied by the consumer, and read back through the inbox API.

use crate::support::{Hub, cli, unique};
use linkhub_core::whatsapp::webhook::sign;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn secret() -> String {
    std::env::var("WHATSAPP_APP_SECRET").expect("WHATSAPP_APP_SECRET: run through scripts/e2e.sh (make test)")
}

fn post_delivery(hub: &Hub, body: &[u8], signature: Option<&str>) -> crate::support::Reply {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(s) = signature {
        headers.push(("x-hub-signature-256", s));
    }
    hub.request("POST", "/webhooks/whatsapp", None, &headers, Some(body.to_vec()))
}

fn deliver(hub: &Hub, body: &[u8]) {
    let r = post_delivery(hub, body, Some(&sign(body, &secret())));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

/// A seller with a connected number (checked against the sandbox's Graph).
fn connected_seller(hub: &Hub) -> (String, String) {
    let (token, _) = hub.seller();
    let phone = unique("");
    let r = hub.request(
        "PUT",
        "/api/v1/whatsapp/connection",
        Some(&token),
        &[],
        Some(
            json!({"phone_number_id": phone, "waba_id": "102290129340398", "access_token": "EAAe2eSandboxToken0123456789"})
                .to_string()
                .into_bytes(),
        ),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(!String::from_utf8_lossy(&r.body).contains("EAAe2eSandboxToken0123456789"), "the token is never shown");
    (token, phone)
}

fn change(phone: &str, value: Value) -> Vec<u8> {
    let mut value = value;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] = json!({"display_phone_number": "15550001111", "phone_number_id": phone});
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]})
        .to_string()
        .into_bytes()
}

fn text(phone: &str, wamid: &str, from: &str, body: &str) -> Vec<u8> {
    change(
        phone,
        json!({"contacts": [{"profile": {"name": "Amara"}, "wa_id": from}],
               "messages": [{"from": from, "id": wamid, "timestamp": "1790000000", "type": "text", "text": {"body": body}}]}),
    )
}

/// Polls the seller's inbox until `done` holds (the consumer runs shortly after the 200).
fn wait_inbox(hub: &Hub, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let r = hub.get("/api/v1/inbox/conversations", Some(token));
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let v = r.json();
        if done(&v) {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the inbox did not settle: {v:#}");
        std::thread::sleep(Duration::from_millis(150));
    }
}

fn conversation(hub: &Hub, token: &str, id: &str) -> Value {
    let r = hub.get(&format!("/api/v1/inbox/conversations/{id}"), Some(token));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

#[test]
fn whatsapp_handshake_needs_the_verify_token_and_deliveries_a_valid_signature() {
    let hub = Hub::from_env();
    let verify = std::env::var("WHATSAPP_VERIFY_TOKEN").unwrap();
    let r = hub.get(
        &format!("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={verify}"),
        None,
    );
    assert_eq!((r.status, r.body.as_slice()), (200, b"1158201444".as_slice()));
    let r = hub.get("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong", None);
    assert_eq!((r.status, r.error_code()), (403, "verify_token_mismatch".to_owned()));
    let body = text("123", "wamid.e2e.sig", "2348030000100", "hi");
    assert_eq!(post_delivery(&hub, &body, None).error_code(), "signature_missing");
    let sha1 = format!("sha1={}", &sign(&body, &secret())[7..47]);
    assert_eq!(post_delivery(&hub, &body, Some(&sha1)).error_code(), "signature_malformed");
    let wrong = sign(&body, "not-the-app-secret");
    let r = post_delivery(&hub, &body, Some(&wrong));
    assert_eq!((r.status, r.error_code()), (401, "signature_mismatch".to_owned()));
    // A number no seller has: acknowledged, so Meta stops retrying.
    assert_eq!(post_delivery(&hub, &body, Some(&sign(&body, &secret()))).status, 200);
}

#[test]
fn a_buyers_text_and_statuses_reach_the_sellers_inbox_and_no_one_elses() {
    let hub = Hub::from_env();
    let (token, phone) = connected_seller(&hub);
    let (other, _) = connected_seller(&hub);
    let buyer = "2348030000101";
    deliver(&hub, &text(&phone, &format!("wamid.e2e.{phone}.1"), buyer, "Is the 👗 in size M? @ankara"));
    let inbox = wait_inbox(&hub, &token, |v| v["items"].as_array().is_some_and(|i| !i.is_empty()));
    let item = &inbox["items"][0];
    assert_eq!(item["last_preview"], "Is the 👗 in size M? @ankara");
    assert_eq!(item["contact"]["name"], "Amara");
    assert_eq!(item["contact"]["wa_id"], buyer);
    assert_eq!(
        (item["unread"].as_i64(), item["window"]["open"].as_bool()),
        (Some(1), Some(false)),
        "1790000000 is long past"
    );
    // `read` arrives before `delivered`: the message stays read.
    let out = format!("wamid.e2e.{phone}.out");
    deliver(
        &hub,
        &change(
            &phone,
            json!({"statuses": [
                {"id": out, "status": "read", "timestamp": "1790000060", "recipient_id": buyer},
                {"id": out, "status": "delivered", "timestamp": "1790000050", "recipient_id": buyer}
            ]}),
        ),
    );
    let id = item["id"].as_str().unwrap().to_owned();
    let start = Instant::now();
    let detail = loop {
        let d = conversation(&hub, &token, &id);
        if d["messages"].as_array().unwrap().len() == 2 {
            break d;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the status did not arrive: {d:#}");
        std::thread::sleep(Duration::from_millis(150));
    };
    let out_msg = detail["messages"].as_array().unwrap().iter().find(|m| m["direction"] == "out").unwrap().clone();
    assert_eq!(out_msg["status"], "read", "{detail:#}");
    assert_eq!(
        hub.get("/api/v1/inbox/conversations", Some(&other)).json()["items"],
        json!([]),
        "another seller sees nothing"
    );
    assert_eq!(hub.get(&format!("/api/v1/inbox/conversations/{id}"), Some(&other)).status, 404);
}

#[test]
fn the_same_delivery_sent_concurrently_is_stored_once() {
    let hub = Hub::from_env();
    let (token, phone) = connected_seller(&hub);
    let body = text(&phone, &format!("wamid.e2e.{phone}.dup"), "2348030000102", "once only");
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..6).map(|_| s.spawn(|| deliver(&Hub::from_env(), &body))).collect();
        for h in handles {
            h.join().unwrap();
        }
    });
    let inbox = wait_inbox(&hub, &token, |v| v["items"].as_array().is_some_and(|i| !i.is_empty()));
    let id = inbox["items"][0]["id"].as_str().unwrap().to_owned();
    // Every copy has been applied once the queue is empty; give the consumer its batch window.
    std::thread::sleep(Duration::from_secs(3));
    let detail = conversation(&hub, &token, &id);
    assert_eq!(detail["messages"].as_array().unwrap().len(), 1, "{detail:#}");
    assert_eq!(detail["unread"], 1);
}

/// What the README tells a new user to try: `linkhub buyer` sends a text and a status, and both
/// are in the seller's inbox.
#[test]
fn linkhub_buyer_sends_a_text_and_a_status_that_reach_the_inbox() {
    let hub = Hub::from_env();
    let (token, phone) = connected_seller(&hub);
    let out_wamid = format!("wamid.e2e.{phone}.buyer-status");
    let out = cli()
        .args(["buyer", "--hub", &hub.base, "--sandbox", &hub.sandbox, "--phone-number-id", &phone])
        .args([
            "--from",
            "2348030000103",
            "--text",
            "Hello from the CLI",
            "--status",
            &format!("{out_wamid}:delivered"),
        ])
        .args(["--wait", "0"])
        .env("WHATSAPP_APP_SECRET", secret())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.matches(": 200 ").count(), 2, "{stdout}");
    let inbox = wait_inbox(&hub, &token, |v| v["items"].as_array().is_some_and(|i| !i.is_empty()));
    let id = inbox["items"][0]["id"].as_str().unwrap().to_owned();
    let start = Instant::now();
    loop {
        let d = conversation(&hub, &token, &id);
        let msgs = d["messages"].as_array().unwrap().clone();
        let text = msgs.iter().any(|m| m["direction"] == "in" && m["preview"] == "Hello from the CLI");
        let status = msgs.iter().any(|m| m["wamid"] == out_wamid.as_str() && m["status"] == "delivered");
        if text && status {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{d:#}");
        std::thread::sleep(Duration::from_millis(150));
    }
}

#[test]
fn a_template_is_created_on_graph_listed_and_deleted() {
    let hub = Hub::from_env();
    let (token, _) = connected_seller(&hub);
    let name = format!("welcome_{}", unique(""));
    let template = json!({"name": name, "language": "en", "category": "MARKETING", "components": [
        {"type": "BODY", "text": "Hi {{1}}, new stock is in", "example": {"body_text": [["Amara"]]}},
        {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Show me"}]}
    ]});
    let r = hub.post("/api/v1/whatsapp/templates", Some(&token), &template);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["status"], "PENDING");
    let list = hub.get("/api/v1/whatsapp/templates", Some(&token)).json();
    assert_eq!(list["items"][0]["name"], name.as_str());
    let r = hub.request("DELETE", &format!("/api/v1/whatsapp/templates?name={name}"), Some(&token), &[], None);
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(hub.get("/api/v1/whatsapp/templates", Some(&token)).json()["items"], json!([]));
}
