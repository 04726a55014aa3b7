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
    connected_seller_with(hub, json!({}))
}

fn connected_seller_with(hub: &Hub, extra: Value) -> (String, String) {
    let (token, _) = hub.seller();
    let phone = unique("");
    let mut body =
        json!({"phone_number_id": phone, "waba_id": "102290129340398", "access_token": "EAAe2eSandboxToken0123456789"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let r = hub.request("PUT", "/api/v1/whatsapp/connection", Some(&token), &[], Some(body.to_string().into_bytes()));
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

/// A buyer's text sent just now: the customer-service window is open.
fn text_now(phone: &str, wamid: &str, from: &str, body: &str) -> Vec<u8> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    change(
        phone,
        json!({"contacts": [{"profile": {"name": "Amara"}, "wa_id": from}],
               "messages": [{"from": from, "id": wamid, "timestamp": now.to_string(), "type": "text", "text": {"body": body}}]}),
    )
}

/// Polls one conversation until `done` holds for it.
fn wait_conversation(hub: &Hub, token: &str, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let d = conversation(hub, token, id);
        if done(&d) {
            return d;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the conversation did not settle: {d:#}");
        std::thread::sleep(Duration::from_millis(150));
    }
}

fn message<'a>(detail: &'a Value, id: &str) -> &'a Value {
    detail["messages"].as_array().and_then(|m| m.iter().find(|m| m["id"] == id)).unwrap_or(&Value::Null)
}

/// What the sandbox's Graph received for one number.
fn graph_sent(hub: &Hub, phone: &str) -> Vec<Value> {
    let all = hub.sandbox_call("GET", "/_sandbox/graph/sent", None);
    all.as_array().unwrap().iter().filter(|s| s["phone_number_id"] == phone).cloned().collect()
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

/// The seller answers from the inbox: the reply (text, then reply buttons) is queued, sent by the
/// send consumer to Graph exactly as Meta documents it, takes Graph's wamid and Meta's statuses;
/// reading the conversation sends the buyer's blue ticks.
#[test]
fn a_reply_from_the_inbox_reaches_graph_and_follows_its_statuses() {
    let hub = Hub::from_env();
    let (token, phone) = connected_seller(&hub);
    let buyer = "2348030000104";
    let inbound = format!("wamid.e2e.{phone}.ask");
    deliver(&hub, &text_now(&phone, &inbound, buyer, "Do you deliver to Ikeja?"));
    let inbox = wait_inbox(&hub, &token, |v| v["items"].as_array().is_some_and(|i| !i.is_empty()));
    let id = inbox["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(inbox["items"][0]["window"]["open"], true);
    let path = format!("/api/v1/inbox/conversations/{id}/messages");
    let r = hub.request(
        "POST",
        &path,
        Some(&token),
        &[("idempotency-key", "reply-1")],
        Some(json!({"type": "text", "text": {"body": "Yes, tomorrow: https://shop.example/d", "preview_url": true}, "reply_to": inbound}).to_string().into_bytes()),
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let reply = r.json()["id"].as_str().unwrap().to_owned();
    let buttons = json!({"type": "interactive", "interactive": {"type": "button", "body": {"text": "Which size?"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "size-m", "title": "M"}}, {"type": "reply", "reply": {"id": "size-l", "title": "L"}}]}}});
    let r = hub.post(&path, Some(&token), &buttons);
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let ask = r.json()["id"].as_str().unwrap().to_owned();
    let too_many = json!({"type": "interactive", "interactive": {"type": "button", "body": {"text": "x"}, "action": {"buttons": [
        {"type": "reply", "reply": {"id": "a", "title": "A"}}, {"type": "reply", "reply": {"id": "b", "title": "B"}},
        {"type": "reply", "reply": {"id": "c", "title": "C"}}, {"type": "reply", "reply": {"id": "d", "title": "D"}}]}}});
    let r = hub.post(&path, Some(&token), &too_many);
    assert_eq!((r.status, r.error_code()), (422, "invalid_fields".to_owned()));
    let detail = wait_conversation(&hub, &token, &id, |d| {
        message(d, &reply)["status"] == "accepted" && message(d, &ask)["status"] == "accepted"
    });
    let wamid = message(&detail, &reply)["wamid"].as_str().unwrap().to_owned();
    let sent = graph_sent(&hub, &phone);
    let got = sent.iter().find(|s| s["wamid"] == wamid.as_str()).expect("Graph got the reply");
    assert_eq!(
        got["request"],
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": buyer, "context": {"message_id": inbound},
               "type": "text", "text": {"body": "Yes, tomorrow: https://shop.example/d", "preview_url": true}})
    );
    assert_eq!(sent.iter().filter(|s| s["request"]["type"] == "interactive").count(), 1);
    deliver(
        &hub,
        &change(
            &phone,
            json!({"statuses": [{"id": wamid, "status": "delivered", "timestamp": "1790000100", "recipient_id": buyer}]}),
        ),
    );
    wait_conversation(&hub, &token, &id, |d| message(d, &reply)["status"] == "delivered");
    let r = hub.request(
        "PATCH",
        &format!("/api/v1/inbox/conversations/{id}"),
        Some(&token),
        &[],
        Some(json!({"read": true}).to_string().into_bytes()),
    );
    assert_eq!((r.status, r.json()["unread"].as_i64()), (200, Some(0)), "{}", String::from_utf8_lossy(&r.body));
    let start = Instant::now();
    while !graph_sent(&hub, &phone)
        .iter()
        .any(|s| s["request"]["status"] == "read" && s["request"]["message_id"] == inbound.as_str())
    {
        assert!(start.elapsed() < Duration::from_secs(30), "no read receipt reached Graph");
        std::thread::sleep(Duration::from_millis(150));
    }
}

