//! The WhatsApp sender over native ports (real SQLite, memory KV and queue) and the sandbox's
//! Graph: every send request and response in `../shared/whatsapp-corpus/send` read by the
//! hub's types and the valid ones sent through the API as Meta documents them; limits refused
//! before anything is queued; the 24-hour window, STOP and template review checked; retries with
//! backoff and jitter; the per-number breaker and throughput; 131047's re-engagement template;
//! read receipts; statuses that arrive before Graph's answer; tenant isolation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::wa::{GOOD_TOKEN, conversations, corpus, deliver, rows, seller_id, status_delivery, text_delivery};
use common::{Reply, T0, TestApp, sandbox};
use linkhub_core::breaker;
use linkhub_core::ports::{Http, Kv, OutboundRequest, Queue, Topic};
use linkhub_core::stages::StageOutcome;
use linkhub_core::whatsapp::message::{Envelope, ReadReceipt, SendAnswer};
use linkhub_core::whatsapp::send::{self, Job, MAX_ATTEMPTS};
use linkhub_testkit::block_on;
use serde_json::{Value, json};
use std::path::PathBuf;

const BUYER: &str = "2348031234567";

/// A seller with a connected number and one buyer who has just written (the window is open).
struct Chat {
    app: TestApp,
    token: String,
    seller: String,
    phone: String,
    conversation: String,
}

fn chat_with(phone: &str, cfg: &[(&str, &str)], connection: Value) -> Chat {
    let app = TestApp::with_config(cfg);
    let token = app.signup("kemi");
    let mut body = json!({"phone_number_id": phone, "waba_id": "102290129340398", "access_token": GOOD_TOKEN});
    if let (Some(b), Some(extra)) = (body.as_object_mut(), connection.as_object()) {
        b.extend(extra.clone());
    }
    let r = app.call("PUT", "/api/v1/whatsapp/connection", Some(&token), &[], Some(&body));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    deliver(
        &app,
        &text_delivery(phone, &format!("wamid.in.{phone}"), BUYER, "Is the ankara dress in stock?", T0 / 1000),
    );
    let conversation = conversations(&app, &token, "")["items"][0]["id"].as_str().unwrap().to_owned();
    let seller = seller_id(&app, &token);
    Chat { app, token, seller, phone: phone.to_owned(), conversation }
}

fn chat(phone: &str) -> Chat {
    chat_with(phone, &[], json!({}))
}

impl Chat {
    fn send(&self, message: &Value) -> Reply {
        self.send_keyed(message, None)
    }

    fn send_keyed(&self, message: &Value, key: Option<&str>) -> Reply {
        let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
        let path = format!("/api/v1/inbox/conversations/{}/messages", self.conversation);
        self.app.call("POST", &path, Some(&self.token), &headers, Some(message))
    }

    fn message(&self, id: &str) -> Value {
        let r = self.app.get(&format!("/api/v1/inbox/conversations/{}", self.conversation), Some(&self.token));
        r.json()["messages"].as_array().unwrap().iter().find(|m| m["id"] == id).cloned().unwrap_or(Value::Null)
    }

    fn row(&self, id: &str) -> Value {
        rows(&self.app, "SELECT * FROM wa_messages WHERE id = ?", &[id]).pop().unwrap()
    }

    /// What the sandbox's Graph received for this number, oldest first.
    fn sent(&self) -> Vec<Value> {
        let r =
            block_on(self.app.http.send(OutboundRequest::get(format!("{}/_sandbox/graph/sent", sandbox()), 1 << 24)))
                .unwrap();
        let all: Value = serde_json::from_slice(&r.body).unwrap();
        all.as_array().unwrap().iter().filter(|s| s["phone_number_id"] == self.phone.as_str()).cloned().collect()
    }

    fn misbehave(&self, code: i64, times: u64) {
        let mut req = OutboundRequest::get(format!("{}/_sandbox/graph/misbehave", sandbox()), 4096);
        req.method = http::Method::POST;
        req.body = json!({"code": code, "times": times, "phone_number_id": self.phone}).to_string().into_bytes();
        assert_eq!(block_on(self.app.http.send(req)).unwrap().status, 200);
    }

    /// Runs the sender over what is queued; every job must settle (none retried by the queue).
    fn step(&self) -> Vec<(String, StageOutcome)> {
        self.app.step_whatsapp_send()
    }
}

