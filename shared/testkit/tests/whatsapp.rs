//! The WhatsApp channel over native ports (real SQLite, memory blobs and queue) and the sandbox's
//! Graph: the webhook's door (handshake, signatures on raw bytes, durability before the 200),
//! every delivery of the public corpus in `../shared/whatsapp-corpus` applied, duplicates stored
//! once, statuses monotonic, numbers routed to their seller only, the connection's sealed token,
//! and the inbox's read side.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::wa::{
    GOOD_TOKEN, connect, conversations, corpus, deliver, deliver_raw, rows, seller_id, status_delivery, text_delivery,
};
use common::{T0, TestApp, WHATSAPP_APP_SECRET};
use linkhub_core::ports::{Sql, Stmt};
use linkhub_core::stages::StageOutcome;
use linkhub_core::whatsapp::inbox::status_rank;
use linkhub_core::whatsapp::webhook::sign;
use linkhub_testkit::block_on;
use serde_json::{Value, json};
use std::path::PathBuf;

/// The corpus, read with `serde_json::Value` independently of the hub's own parser: for every
/// message, the stored row's type and contact; for every status, the stored status (the highest
/// of the file's for that wamid); for every template update, the template's status.
#[test]
fn every_corpus_delivery_is_accepted_and_stored_with_its_type_contact_and_status() {
    let dir = corpus().join("webhook");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (../shared must be beside the project)", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 80, "the corpus has {} deliveries", files.len());
    let (mut messages, mut statuses, mut templates) = (0, 0, 0);
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let body = std::fs::read(file).unwrap();
        let doc: Value = serde_json::from_slice(&body).unwrap();
        let app = TestApp::new();
        // Each number (and business account) in the file belongs to a seller of its own.
        let mut n = 0;
        for entry in doc["entry"].as_array().unwrap() {
            for change in entry["changes"].as_array().unwrap() {
                let phone = change["value"]["metadata"]["phone_number_id"].as_str().unwrap_or("");
                let waba = entry["id"].as_str().map_or_else(|| entry["id"].to_string(), str::to_owned);
                n += 1;
                block_on(app.sql.execute(
                    Stmt::new(
                        "INSERT OR IGNORE INTO wa_connections (seller_id, phone_number_id, waba_id, display_number, \
                         token_sealed, token_hint, created_at, updated_at) VALUES (?, ?, ?, '1', 'x', 'x', 0, 0)",
                    )
                    .bind(format!("sel_{n}"))
                    .bind(if phone.is_empty() { format!("none_{n}") } else { phone.to_owned() })
                    .bind(waba),
                ))
                .unwrap();
                // A template the hub made for that seller, which the review updates.
                if let Some(template) = change["value"]["message_template_name"].as_str() {
                    block_on(app.sql.execute(
                        Stmt::new(
                            "INSERT INTO wa_templates (id, seller_id, name, language, status, created_at, updated_at) \
                             VALUES (?, ?, ?, ?, 'PENDING', 0, 0)",
                        )
                        .bind(format!("wat_{n}"))
                        .bind(format!("sel_{n}"))
                        .bind(template)
                        .bind(change["value"]["message_template_language"].as_str().unwrap_or("")),
                    ))
                    .unwrap();
                }
            }
        }
        deliver(&app, &body);
        let mut best: std::collections::HashMap<String, (i64, String)> = std::collections::HashMap::new();
        for entry in doc["entry"].as_array().unwrap() {
            for change in entry["changes"].as_array().unwrap() {
                let v = &change["value"];
                let contacts = v["contacts"].as_array().cloned().unwrap_or_default();
                for m in v["messages"].as_array().into_iter().flatten() {
                    let wamid = m["id"].as_str().unwrap();
                    let row = rows(
                        &app,
                        "SELECT m.type, m.direction, c.bsuid, c.wa_id, c.profile_name FROM wa_messages m \
                         LEFT JOIN wa_conversations v ON v.id = m.conversation_id \
                         LEFT JOIN wa_contacts c ON c.id = v.contact_id WHERE m.wamid = ?",
                        &[wamid],
                    );
                    assert_eq!(row.len(), 1, "{name}: message {wamid} stored once");
                    let row = &row[0];
                    assert_eq!(row["type"], m["type"].as_str().unwrap_or("unsupported"), "{name}: type");
                    assert_eq!(row["direction"], "in", "{name}");
                    let from = m["from"].as_str().unwrap_or("");
                    // The contact entry that is this sender: the one with its number, else the only
                    // one, unless that one names a different number or BSUID (another buyer).
                    let from_user = m["from_user_id"].as_str().unwrap_or("");
                    let differs = |c: &Value, key: &str, ours: &str| {
                        let theirs = c[key].as_str().unwrap_or("");
                        !ours.is_empty() && !theirs.is_empty() && ours != theirs
                    };
                    let matching = contacts.iter().find(|c| c["wa_id"].as_str() == Some(from) && !from.is_empty()).or(
                        match contacts.as_slice() {
                            [only] if !differs(only, "wa_id", from) && !differs(only, "user_id", from_user) => {
                                Some(only)
                            }
                            _ => None,
                        },
                    );
                    let bsuid = m["from_user_id"]
                        .as_str()
                        .or_else(|| matching.and_then(|c| c["user_id"].as_str()))
                        .unwrap_or("");
                    let wa_id =
                        if from.is_empty() { matching.and_then(|c| c["wa_id"].as_str()).unwrap_or("") } else { from };
                    if !bsuid.is_empty() {
                        assert_eq!(row["bsuid"], bsuid, "{name}: the contact's BSUID");
                    }
                    if !wa_id.is_empty() {
                        assert_eq!(row["wa_id"], wa_id, "{name}: the contact's wa_id");
                    }
                    if let Some(profile) = matching.and_then(|c| c["profile"]["name"].as_str()) {
                        assert_eq!(row["profile_name"], profile, "{name}: the contact's name");
                    }
                    messages += 1;
                }
                for s in v["statuses"].as_array().into_iter().flatten() {
                    let status = s["status"].as_str().unwrap_or("");
                    if let Some(rank) = status_rank(status) {
                        let id = s["id"].as_str().unwrap().to_owned();
                        if best.get(&id).is_none_or(|(r, _)| rank > *r) {
                            best.insert(id, (rank, status.to_owned()));
                        }
                    }
                }
                if let Some(template) = v["message_template_name"].as_str() {
                    let row = rows(&app, "SELECT status, category FROM wa_templates WHERE name = ?", &[template]);
                    assert_eq!(row.len(), 1, "{name}: template {template}");
                    if let Some(event) = v["event"].as_str() {
                        assert_eq!(row[0]["status"], event, "{name}: template status");
                    }
                    if let Some(category) = v["new_category"].as_str() {
                        assert_eq!(row[0]["category"], category, "{name}: template category");
                    }
                    templates += 1;
                }
                for p in v["user_preferences"].as_array().into_iter().flatten() {
                    let wa_id = p["wa_id"].as_str().unwrap_or("");
                    let row = rows(&app, "SELECT opted_out_at, bsuid FROM wa_contacts WHERE wa_id = ?", &[wa_id]);
                    assert_eq!(row.len(), 1, "{name}: the preference's contact is the one it names");
                    let bsuid = p["user_id"].as_str();
                    assert_eq!(row[0]["bsuid"].as_str(), bsuid, "{name}: no other buyer's BSUID pinned on this one");
                    assert_eq!(
                        row[0]["opted_out_at"].is_null(),
                        p["value"] != "stop",
                        "{name}: opted out on stop only"
                    );
                }
            }
        }
        for (wamid, (_, status)) in &best {
            let row = rows(&app, "SELECT status FROM wa_messages WHERE wamid = ?", &[wamid]);
            assert_eq!(row.len(), 1, "{name}: status of {wamid} kept once");
            assert_eq!(row[0]["status"], status.as_str(), "{name}: {wamid}");
            statuses += 1;
        }
        assert!(app.blobs.keys().is_empty(), "{name}: the applied delivery's body is deleted");
    }
    eprintln!(
        "corpus: {}/{} deliveries accepted; {messages} messages, {statuses} statuses, {templates} template updates",
        files.len(),
        files.len()
    );
    assert!(messages >= 60 && statuses >= 15 && templates >= 2, "{messages} {statuses} {templates}");
}

