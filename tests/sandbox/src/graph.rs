//! The WhatsApp Cloud API (Graph) stand-in: the phone-number lookup a connection check makes,
//! `messages` (recorded, answered in Meta's shape), `message_templates`, and misbehaviour by
//! configuration.
//!
//! - `GET /{version}/{phone_number_id}`: the number. A bearer token must be sent; one that
//!   contains `expired` is refused as Graph refuses a dead token (401, code 190); an id starting
//!   `404` does not exist (400, code 100).
//! - `POST /{version}/{phone_number_id}/messages`: recorded; a message answers `contacts` +
//!   `messages[].id`, a read receipt (`"status": "read"`) `{"success": true}`.
//! - `POST|GET|DELETE /{version}/{waba_id}/message_templates`: created as `PENDING`; listed;
//!   deleted by `?name=`.
//! - `GET /{version}/{media_id}`: a medium registered with `POST /_sandbox/graph/media` (body the
//!   bytes, `?type=` its MIME type): Meta's `url`, `mime_type`, `sha256`, `file_size`; the url
//!   (`/_sandbox/graph/media/{id}/download`) answers the bytes to a bearer token.
//! - `GET /_sandbox/graph/sent`: what `messages` received, newest last.
//! - `POST /_sandbox/graph/misbehave` `{"code": 131047 | 130429 | 131056 | 500, "times": n,
//!   "phone_number_id": optional}`: the next n `messages` calls (to that number, else to any)
//!   fail that way (131047 outside the window, 130429 throughput, 131056 pair rate, 5xx); any
//!   other code is answered 400 with that code.

use serde_json::{Value, json};
use std::sync::Mutex;

#[derive(Default)]
pub struct Graph {
    sent: Mutex<Vec<Value>>,
    templates: Mutex<Vec<Value>>,
    /// (number or any, code, times left), first match wins.
    misbehave: Mutex<Vec<(Option<String>, i64, u64)>>,
    counter: Mutex<u64>,
    /// Registered media by id: (MIME type, bytes).
    media: Mutex<std::collections::HashMap<String, (String, Vec<u8>)>>,
}

pub struct Answer {
    pub status: u16,
    pub body: Value,
}