fn text(body: &str) -> Value {
    json!({"type": "text", "text": {"body": body}})
}

fn corpus_files(suffix: &str) -> Vec<PathBuf> {
    let dir = corpus().join("send");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (../shared must be beside the project)", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

fn name(p: &std::path::Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// A corpus request as Graph reads it: the Cloud API takes a missing `type` as text.
fn as_graph_reads_it(mut v: Value) -> Value {
    if v.get("type").is_none() && v.get("text").is_some() {
        v["type"] = json!("text");
    }
    v
}

/// Every request shape Meta documents (and the corpus holds) is one the hub's types can carry,
/// member for member: read and written back, the JSON is the same. Every response is read.
#[test]
fn every_send_request_and_response_in_the_corpus_is_understood() {
    let requests = corpus_files(".request.json");
    assert!(requests.len() >= 29, "{} requests", requests.len());
    for file in &requests {
        let doc = as_graph_reads_it(serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap());
        let back = if doc.get("status").is_some() {
            serde_json::to_value(
                serde_json::from_value::<ReadReceipt>(doc.clone()).unwrap_or_else(|e| panic!("{}: {e}", name(file))),
            )
        } else {
            serde_json::to_value(
                serde_json::from_value::<Envelope>(doc.clone()).unwrap_or_else(|e| panic!("{}: {e}", name(file))),
            )
        }
        .unwrap();
        assert_eq!(back, doc, "{} does not survive the hub's types", name(file));
    }
    let responses = corpus_files(".response.json");
    assert!(responses.len() >= 30, "{} responses", responses.len());
    let (mut messages, mut reads) = (0, 0);
    for file in &responses {
        let answer: SendAnswer = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        match answer.wamid() {
            Some(w) => {
                assert!(w.starts_with("wamid."), "{}: {w}", name(file));
                messages += 1;
            }
            None => {
                assert_eq!(answer.success, Some(true), "{}: neither a wamid nor success", name(file));
                reads += 1;
            }
        }
    }
    assert_eq!((messages, reads), (responses.len() - 2, 2));
}

/// Each corpus request goes through the API and the sender, and Graph receives exactly that
/// request (the recipient being our buyer). The ones the hub refuses are refused for what they
/// are: the placeholders Meta's collection leaves in links, coordinates, a language code, a
/// header type and an emoji, named field by field.
#[test]
fn corpus_requests_reach_graph_through_the_sender_as_meta_documents_them() {
    let c = chat("5550100001");
    let mut refused: Vec<(String, Vec<String>)> = Vec::new();
    let mut sent = 0;
    for file in corpus_files(".request.json") {
        let mut doc = as_graph_reads_it(serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap());
        if doc.get("status").is_some() {
            continue; // read receipts: see reading_a_conversation_sends_the_read_receipt
        }
        let mut input = doc.clone();
        let o = input.as_object_mut().unwrap();
        for k in ["messaging_product", "recipient_type", "to"] {
            o.remove(k);
        }
        if let Some(ctx) = o.remove("context") {
            o.insert("reply_to".into(), ctx["message_id"].clone());
        }
        let r = c.send(&input);
        if r.status == 422 {
            let fields = r.json()["error"]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["path"].as_str().unwrap().to_owned())
                .collect();
            refused.push((name(&file), fields));
            continue;
        }
        assert_eq!(r.status, 202, "{}: {}", name(&file), String::from_utf8_lossy(&r.body));
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let outcomes = c.step();
        assert_eq!(outcomes.len(), 1);
        assert_eq!(outcomes[0].1, StageOutcome::Done, "{}", name(&file));
        let stored = c.row(&id);
        assert_eq!(stored["status"], "accepted", "{}", name(&file));
        let graph_got = c.sent().into_iter().find(|s| s["wamid"] == stored["wamid"]).expect("Graph got it");
        doc["to"] = json!(BUYER);
        doc["recipient_type"] = json!("individual");
        assert_eq!(graph_got["request"], doc, "{}", name(&file));
        sent += 1;
    }
    let refused_names: Vec<&str> = refused.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        refused_names,
        [
            "04-image-link.request.json",
            "06-document-link.request.json",
            "07-location.request.json",
            "12-template-body-text-currency-datetime.request.json",
            "13-template-header-image-body-params.request.json",
            "14-template-header-image-quick-reply-payloads.request.json",
            "18-product-list.request.json",
            "20-reaction.request.json",
        ],
        "{refused:?}"
    );
    for (file, fields) in &refused {
        assert!(!fields.is_empty(), "{file}: refused without naming a field");
    }
    assert_eq!(refused[0].1, ["image.link"], "\"http(s)://image-url\"");
    assert_eq!(refused[2].1, ["location.latitude", "location.longitude"], "\"<LOCATION_LATITUDE>\"");
    assert_eq!(refused[3].1, ["template.language.code"], "\"language-and-locale-code\"");
    assert_eq!(refused[6].1, ["interactive.header.type"], "\"<HEADER_TYPE>\"");
    assert_eq!(refused[7].1, ["reaction.emoji"], "\"<EMOJI>\"");
    assert_eq!(sent, 19);
}