/// Deliveries that are not JSON as published (the corpus keeps them byte for byte) are still
/// Meta's, signed: acknowledged, then kept and recorded for an operator, never lost.
#[test]
fn a_signed_body_that_is_not_json_is_kept_and_recorded() {
    let dir = corpus().join("webhook");
    let invalid: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".invalid.txt"))
        .collect();
    assert!(!invalid.is_empty());
    for file in invalid {
        let app = TestApp::new();
        let body = std::fs::read(&file).unwrap();
        let r = deliver_raw(&app, &body, Some(&sign(&body, WHATSAPP_APP_SECRET)));
        assert_eq!(r.status, 200);
        let outcomes = app.step_whatsapp();
        assert_eq!(outcomes.len(), 1);
        assert!(matches!(&outcomes[0], StageOutcome::Failed { code } if code == "delivery_unreadable"), "{outcomes:?}");
        let kept = app.blobs.keys();
        assert_eq!(kept.len(), 1, "{}: the body stays", file.display());
        let failed = rows(&app, "SELECT blob_key, reason FROM wa_failed_deliveries", &[]);
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0]["blob_key"], kept[0].as_str());
    }
}

#[test]
fn the_real_signed_delivery_verifies_with_its_secret_through_the_webhook() {
    let dir = corpus().join("signed");
    let body = std::fs::read(dir.join("01-pywa-real-text.body")).unwrap();
    let secret = std::fs::read_to_string(dir.join("01-pywa-real-text.secret")).unwrap();
    let signature = std::fs::read_to_string(dir.join("01-pywa-real-text.sig")).unwrap();
    let app = TestApp::with_config(&[("WHATSAPP_APP_SECRET", secret.trim())]);
    let r = deliver_raw(&app, &body, Some(signature.trim()));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(app.queue.take(linkhub_core::ports::Topic::Whatsapp).len(), 1);
}