/// Graph refuses a reply because the window closed (131047): the message ends failed with the
/// code, and the seller's re-engagement template goes in its place.
#[test]
fn outside_the_window_the_reengagement_template_goes_instead() {
    let hub = Hub::from_env();
    let (token, phone) =
        connected_seller_with(&hub, json!({"reengagement_template": {"name": "come_back", "language": "en"}}));
    deliver(&hub, &text_now(&phone, &format!("wamid.e2e.{phone}.late"), "2348030000105", "price?"));
    let inbox = wait_inbox(&hub, &token, |v| v["items"].as_array().is_some_and(|i| !i.is_empty()));
    let id = inbox["items"][0]["id"].as_str().unwrap().to_owned();
    hub.sandbox_call(
        "POST",
        "/_sandbox/graph/misbehave",
        Some(&json!({"code": 131047, "times": 1, "phone_number_id": phone})),
    );
    let r = hub.post(
        &format!("/api/v1/inbox/conversations/{id}/messages"),
        Some(&token),
        &json!({"type": "text", "text": {"body": "It is 15,000 NGN"}}),
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let original = r.json()["id"].as_str().unwrap().to_owned();
    let detail = wait_conversation(&hub, &token, &id, |d| {
        let m = message(d, &original);
        m["status"] == "failed" && m["replaced_by"].as_str().is_some_and(|t| message(d, t)["status"] == "accepted")
    });
    let m = message(&detail, &original);
    assert_eq!(m["error_code"], 131047);
    let template = message(&detail, m["replaced_by"].as_str().unwrap());
    assert_eq!(template["type"], "template");
    let sent = graph_sent(&hub, &phone);
    assert_eq!(sent.last().unwrap()["request"]["template"], json!({"name": "come_back", "language": {"code": "en"}}));
}

/// A buyer's photo: the delivery names Graph's media id; the send consumer asks Graph for it,
/// reads its URL with the seller's token, checks type, size and hash, and keeps it (R2; Spin's
/// objects store) for the inbox to show.
#[test]
fn a_buyers_photo_is_kept_and_served_to_the_seller() {
    let hub = Hub::from_env();
    let (token, phone) = connected_seller(&hub);
    let png = include_bytes!("../../../fixtures/tiktok/7301000000000000002.png");
    let b = ureq::http::Request::builder()
        .method("POST")
        .uri(format!("{}/_sandbox/graph/media?type=image/png", hub.sandbox))
        .body(png.to_vec())
        .unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let resp = agent.run(b).unwrap();
    let media: Value = serde_json::from_slice(&resp.into_body().read_to_vec().unwrap()).unwrap();
    let media_id = media["id"].as_str().unwrap().to_owned();
    let wamid = format!("wamid.e2e.{phone}.photo");
    deliver(
        &hub,
        &change(
            &phone,
            json!({"contacts": [{"profile": {"name": "Amara"}, "wa_id": "2348030000106"}],
                   "messages": [{"from": "2348030000106", "id": wamid, "timestamp": "1790000000", "type": "image",
                                 "image": {"id": media_id, "mime_type": "image/png", "caption": "this one?"}}]}),
        ),
    );
    let inbox = wait_inbox(&hub, &token, |v| v["items"].as_array().is_some_and(|i| !i.is_empty()));
    let id = inbox["items"][0]["id"].as_str().unwrap().to_owned();
    let detail = wait_conversation(&hub, &token, &id, |d| d["messages"][0]["media"].is_object());
    let m = &detail["messages"][0];
    assert_eq!(
        (m["media"]["content_type"].as_str(), m["media"]["bytes"].as_u64()),
        (Some("image/png"), Some(png.len() as u64))
    );
    let r = hub.get(m["media"]["url"].as_str().unwrap(), Some(&token));
    assert_eq!(r.status, 200);
    assert_eq!(r.body, png.to_vec());
    assert_eq!(r.header("content-type"), Some("image/png"));
    let (other, _) = connected_seller(&hub);
    assert_eq!(hub.get(m["media"]["url"].as_str().unwrap(), Some(&other)).status, 404);
}