#[test]
fn a_reply_is_queued_sent_once_and_follows_metas_statuses() {
    let c = chat("5550100002");
    let r = c
        .send_keyed(&json!({"type": "text", "text": {"body": "Yes! Size M or L?", "preview_url": false}}), Some("k-1"));
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let m = r.json();
    assert_eq!(
        (m["status"].as_str(), m["direction"].as_str(), m["type"].as_str()),
        (Some("queued"), Some("out"), Some("text"))
    );
    let id = m["id"].as_str().unwrap().to_owned();
    // The same key again is the same message, and it is not queued twice.
    let again = c.send_keyed(&text("Yes! Size M or L?"), Some("k-1"));
    assert_eq!((again.status, again.json()["id"].as_str()), (200, Some(id.as_str())));
    assert_eq!(
        c.step(),
        vec![(
            serde_json::to_string(&Job::Message { seller: c.seller.clone(), id: id.clone() }).unwrap(),
            StageOutcome::Done
        )]
    );
    let stored = c.row(&id);
    let wamid = stored["wamid"].as_str().unwrap().to_owned();
    assert!(wamid.starts_with("wamid.sandbox"), "{wamid}");
    assert_eq!((stored["status"].as_str(), stored["attempts"].as_i64()), (Some("accepted"), Some(1)));
    assert_eq!(c.sent().len(), 1, "sent once");
    // A redelivered job finds it sent.
    let job = serde_json::to_string(&Job::Message { seller: c.seller.clone(), id: id.clone() }).unwrap();
    assert_eq!(block_on(send::process(&c.app.send_deps(), &job)), StageOutcome::Done);
    assert_eq!(c.sent().len(), 1);
    // Meta's statuses, out of order, never move it back.
    deliver(&c.app, &status_delivery(&c.phone, &wamid, BUYER, "read", T0 / 1000 + 5));
    deliver(&c.app, &status_delivery(&c.phone, &wamid, BUYER, "delivered", T0 / 1000 + 3));
    assert_eq!(c.message(&id)["status"], "read");
    let list = conversations(&c.app, &c.token, "");
    assert_eq!(list["items"][0]["last_preview"], "Yes! Size M or L?");
}

#[test]
fn limits_and_the_window_are_checked_before_anything_is_queued() {
    let c = chat("5550100003");
    let button = |i: usize| json!({"type": "reply", "reply": {"id": format!("b{i}"), "title": format!("Option {i}")}});
    let four = json!({"type": "interactive", "interactive": {"type": "button", "body": {"text": "Which size?"},
        "action": {"buttons": [button(1), button(2), button(3), button(4)]}}});
    let r = c.send(&four);
    assert_eq!((r.status, r.code().as_str()), (422, "invalid_fields"));
    assert_eq!(r.json()["error"]["fields"][0]["path"], "interactive.action.buttons");
    let r = c.send(&json!({"type": "text", "text": {"body": "x".repeat(4097)}}));
    assert_eq!((r.status, r.json()["error"]["fields"][0]["path"].as_str()), (422, Some("text.body")));
    let r = c.send(&json!({"type": "carousel"}));
    assert_eq!(r.status, 400, "an unknown type is not a message");
    assert!(c.app.queue.is_empty(), "nothing queued");
    assert_eq!(rows(&c.app, "SELECT id FROM wa_messages WHERE direction = 'out'", &[]).len(), 0, "nothing stored");

    // A day after the buyer's message, only templates; the answer names the approved ones.
    block_on(linkhub_core::ports::Sql::execute(
        &c.app.sql,
        linkhub_core::ports::Stmt::new(
            "INSERT INTO wa_templates (id, seller_id, name, language, status, created_at, updated_at) VALUES \
             ('t1', ?, 'order_update', 'en_US', 'APPROVED', 0, 0), ('t2', ?, 'new_arrivals', 'en_US', 'PENDING', 0, 0)",
        )
        .bind(&c.seller)
        .bind(&c.seller),
    ))
    .unwrap();
    c.app.sys.advance_ms(24 * 3600 * 1000 + 1);
    let r = c.send(&text("Still interested?"));
    assert_eq!((r.status, r.code().as_str()), (409, "window_closed"));
    let message = r.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("order_update (en_US)") && !message.contains("new_arrivals"), "{message}");
    let template = |name: &str| json!({"type": "template", "template": {"name": name, "language": {"code": "en_US"}}});
    let r = c.send(&template("new_arrivals"));
    assert_eq!((r.status, r.code().as_str()), (409, "template_not_approved"));
    assert_eq!(c.send(&template("order_update")).status, 202);
    assert_eq!(c.step().len(), 1);
    assert_eq!(c.sent().last().unwrap()["request"]["template"]["name"], "order_update");
}