#[test]
fn every_bad_signature_is_refused_and_nothing_is_stored() {
    let app = TestApp::new();
    let body = text_delivery("111", "wamid.bad", "2348030000001", "hello", 1_790_000_000);
    let good = sign(&body, WHATSAPP_APP_SECRET);
    let hex = good.trim_start_matches("sha256=");
    let mut flipped = hex.to_owned().into_bytes();
    flipped[10] = if flipped[10] == b'0' { b'1' } else { b'0' };
    let flipped = format!("sha256={}", String::from_utf8(flipped).unwrap());
    let cases: Vec<(Option<String>, &str)> = vec![
        (None, "signature_missing"),
        (Some(format!("sha1={hex}")), "signature_malformed"),
        (Some(format!("sha256={}", &hex[..62])), "signature_malformed"),
        (Some(format!("sha256={}zz", &hex[..62])), "signature_malformed"),
        (Some(hex.to_owned()), "signature_malformed"),
        (Some(flipped), "signature_mismatch"),
        (Some(sign(&body, "another-apps-secret")), "signature_mismatch"),
    ];
    for (signature, code) in cases {
        let r = deliver_raw(&app, &body, signature.as_deref());
        assert_eq!((r.status, r.code()), (401, code.to_owned()), "{signature:?}");
    }
    // One byte changed after signing.
    let mut tampered = body.clone();
    *tampered.last_mut().unwrap() = b' ';
    assert_eq!(deliver_raw(&app, &tampered, Some(&good)).status, 401);
    assert!(app.blobs.keys().is_empty() && app.queue.is_empty(), "nothing stored for a refused delivery");
    // Without an app secret nothing verifies.
    let unconfigured = TestApp::with_config(&[("WHATSAPP_APP_SECRET", "")]);
    let r = deliver_raw(&unconfigured, &body, Some(&good));
    assert_eq!((r.status, r.code()), (401, "signature_unverifiable".to_owned()));
}

#[test]
fn the_handshake_needs_no_signature_and_checks_the_verify_token() {
    let app = TestApp::new();
    let r = app.get("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-me", None);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"1158201444");
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/plain"));
    let r = app.get("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1&hub.verify_token=nope", None);
    assert_eq!((r.status, r.code()), (403, "verify_token_mismatch".to_owned()));
}