fn error(status: u16, code: i64, message: &str, kind: &str) -> Answer {
    Answer {
        status,
        body: json!({"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "AsandboxTrace"}}),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A Graph version segment: `v23.0`.
pub fn is_version(seg: &str) -> bool {
    seg.len() > 1 && seg.starts_with('v') && seg[1..].chars().all(|c| c.is_ascii_digit() || c == '.')
}

impl Graph {
    pub fn sent(&self) -> Value {
        Value::Array(lock(&self.sent).clone())
    }

    pub fn reset(&self) {
        lock(&self.sent).clear();
        lock(&self.templates).clear();
        lock(&self.misbehave).clear();
    }

    pub fn set_misbehave(&self, body: &[u8]) -> Answer {
        let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let (Some(code), times) = (v["code"].as_i64(), v["times"].as_u64().unwrap_or(1).max(1)) else {
            return error(400, 100, "code is required", "SandboxException");
        };
        let phone = v["phone_number_id"].as_str().map(str::to_owned);
        lock(&self.misbehave).push((phone.clone(), code, times));
        Answer { status: 200, body: json!({"code": code, "times": times, "phone_number_id": phone}) }
    }

    /// `POST /_sandbox/graph/media?type=image/jpeg`: registers a medium; its Graph id.
    pub fn add_media(&self, query: &str, body: &[u8]) -> Answer {
        let mime = query.split('&').find_map(|kv| kv.strip_prefix("type=")).unwrap_or("").replace("%2F", "/");
        if mime.is_empty() {
            return error(400, 100, "type is required", "SandboxException");
        }
        let id = format!("{}", 7_000_000_000_000_000 + self.next_id());
        lock(&self.media).insert(id.clone(), (mime, body.to_vec()));
        Answer { status: 200, body: json!({"id": id}) }
    }

    /// The bytes behind a media URL, to a bearer token (Meta's URLs need the token too).
    pub fn download(&self, id: &str, authorization: Option<&str>) -> Option<(String, Vec<u8>)> {
        authorization.filter(|a| a.starts_with("Bearer ") && a.len() > 7)?;
        lock(&self.media).get(id).cloned()
    }

    fn next_id(&self) -> u64 {
        let mut n = lock(&self.counter);
        *n += 1;
        *n
    }

    /// `rest` is the path after the version segment; `base` the sandbox's own origin.
    pub fn handle(
        &self,
        method: &str,
        rest: &[&str],
        query: &str,
        authorization: Option<&str>,
        body: &[u8],
        base: &str,
    ) -> Answer {
        let token = authorization.and_then(|a| a.strip_prefix("Bearer ")).unwrap_or("").trim();
        if token.is_empty() {
            return error(
                400,
                2500,
                "An active access token must be used to query information about the current user.",
                "OAuthException",
            );
        }
        if token.contains("expired") {
            return error(401, 190, "Error validating access token: Session has expired.", "OAuthException");
        }
        match (method, rest) {
            ("GET", [id]) if lock(&self.media).contains_key(*id) => {
                let (mime, bytes) = lock(&self.media).get(*id).cloned().unwrap_or_default();
                let sha256 = sha256_hex(&bytes);
                Answer {
                    status: 200,
                    body: json!({
                        "messaging_product": "whatsapp",
                        "url": format!("{base}/_sandbox/graph/media/{id}/download"),
                        "mime_type": mime,
                        "sha256": sha256,
                        // A string, as Meta's own example writes it.
                        "file_size": bytes.len().to_string(),
                        "id": id,
                    }),
                }
            }
            ("GET", [id]) => {
                if id.starts_with("404") || !id.chars().all(|c| c.is_ascii_digit()) {
                    return error(
                        400,
                        100,
                        &format!(
                            "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation."
                        ),
                        "GraphMethodException",
                    );
                }
                let tail = &id[id.len().saturating_sub(4)..];
                Answer {
                    status: 200,
                    body: json!({
                        "verified_name": "Sandbox Shop",
                        "display_phone_number": format!("+1 555-010-{tail:0>4}"),
                        "id": id,
                        "quality_rating": "GREEN",
                    }),
                }
            }
            ("POST", [phone, "messages"]) => self.message(phone, body),
            ("POST", [waba, "message_templates"]) => {
                let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                if v["name"].as_str().is_none_or(str::is_empty) {
                    return error(400, 100, "Invalid parameter", "OAuthException");
                }
                let id = format!("{}", 1_000_000_000_000 + self.next_id());
                lock(&self.templates).push(json!({"waba": waba, "id": id, "status": "PENDING", "template": v}));
                Answer { status: 200, body: json!({"id": id, "status": "PENDING", "category": v["category"]}) }
            }
            ("DELETE", [waba, "message_templates"]) => {
                let name = query.split('&').find_map(|kv| kv.strip_prefix("name=")).unwrap_or("");
                let mut templates = lock(&self.templates);
                let before = templates.len();
                templates.retain(|t| !(t["waba"] == *waba && t["template"]["name"] == name));
                if templates.len() == before {
                    return error(400, 100, "Invalid parameter: no template with this name", "OAuthException");
                }
                Answer { status: 200, body: json!({"success": true}) }
            }
            ("GET", [waba, "message_templates"]) => {
                let data: Vec<Value> = lock(&self.templates)
                    .iter()
                    .filter(|t| t["waba"] == *waba)
                    .map(|t| {
                        let mut out = t["template"].clone();
                        out["id"] = t["id"].clone();
                        out["status"] = t["status"].clone();
                        out
                    })
                    .collect();
                Answer { status: 200, body: json!({"data": data, "paging": {"cursors": {"before": "", "after": ""}}}) }
            }
            _ => error(400, 100, "Unknown path components", "OAuthException"),
        }
    }

    fn message(&self, phone: &str, body: &[u8]) -> Answer {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return error(400, 100, "(#100) Invalid parameter", "OAuthException");
        };
        if v["messaging_product"] != "whatsapp" {
            return error(400, 100, "(#100) The parameter messaging_product is required.", "OAuthException");
        }
        {
            let mut m = lock(&self.misbehave);
            if let Some(i) = m.iter().position(|(p, _, _)| p.as_deref().is_none_or(|p| p == phone)) {
                let code = m[i].1;
                m[i].2 -= 1;
                if m[i].2 == 0 {
                    m.remove(i);
                }
                return match code {
                    131_047 => error(400, 131_047, "(#131047) Re-engagement message", "OAuthException"),
                    130_429 => error(400, 130_429, "(#130429) Rate limit hit", "OAuthException"),
                    131_056 => error(
                        400,
                        131_056,
                        "(#131056) (Business Account, Consumer Account) pair rate limit hit",
                        "OAuthException",
                    ),
                    status @ 500..=599 => {
                        let status = u16::try_from(status).unwrap_or(500);
                        error(status, 1, "An unknown error occurred", "OAuthException")
                    }
                    code => error(400, code, &format!("(#{code}) Sandbox refusal"), "OAuthException"),
                };
            }
        }
        if v["status"] == "read" {
            if v["message_id"].as_str().is_none_or(str::is_empty) {
                return error(400, 100, "(#100) The parameter message_id is required.", "OAuthException");
            }
            lock(&self.sent).push(json!({"phone_number_id": phone, "wamid": null, "request": v}));
            return Answer { status: 200, body: json!({"success": true}) };
        }
        if v["to"].as_str().is_none_or(str::is_empty) {
            return error(400, 100, "(#100) The parameter to is required.", "OAuthException");
        }
        let wamid = format!("wamid.sandbox{:016}", self.next_id());
        let to = v["to"].as_str().unwrap_or("").to_owned();
        lock(&self.sent).push(json!({"phone_number_id": phone, "wamid": wamid, "request": v}));
        Answer {
            status: 200,
            body: json!({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}], "messages": [{"id": wamid}]}),
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