#[test]
fn transient_failures_retry_with_backoff_and_jitter_then_succeed() {
    let c = chat("5550100004");
    c.misbehave(500, 1);
    c.misbehave(131_056, 1);
    let id = c.send(&text("Here is the price list")).json()["id"].as_str().unwrap().to_owned();
    // RETRY_BASE_DELAY_SECONDS is 2 in TestApp: attempt 1 waits 1-2 s, attempt 2 (the pair
    // rate, at least 6 s) 3-6 s; each job comes back on the queue, not as a queue retry.
    let mut delays = Vec::new();
    for _ in 0..2 {
        let jobs = c.app.queue.take_delayed(Topic::WhatsappSend);
        assert_eq!(jobs.len(), 1);
        let outcome = block_on(send::process(&c.app.send_deps(), &jobs[0].0));
        assert_eq!(outcome, StageOutcome::Done);
        assert_eq!(c.row(&id)["status"], "queued");
        delays.push(c.app.queue.take_delayed(Topic::WhatsappSend).first().map(|(body, d)| {
            block_on(Queue::send(&c.app.queue, Topic::WhatsappSend, body)).unwrap();
            *d
        }));
    }
    let (d1, d2) = (delays[0].unwrap(), delays[1].unwrap());
    assert!((1..=2).contains(&d1), "first retry after {d1} s");
    assert!((3..=6).contains(&d2), "pair-rate retry after {d2} s");
    assert_eq!(c.row(&id)["error_code"], 131_056, "the last error is kept while it retries");
    assert_eq!(c.step()[0].1, StageOutcome::Done);
    let stored = c.row(&id);
    assert_eq!(
        (stored["status"].as_str(), stored["attempts"].as_i64(), stored["error_code"].as_i64()),
        (Some("accepted"), Some(3), None)
    );
}