#[test]
fn a_body_with_emoji_and_escaped_slashes_is_verified_on_its_bytes_and_kept_as_sent() {
    let app = TestApp::new();
    let token = app.signup("emoji.shop");
    assert_eq!(connect(&app, &token, "5550001").status, 200);
    // Escaped as Meta escapes: `\/` and `\u` sequences; the signature is over these bytes.
    let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"5550001"},"contacts":[{"profile":{"name":"Zo\u00eb"},"wa_id":"447700900123"}],"messages":[{"from":"447700900123","id":"wamid.emoji1","timestamp":"1790000000","type":"text","text":{"body":"Price of the \ud83d\udc57 @ https:\/\/shop.example\/a?"}}]}}]}]}"#;
    deliver(&app, body);
    let list = conversations(&app, &token, "");
    assert_eq!(list["items"][0]["last_preview"], "Price of the 👗 @ https://shop.example/a?");
    assert_eq!(list["items"][0]["contact"]["name"], "Zoë");
}

#[test]
fn the_same_wamid_twice_is_stored_once_and_counted_unread_once() {
    let app = TestApp::new();
    let token = app.signup("dupes");
    assert_eq!(connect(&app, &token, "5550002").status, 200);
    let body = text_delivery("5550002", "wamid.dup1", "2348030000002", "Is it available?", 1_790_000_000);
    // Meta's retry of the same delivery, and the same message inside a different delivery.
    deliver(&app, &body);
    deliver(&app, &body);
    let mut other = serde_json::from_slice::<Value>(&body).unwrap();
    other["entry"][0]["id"] = json!("again");
    deliver(&app, other.to_string().as_bytes());
    assert_eq!(rows(&app, "SELECT id FROM wa_messages WHERE wamid = 'wamid.dup1'", &[]).len(), 1);
    let list = conversations(&app, &token, "");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["unread"], 1);
}

#[test]
fn statuses_only_move_forward_whatever_order_they_arrive_in() {
    let app = TestApp::new();
    let token = app.signup("statuses");
    assert_eq!(connect(&app, &token, "5550003").status, 200);
    let to = "2348030000003";
    deliver(&app, &text_delivery("5550003", "wamid.in1", to, "hi", 1_790_000_000));
    let wamid = "wamid.out1";
    for status in ["read", "delivered", "sent"] {
        deliver(&app, &status_delivery("5550003", wamid, to, status, 1_790_000_100));
        let row = rows(&app, "SELECT status FROM wa_messages WHERE wamid = ?", &[wamid]);
        assert_eq!(row[0]["status"], "read", "after {status}");
    }
    let detail = {
        let list = conversations(&app, &token, "");
        let id = list["items"][0]["id"].as_str().unwrap().to_owned();
        app.get(&format!("/api/v1/inbox/conversations/{id}"), Some(&token)).json()
    };
    let out: Vec<&Value> = detail["messages"].as_array().unwrap().iter().filter(|m| m["direction"] == "out").collect();
    assert_eq!(out.len(), 1, "the status joined the buyer's conversation: {detail:#}");
    assert_eq!(out[0]["status"], "read");
    // A failure is final and carries its code.
    let failed = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "metadata": {"phone_number_id": "5550003"},
        "statuses": [{"id": "wamid.out2", "status": "failed", "timestamp": "1790000200", "recipient_id": to,
                      "errors": [{"code": 131_047, "title": "Re-engagement message"}]}]}}]}]});
    deliver(&app, failed.to_string().as_bytes());
    deliver(&app, &status_delivery("5550003", "wamid.out2", to, "delivered", 1_790_000_300));
    let row = rows(&app, "SELECT status, error_code, error_title FROM wa_messages WHERE wamid = 'wamid.out2'", &[]);
    assert_eq!((row[0]["status"].clone(), row[0]["error_code"].clone()), (json!("failed"), json!(131_047)));
}

#[test]
fn a_number_no_seller_has_is_acknowledged_and_dropped() {
    let app = TestApp::new();
    let token = app.signup("some.shop");
    assert_eq!(connect(&app, &token, "5550004").status, 200);
    let body = text_delivery("9999999", "wamid.stranger", "2348030000004", "hello?", 1_790_000_000);
    let r = deliver_raw(&app, &body, Some(&sign(&body, WHATSAPP_APP_SECRET)));
    assert_eq!(r.status, 200, "Meta must stop retrying");
    assert_eq!(app.step_whatsapp(), vec![StageOutcome::Done]);
    assert!(rows(&app, "SELECT id FROM wa_messages", &[]).is_empty());
    assert!(app.sys.logs.borrow().iter().any(|l| l.contains("no seller has this number") && l.contains("9999999")));
    assert!(app.blobs.keys().is_empty());
}

