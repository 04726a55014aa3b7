//! WhatsApp helpers shared by the channel's tests: signed deliveries, connections, rows.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use super::{Reply, TestApp, WHATSAPP_APP_SECRET};
use linkhub_core::ports::{Sql, Stmt};
use linkhub_core::stages::StageOutcome;
use linkhub_core::whatsapp::webhook::sign;
use linkhub_testkit::block_on;
use serde_json::{Value, json};
use std::path::PathBuf;

pub const GOOD_TOKEN: &str = "EAAsandboxTokenForTests0123456789";

pub fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/whatsapp-corpus")
}

pub fn deliver_raw(app: &TestApp, body: &[u8], signature: Option<&str>) -> Reply {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(s) = signature {
        headers.push(("x-hub-signature-256", s));
    }
    app.call_raw("POST", "/webhooks/whatsapp", None, &headers, body.to_vec())
}

/// Signs and posts a delivery, then runs the consumer; every reference must settle as done.
pub fn deliver(app: &TestApp, body: &[u8]) {
    let r = deliver_raw(app, body, Some(&sign(body, WHATSAPP_APP_SECRET)));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    for outcome in app.step_whatsapp() {
        assert_eq!(outcome, StageOutcome::Done);
    }
}

pub fn rows(app: &TestApp, sql: &str, params: &[&str]) -> Vec<Value> {
    let mut stmt = Stmt::new(sql);
    for p in params {
        stmt = stmt.bind(*p);
    }
    block_on(app.sql.query(stmt)).unwrap().into_iter().map(Value::Object).collect()
}

pub fn seller_id(app: &TestApp, token: &str) -> String {
    app.get("/api/v1/auth/me", Some(token)).json()["id"].as_str().unwrap().to_owned()
}

pub fn connect(app: &TestApp, token: &str, phone_number_id: &str) -> Reply {
    app.call(
        "PUT",
        "/api/v1/whatsapp/connection",
        Some(token),
        &[],
        Some(&json!({"phone_number_id": phone_number_id, "waba_id": "102290129340398", "access_token": GOOD_TOKEN})),
    )
}

pub fn text_delivery(phone_number_id: &str, wamid: &str, from: &str, body: &str, ts: i64) -> Vec<u8> {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "Chiamaka"}, "wa_id": from}],
        "messages": [{"from": from, "id": wamid, "timestamp": ts.to_string(), "type": "text", "text": {"body": body}}]
    }}]}]})
    .to_string()
    .into_bytes()
}

pub fn status_delivery(phone_number_id: &str, wamid: &str, to: &str, status: &str, ts: i64) -> Vec<u8> {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": phone_number_id},
        "statuses": [{"id": wamid, "status": status, "timestamp": ts.to_string(), "recipient_id": to}]
    }}]}]})
    .to_string()
    .into_bytes()
}

pub fn conversations(app: &TestApp, token: &str, query: &str) -> Value {
    let r = app.get(&format!("/api/v1/inbox/conversations{query}"), Some(token));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}