#[test]
fn a_failing_graph_opens_the_numbers_breaker_and_the_message_fails_after_its_attempts() {
    let c = chat("5550100005");
    let other = chat("5550100006");
    c.misbehave(130_429, 100);
    let id = c.send(&text("Order confirmed")).json()["id"].as_str().unwrap().to_owned();
    let run = |c: &Chat| {
        let jobs = c.app.queue.take(Topic::WhatsappSend);
        for j in &jobs {
            assert_ne!(block_on(send::process(&c.app.send_deps(), j)), StageOutcome::Discarded);
        }
        jobs.len()
    };
    for attempt in 1..=5 {
        assert_eq!(run(&c), 1);
        assert_eq!(c.row(&id)["attempts"], attempt);
        c.app.sys.advance_ms(60_000); // past any backoff
    }
    let key = breaker::whatsapp_key(&c.phone);
    let state: Value = serde_json::from_slice(&block_on(c.app.kv.get(&key)).unwrap().expect("breaker state")).unwrap();
    assert!(state["open_until"].as_i64().unwrap() > 0, "open after 5 consecutive failures: {state}");
    // While open, the job waits without spending an attempt or calling Graph.
    c.app.sys.advance_ms(-59_000);
    let calls = c.sent().len();
    assert_eq!(run(&c), 1);
    assert_eq!(c.row(&id)["attempts"], 5);
    let (_, wait) = c.app.queue.take_delayed(Topic::WhatsappSend).pop().unwrap();
    assert!((1..=30).contains(&wait), "waits for the breaker: {wait} s");
    assert_eq!(c.sent().len(), calls);
    // Another seller's number is not held back.
    let r = other.send(&text("Hello"));
    assert_eq!(other.step()[0].1, StageOutcome::Done, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(other.row(r.json()["id"].as_str().unwrap())["status"], "accepted");
    // After the open period one probe goes; it fails and that was the last attempt.
    c.app.sys.advance_ms(31_000);
    let job = serde_json::to_string(&Job::Message { seller: c.seller.clone(), id: id.clone() }).unwrap();
    let outcome = block_on(send::process(&c.app.send_deps(), &job));
    assert_eq!(outcome, StageOutcome::Failed { code: "retries_exhausted".into() });
    let stored = c.row(&id);
    assert_eq!(
        (stored["status"].as_str(), stored["attempts"].as_i64(), stored["error_code"].as_i64()),
        (Some("failed"), Some(MAX_ATTEMPTS), Some(130_429))
    );
    assert!(stored["error_title"].as_str().unwrap().contains("gave up after 6 attempts"), "{stored}");
}

#[test]
fn outside_the_window_graph_refusal_sends_the_reengagement_template_once() {
    let c = chat_with("5550100007", &[], json!({"reengagement_template": {"name": "come_back", "language": "en_US"}}));
    assert_eq!(
        c.app.get("/api/v1/whatsapp/connection", Some(&c.token)).json()["reengagement_template"],
        json!({"name": "come_back", "language": "en_US"})
    );
    c.misbehave(131_047, 1);
    let id = c.send(&text("Your order shipped")).json()["id"].as_str().unwrap().to_owned();
    assert_eq!(c.step()[0].1, StageOutcome::Failed { code: "window_closed".into() });
    let original = c.message(&id);
    assert_eq!((original["status"].as_str(), original["error_code"].as_i64()), (Some("failed"), Some(131_047)));
    let replacement = original["replaced_by"].as_str().expect("replaced").to_owned();
    assert_eq!(c.step()[0].1, StageOutcome::Done);
    let tpl = c.message(&replacement);
    assert_eq!((tpl["type"].as_str(), tpl["status"].as_str()), (Some("template"), Some("accepted")));
    assert_eq!(
        c.sent().last().unwrap()["request"]["template"],
        json!({"name": "come_back", "language": {"code": "en_US"}})
    );

    // Meta may accept a message and fail it later by webhook: the same replacement, once.
    let id = c.send(&text("Still there?")).json()["id"].as_str().unwrap().to_owned();
    c.step();
    let wamid = c.row(&id)["wamid"].as_str().unwrap().to_owned();
    let failed = json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001111", "phone_number_id": c.phone},
        "statuses": [{"id": wamid, "status": "failed", "timestamp": (T0 / 1000 + 9).to_string(), "recipient_id": BUYER,
            "errors": [{"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message"}]}]}}]}]});
    let body = failed.to_string().into_bytes();
    deliver(&c.app, &body);
    deliver(&c.app, &body); // Meta's duplicate
    let m = c.message(&id);
    assert_eq!((m["status"].as_str(), m["error_code"].as_i64()), (Some("failed"), Some(131_047)));
    assert!(m["replaced_by"].is_string(), "{m}");
    assert_eq!(c.step().len(), 1, "one replacement for two reports");
}

#[test]
fn a_buyer_who_said_stop_gets_replies_but_no_templates() {
    let c = chat("5550100008");
    deliver(&c.app, &text_delivery(&c.phone, "wamid.stop.1", BUYER, "STOP", T0 / 1000 + 1));
    let r = c.send(&json!({"type": "template", "template": {"name": "promo", "language": {"code": "en"}}}));
    assert_eq!((r.status, r.code().as_str()), (409, "buyer_opted_out"));
    assert_eq!(c.send(&text("Understood, you will get no more offers.")).status, 202, "a reply inside the window");
}