#[test]
fn a_delivery_for_one_sellers_number_never_reaches_another_seller() {
    let app = TestApp::new();
    let (a, b) = (app.signup("shop.a"), app.signup("shop.b"));
    assert_eq!(connect(&app, &a, "5550010").status, 200);
    assert_eq!(connect(&app, &b, "5550020").status, 200);
    let buyer = "2348030000010";
    deliver(&app, &text_delivery("5550010", "wamid.a1", buyer, "for shop A", 1_790_000_000));
    deliver(&app, &text_delivery("5550020", "wamid.b1", buyer, "for shop B", 1_790_000_010));
    let (la, lb) = (conversations(&app, &a, ""), conversations(&app, &b, ""));
    assert_eq!(la["items"].as_array().unwrap().len(), 1);
    assert_eq!(lb["items"].as_array().unwrap().len(), 1);
    assert_eq!(la["items"][0]["last_preview"], "for shop A");
    assert_eq!(lb["items"][0]["last_preview"], "for shop B");
    assert_ne!(la["items"][0]["contact"]["id"], lb["items"][0]["contact"]["id"], "one contact per seller");
    let a_conv = la["items"][0]["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/api/v1/inbox/conversations/{a_conv}"), Some(&b)).status, 404);
    // A status for A's number about a wamid B holds changes nothing of B's.
    let mut out = status_delivery("5550020", "wamid.shared", buyer, "sent", 1_790_000_020);
    deliver(&app, &out);
    out = status_delivery("5550010", "wamid.shared", buyer, "read", 1_790_000_030);
    deliver(&app, &out);
    let statuses =
        rows(&app, "SELECT seller_id, status FROM wa_messages WHERE wamid = 'wamid.shared' ORDER BY status", &[]);
    assert_eq!(statuses.len(), 2);
    assert_eq!(statuses[0]["status"], "read");
    assert_eq!(statuses[1]["status"], "sent", "B's copy is untouched");
    assert_eq!(statuses[1]["seller_id"], seller_id(&app, &b).as_str());
}

#[test]
fn a_three_megabyte_delivery_is_accepted_and_a_larger_one_refused() {
    let app = TestApp::new();
    let token = app.signup("big.shop");
    assert_eq!(connect(&app, &token, "5550005").status, 200);
    let mut doc: Value =
        serde_json::from_slice(&text_delivery("5550005", "wamid.big", "2348030000005", "big one", 1_790_000_000))
            .unwrap();
    let base = doc.to_string().len();
    let limit = linkhub_core::whatsapp::webhook::DELIVERY_BODY;
    doc["entry"][0]["changes"][0]["value"]["x_padding"] = json!("p".repeat(limit - base - 16));
    let body = doc.to_string().into_bytes();
    assert!(body.len() <= limit && body.len() > limit - 64, "{}", body.len());
    deliver(&app, &body);
    assert_eq!(conversations(&app, &token, "")["items"][0]["last_preview"], "big one");
    let mut over = body.clone();
    over.extend(std::iter::repeat_n(b' ', limit + 1 - body.len()));
    let r = deliver_raw(&app, &over, Some(&sign(&over, WHATSAPP_APP_SECRET)));
    assert_eq!((r.status, r.code()), (413, "body_too_large".to_owned()));
}

#[test]
fn unknown_and_deeply_nested_fields_are_ignored() {
    let app = TestApp::new();
    let token = app.signup("nested.shop");
    assert_eq!(connect(&app, &token, "5550006").status, 200);
    let mut doc: Value =
        serde_json::from_slice(&text_delivery("5550006", "wamid.nested", "2348030000006", "nested", 1_790_000_000))
            .unwrap();
    let mut deep = json!("bottom");
    for _ in 0..100 {
        deep = json!({ "level": deep, "future_field": [1, 2, 3] });
    }
    doc["entry"][0]["changes"][0]["value"]["messages"][0]["x_future"] = deep;
    doc["entry"][0]["changes"][0]["value"]["surprise"] = json!({"a": {"b": null}});
    doc["entry"][0]["changes"].as_array_mut().unwrap().push(json!({"field": "account_update", "value": {"x": 1}}));
    deliver(&app, doc.to_string().as_bytes());
    assert_eq!(conversations(&app, &token, "")["items"][0]["last_preview"], "nested");
}