#[test]
fn a_numbers_sends_stay_under_its_throughput() {
    let c = chat_with("5550100009", &[("WHATSAPP_SEND_PER_SECOND", "2")], json!({}));
    for i in 0..3 {
        assert_eq!(c.send(&text(&format!("Item {i}"))).status, 202);
    }
    let outcomes = c.step();
    assert!(outcomes.iter().all(|(_, o)| *o == StageOutcome::Done));
    assert_eq!(c.sent().len(), 2, "two this second");
    let back = c.app.queue.take_delayed(Topic::WhatsappSend);
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].1, 1, "the third waits a second");
    c.app.sys.advance_ms(1000);
    block_on(Queue::send(&c.app.queue, Topic::WhatsappSend, &back[0].0)).unwrap();
    c.step();
    assert_eq!(c.sent().len(), 3);
    assert_eq!(
        rows(&c.app, "SELECT id FROM wa_messages WHERE direction = 'out' AND status = 'accepted'", &[]).len(),
        3
    );
}

#[test]
fn reading_a_conversation_sends_the_read_receipt() {
    let c = chat("5550100010");
    let path = format!("/api/v1/inbox/conversations/{}", c.conversation);
    assert_eq!(c.app.get(&path, Some(&c.token)).json()["unread"], 1);
    let r = c.app.call("PATCH", &path, Some(&c.token), &[], Some(&json!({"read": true, "state": "resolved"})));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!((r.json()["unread"].as_i64(), r.json()["state"].as_str()), (Some(0), Some("resolved")));
    assert_eq!(c.step()[0].1, StageOutcome::Done);
    let got = c.sent().pop().unwrap();
    assert_eq!(
        got["request"],
        json!({"messaging_product": "whatsapp", "status": "read", "message_id": format!("wamid.in.{}", c.phone)})
    );
    let r = c.app.call("PATCH", &path, Some(&c.token), &[], Some(&json!({"state": "closed"})));
    assert_eq!((r.status, r.code().as_str()), (422, "invalid_fields"));
}

#[test]
fn one_sellers_conversation_cannot_be_sent_into_or_read_by_another() {
    let c = chat("5550100011");
    let intruder = c.app.signup("intruder");
    let path = format!("/api/v1/inbox/conversations/{}/messages", c.conversation);
    let r = c.app.call("POST", &path, Some(&intruder), &[], Some(&text("hi")));
    assert_eq!(r.status, 404);
    let r = c.app.call(
        "PATCH",
        &format!("/api/v1/inbox/conversations/{}", c.conversation),
        Some(&intruder),
        &[],
        Some(&json!({"read": true})),
    );
    assert_eq!(r.status, 404);
    assert!(c.app.queue.is_empty());
}

#[test]
fn a_status_that_arrives_before_grahs_answer_is_folded_into_the_message() {
    let c = chat("5550100012");
    let id = c.send(&text("Packed and ready")).json()["id"].as_str().unwrap().to_owned();
    let _ = c.app.queue.take(Topic::WhatsappSend);
    deliver(&c.app, &status_delivery(&c.phone, "wamid.early.1", BUYER, "delivered", T0 / 1000 + 2));
    block_on(send::accepted(&c.app.sql, &c.app.sys, &c.seller, &id, "wamid.early.1")).unwrap();
    let stored = rows(&c.app, "SELECT id, status FROM wa_messages WHERE wamid = 'wamid.early.1'", &[]);
    assert_eq!(stored, vec![json!({"id": id, "status": "delivered"})]);
}

#[test]
fn a_dead_lettered_send_ends_failed_not_queued_forever() {
    let c = chat("5550100013");
    let id = c.send(&text("Hello")).json()["id"].as_str().unwrap().to_owned();
    let job = c.app.queue.take(Topic::WhatsappSend).pop().unwrap();
    let outcome = block_on(send::dead_letter(&c.app.sql, &c.app.sys, &job));
    assert_eq!(outcome, StageOutcome::Failed { code: "retries_exhausted".into() });
    assert_eq!(c.message(&id)["status"], "failed");
    assert_eq!(c.sent().len(), 0);
}

fn add_media(c: &Chat, mime: &str, bytes: &[u8]) -> String {
    let mut req = OutboundRequest::get(format!("{}/_sandbox/graph/media?type={mime}", sandbox()), 4096);
    req.method = http::Method::POST;
    req.body = bytes.to_vec();
    let r = block_on(c.app.http.send(req)).unwrap();
    assert_eq!(r.status, 200);
    serde_json::from_slice::<Value>(&r.body).unwrap()["id"].as_str().unwrap().to_owned()
}