#[test]
fn stop_opts_a_buyer_out_and_start_back_in() {
    let app = TestApp::new();
    let token = app.signup("stop.shop");
    assert_eq!(connect(&app, &token, "5550007").status, 200);
    let buyer = "2348030000007";
    deliver(&app, &text_delivery("5550007", "wamid.s1", buyer, "STOP", 1_790_000_000));
    assert_eq!(conversations(&app, &token, "")["items"][0]["contact"]["opted_out"], true);
    deliver(&app, &text_delivery("5550007", "wamid.s2", buyer, "Start", 1_790_000_100));
    assert_eq!(conversations(&app, &token, "")["items"][0]["contact"]["opted_out"], false);
}

#[test]
fn the_connection_is_checked_with_graph_and_its_token_is_sealed_and_masked() {
    let app = TestApp::new();
    let token = app.signup("connect.shop");
    assert_eq!(app.get("/api/v1/whatsapp/connection", Some(&token)).code(), "whatsapp_not_connected");
    let r = connect(&app, &token, "106540352242922");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let view = r.json();
    assert_eq!(view["verified_name"], "Sandbox Shop");
    assert_eq!(view["display_number"], "+1 555-010-2922", "Graph's display number when none is given");
    let shown = view["access_token"].as_str().unwrap();
    assert!(!shown.contains(&GOOD_TOKEN[4..GOOD_TOKEN.len() - 4]), "masked: {shown}");
    let got = app.get("/api/v1/whatsapp/connection", Some(&token));
    assert!(!String::from_utf8_lossy(&got.body).contains(GOOD_TOKEN));
    let stored = rows(&app, "SELECT token_sealed FROM wa_connections", &[]);
    let sealed = stored[0]["token_sealed"].as_str().unwrap();
    assert!(sealed.starts_with("v1.k1.") && !sealed.contains(GOOD_TOKEN), "{sealed}");
    let opened = block_on(linkhub_core::whatsapp::connection::credentials(
        &app.sql,
        &app.cfg,
        &linkhub_core::accounts::SellerId(seller_id(&app, &token)),
    ))
    .unwrap()
    .token;
    assert_eq!(opened, GOOD_TOKEN);

    // Graph's refusals, a number already taken, invalid fields, and no encryption key.
    let put = |t: &str, body: Value| app.call("PUT", "/api/v1/whatsapp/connection", Some(t), &[], Some(&body));
    let r = put(
        &token,
        json!({"phone_number_id": "106540352242922", "waba_id": "1", "access_token": "EAAexpiredTokenForTests0000"}),
    );
    assert_eq!((r.status, r.code()), (422, "whatsapp_token_rejected".to_owned()));
    let r = put(&token, json!({"phone_number_id": "404000111", "waba_id": "1", "access_token": GOOD_TOKEN}));
    assert_eq!((r.status, r.code()), (422, "phone_number_not_found".to_owned()));
    let other = app.signup("other.shop");
    assert_eq!(connect(&app, &other, "106540352242922").code(), "phone_number_taken");
    let r = put(&token, json!({"phone_number_id": "12ab", "waba_id": "", "access_token": "short"}));
    assert_eq!(r.status, 422);
    let err = r.json();
    let paths: Vec<&str> =
        err["error"]["fields"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["phone_number_id", "waba_id", "access_token"]);
    assert_eq!(
        put(&token, json!({"phone_number_id": "1", "waba_id": "1", "access_token": GOOD_TOKEN, "extra": 1})).status,
        400
    );
    let unkeyed = TestApp::with_config(&[("DATA_ENCRYPTION_KEY", "")]);
    let t = unkeyed.signup("nokey.shop");
    assert_eq!(connect(&unkeyed, &t, "5550008").code(), "encryption_unconfigured");

    assert_eq!(app.call("DELETE", "/api/v1/whatsapp/connection", Some(&token), &[], None).status, 204);
    assert_eq!(app.get("/api/v1/whatsapp/connection", Some(&token)).status, 404);
    assert_eq!(connect(&app, &other, "106540352242922").status, 200, "free again once disconnected");
    assert_eq!(app.get("/api/v1/whatsapp/connection", None).status, 401);
}

#[test]
fn the_inbox_lists_filters_pages_and_tracks_the_window() {
    // The session outlives the clock's jump past the window.
    let app = TestApp::with_config(&[("TOKEN_TTL_SECONDS", "200000")]);
    let token = app.signup("inbox.shop");
    assert_eq!(connect(&app, &token, "5550009").status, 200);
    let now_s = T0 / 1000;
    for i in 0..5 {
        let from = format!("23480300001{i:02}");
        deliver(
            &app,
            &text_delivery("5550009", &format!("wamid.i{i}"), &from, &format!("message {i}"), now_s - 100 + i),
        );
    }
    let page = conversations(&app, &token, "?limit=2");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["last_preview"], "message 4", "newest first");
    let mut seen: Vec<String> = items.iter().map(|i| i["last_preview"].as_str().unwrap().to_owned()).collect();
    let mut cursor = page["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let p = conversations(&app, &token, &format!("?limit=2&cursor={c}"));
        seen.extend(p["items"].as_array().unwrap().iter().map(|i| i["last_preview"].as_str().unwrap().to_owned()));
        cursor = p["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, ["message 4", "message 3", "message 2", "message 1", "message 0"]);
    let found = conversations(&app, &token, "?q=message%202");
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(conversations(&app, &token, "?unread=true")["items"].as_array().unwrap().len(), 5);
    assert_eq!(conversations(&app, &token, "?state=resolved")["items"].as_array().unwrap().len(), 0);
    assert_eq!(app.get("/api/v1/inbox/conversations?state=maybe", Some(&token)).code(), "invalid_query");
    assert_eq!(app.get("/api/v1/inbox/conversations?cursor=nope", Some(&token)).code(), "invalid_cursor");

    let first = &conversations(&app, &token, "")["items"][0];
    assert_eq!(first["window"]["open"], true);
    assert_eq!(first["window"]["expires_at"], (now_s - 96) * 1000 + 24 * 3600 * 1000);
    let id = first["id"].as_str().unwrap().to_owned();
    let detail = app.get(&format!("/api/v1/inbox/conversations/{id}"), Some(&token)).json();
    assert_eq!(detail["messages"][0]["type"], "text");
    assert_eq!(detail["messages"][0]["payload"]["text"]["body"], "message 4");
    app.sys.advance_ms(25 * 3600 * 1000);
    let later = app.get(&format!("/api/v1/inbox/conversations/{id}"), Some(&token)).json();
    assert_eq!(later["window"]["open"], false, "24 hours after the buyer's last message");
}

#[test]
fn templates_are_checked_created_on_graph_reviewed_by_webhook_and_deleted() {
    let app = TestApp::new();
    let token = app.signup("template.shop");
    let template = json!({"name": "order_update", "language": "en_US", "category": "UTILITY", "components": [
        {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1hZ2U="]}},
        {"type": "BODY", "text": "Hi {{1}}, order {{2}} ships today", "example": {"body_text": [["Amara", "A-1042"]]}},
        {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Track it", "url": "https://shop.example/t/{{1}}",
                                         "example": ["https://shop.example/t/A-1042"]}]}
    ]});
    assert_eq!(app.post("/api/v1/whatsapp/templates", Some(&token), &template).code(), "whatsapp_not_connected");
    assert_eq!(connect(&app, &token, "5550011").status, 200);
    let r = app.post("/api/v1/whatsapp/templates", Some(&token), &template);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let created = r.json();
    assert_eq!((created["status"].as_str(), created["category"].as_str()), (Some("PENDING"), Some("UTILITY")));
    let graph_id = created["graph_id"].as_str().unwrap().to_owned();
    assert_eq!(app.post("/api/v1/whatsapp/templates", Some(&token), &template).code(), "template_exists");
    let mut missing = template.clone();
    missing["name"] = json!("order_update_two");
    missing["components"][1]["example"] = json!({});
    let r = app.post("/api/v1/whatsapp/templates", Some(&token), &missing);
    assert_eq!(
        (r.status, r.json()["error"]["fields"][0]["path"].as_str()),
        (422, Some("components[1].example.body_text"))
    );

    // Meta's review arrives through the webhook, for the business account.
    let review = json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "message_template_status_update",
        "value": {"event": "APPROVED", "message_template_id": graph_id.parse::<u64>().unwrap(),
                  "message_template_name": "order_update", "message_template_language": "en_US", "reason": "NONE"}}]}]});
    deliver(&app, review.to_string().as_bytes());
    let list = app.get("/api/v1/whatsapp/templates", Some(&token)).json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["status"], "APPROVED");
    assert_eq!(list["items"][0]["components"][1]["type"], "BODY");

    let del =
        |name: &str| app.call("DELETE", &format!("/api/v1/whatsapp/templates?name={name}"), Some(&token), &[], None);
    assert_eq!(del("order_update").status, 204);
    assert_eq!(del("order_update").status, 404);
    assert!(app.get("/api/v1/whatsapp/templates", Some(&token)).json()["items"].as_array().unwrap().is_empty());
}