fn image_delivery(phone: &str, wamid: &str, kind: &str, media_id: &str) -> Vec<u8> {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001111", "phone_number_id": phone},
        "contacts": [{"profile": {"name": "Chiamaka"}, "wa_id": BUYER}],
        "messages": [{"from": BUYER, "id": wamid, "timestamp": (T0 / 1000 + 30).to_string(), "type": kind,
            kind: {"id": media_id, "mime_type": "image/jpeg", "sha256": "ignored-here", "caption": "This one in red?"}}]}}]}]})
    .to_string()
    .into_bytes()
}

/// The medium's row as the inbox shows it.
fn media_of(c: &Chat, wamid: &str) -> Value {
    let id = rows(&c.app, "SELECT id FROM wa_messages WHERE wamid = ?", &[wamid]).pop().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    c.message(&id)
}

#[test]
fn a_buyers_photo_is_fetched_from_graph_into_the_blob_store_and_served_to_its_seller_only() {
    let c = chat("5550100014");
    let jpeg = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiktok/7301000000000000001.jpg"),
    )
    .unwrap();
    let media_id = add_media(&c, "image/jpeg", &jpeg);
    let body = image_delivery(&c.phone, "wamid.photo.1", "image", &media_id);
    deliver(&c.app, &body);
    deliver(&c.app, &body); // Meta's duplicate: stored once, fetched once
    let outcomes = c.step();
    assert_eq!(outcomes.len(), 1, "one fetch for two copies");
    assert_eq!(outcomes[0].1, StageOutcome::Done);
    let m = media_of(&c, "wamid.photo.1");
    assert_eq!(m["media"]["content_type"], "image/jpeg");
    assert_eq!(m["media"]["bytes"], jpeg.len());
    let url = m["media"]["url"].as_str().unwrap().to_owned();
    let r = c.app.get(&url, Some(&c.token));
    assert_eq!(r.status, 200);
    assert_eq!(r.body, jpeg, "the bytes Graph had");
    assert_eq!(r.headers.get("content-type").unwrap(), "image/jpeg");
    assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");
    let intruder = c.app.signup("intruder");
    assert_eq!(c.app.get(&url, Some(&intruder)).status, 404, "another seller cannot read it");
}

#[test]
fn media_that_are_not_what_they_claim_or_not_allowed_are_refused_with_the_reason() {
    let c = chat("5550100015");
    let cases = [
        (
            "wamid.m.html",
            "image",
            add_media(&c, "image/jpeg", b"<html><script>alert(1)</script></html>"),
            "the bytes are not image/jpeg",
        ),
        (
            "wamid.m.svg",
            "image",
            add_media(&c, "image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            "is not a type WhatsApp allows for image",
        ),
        (
            "wamid.m.exe",
            "document",
            add_media(&c, "application/x-msdownload", b"MZ\x90\x00"),
            "is not a type WhatsApp allows for document",
        ),
        ("wamid.m.gone", "image", "4040000000000001".to_owned(), "Graph refused the medium (code 100)"),
    ];
    for (wamid, kind, media_id, _) in &cases {
        deliver(&c.app, &image_delivery(&c.phone, wamid, kind, media_id));
    }
    let outcomes = c.step();
    assert_eq!(outcomes.len(), cases.len());
    assert!(outcomes.iter().all(|(_, o)| *o == StageOutcome::Failed { code: "media_refused".into() }), "{outcomes:?}");
    for (wamid, _, _, why) in &cases {
        let m = media_of(&c, wamid);
        assert!(m["media"].is_null(), "{wamid}: not kept");
        assert!(m["media_error"].as_str().unwrap_or("").contains(why), "{wamid}: {}", m["media_error"]);
    }
    assert_eq!(rows(&c.app, "SELECT id FROM wa_messages WHERE media_key IS NOT NULL", &[]).len(), 0);
}

/// A dead-lettered copy of a job whose message was sent meanwhile leaves it as sent.
#[test]
fn a_dead_lettered_copy_never_fails_a_message_already_sent() {
    let c = chat("5550100016");
    let id = c.send(&text("Hello")).json()["id"].as_str().unwrap().to_owned();
    let job = serde_json::to_string(&Job::Message { seller: c.seller.clone(), id: id.clone() }).unwrap();
    assert_eq!(c.step()[0].1, StageOutcome::Done);
    block_on(send::dead_letter(&c.app.sql, &c.app.sys, &job));
    assert_eq!(c.message(&id)["status"], "accepted");
}