/// Two consumers applying the same delivery at the same moment, each on its own connection to
/// one database file (as two queue deliveries of Meta's retries would): the unique key lets one
/// insert win; the other stores nothing and counts nothing, whether it ran after or was refused
/// (busy) and retried, as the queue would retry it.
#[test]
fn the_same_delivery_applied_concurrently_is_stored_once() {
    use linkhub_core::log::LogCtx;
    use linkhub_core::whatsapp::inbox::{Applied, apply};
    use linkhub_testkit::{SqliteSql, TestSystem};
    let dir = std::env::temp_dir().join(format!("linkhub-wa-concurrent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("hub.db");
    let _ = std::fs::remove_file(&db);
    let sql = SqliteSql::open(&db).unwrap();
    block_on(sql.execute(Stmt::new(
        "INSERT INTO wa_connections (seller_id, phone_number_id, waba_id, display_number, token_sealed, token_hint, \
         created_at, updated_at) VALUES ('sel_c', '5550099', '1', '1', 'x', 'x', 0, 0)",
    )))
    .unwrap();
    let body = text_delivery("5550099", "wamid.concurrent", "2348030000099", "at once", 1_790_000_000);
    for round in 0..20 {
        let wamid = format!("wamid.concurrent.{round}");
        let body = String::from_utf8(body.clone()).unwrap().replace("wamid.concurrent", &wamid);
        let barrier = std::sync::Barrier::new(2);
        let results: Vec<Applied> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        let (sql, sys) = (SqliteSql::open(&db).unwrap(), TestSystem::default());
                        barrier.wait();
                        loop {
                            match block_on(apply(&sql, &sys, &LogCtx::new("test"), body.as_bytes())) {
                                Ok(applied) => return applied,
                                Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
                            }
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let stored: usize = results.iter().map(|a| a.messages).sum();
        let duplicates: usize = results.iter().map(|a| a.duplicates).sum();
        assert_eq!((stored, duplicates), (1, 1), "round {round}: {results:?}");
        let rows = block_on(sql.query(Stmt::new("SELECT count(*) AS n FROM wa_messages WHERE wamid = ?").bind(&wamid)))
            .unwrap();
        assert_eq!(rows[0]["n"], 1);
    }
    let unread = block_on(sql.query(Stmt::new("SELECT unread FROM wa_conversations"))).unwrap();
    assert_eq!(unread.len(), 1, "one conversation for the one buyer");
    assert_eq!(unread[0]["unread"], 20, "each message counted once");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_later_of_stop_and_start_wins_whatever_order_they_are_applied_in() {
    let app = TestApp::new();
    let token = app.signup("order.shop");
    assert_eq!(connect(&app, &token, "5550012").status, 200);
    let buyer = "2348030000012";
    // START at t=200 is applied first; the STOP from t=100 arrives late (a retry).
    deliver(&app, &text_delivery("5550012", "wamid.o2", buyer, "START", 1_790_000_200));
    deliver(&app, &text_delivery("5550012", "wamid.o1", buyer, "STOP", 1_790_000_100));
    assert_eq!(conversations(&app, &token, "")["items"][0]["contact"]["opted_out"], false);
    // The marketing template's "Stop promotions" button opts out too.
    let button = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "metadata": {"phone_number_id": "5550012"}, "contacts": [{"profile": {"name": "B"}, "wa_id": buyer}],
        "messages": [{"from": buyer, "id": "wamid.o3", "timestamp": "1790000300", "type": "button",
                      "button": {"payload": "Stop promotions", "text": "Stop promotions"}}]}}]}]});
    deliver(&app, button.to_string().as_bytes());
    assert_eq!(conversations(&app, &token, "")["items"][0]["contact"]["opted_out"], true);
}
