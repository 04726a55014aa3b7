//! What a webhook delivery says, read leniently: Meta adds fields every year, real deliveries
//! send timestamps as strings and template ids as numbers, leave `wa_id` or `recipient_id` empty
//! beside a business-scoped user id (BSUID), and put `contacts` on statuses since 2026. Unknown
//! fields are ignored; a message is kept whole as Meta sent it (`Message::raw`), with what the
//! hub needs pulled out beside it.

use serde::Deserialize;
use serde::de::Deserializer;
use serde_json::Value;

/// A delivery: `{"object":"whatsapp_business_account","entry":[…]}`.
#[derive(Debug, Default, Deserialize)]
pub struct Envelope {
    #[serde(default)]
    pub object: String,
    #[serde(default)]
    pub entry: Vec<Entry>,
}

/// One WhatsApp Business Account's changes; `id` is the WABA id.
#[derive(Debug, Default, Deserialize)]
pub struct Entry {
    #[serde(default, deserialize_with = "flex_string")]
    pub id: String,
    #[serde(default)]
    pub changes: Vec<Change>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Change {
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub value: Value,
}

/// The value of a `messages` change (and of `user_preferences`, which shares its frame).
#[derive(Debug, Default, Deserialize)]
pub struct MessagesValue {
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub messages: Vec<Value>,
    #[serde(default)]
    pub statuses: Vec<Status>,
    #[serde(default)]
    pub errors: Vec<GraphError>,
    #[serde(default)]
    pub user_preferences: Vec<UserPreference>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Metadata {
    #[serde(default, deserialize_with = "flex_string")]
    pub display_phone_number: String,
    #[serde(default, deserialize_with = "flex_string")]
    pub phone_number_id: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct Contact {
    #[serde(default)]
    pub profile: Profile,
    #[serde(default, deserialize_with = "flex_string")]
    pub wa_id: String,
    #[serde(default, deserialize_with = "flex_string")]
    pub user_id: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct Profile {
    #[serde(default, deserialize_with = "flex_string")]
    pub name: String,
    #[serde(default, deserialize_with = "flex_string")]
    pub username: String,
}

/// A delivery status of a message the business sent.
#[derive(Debug, Default, Deserialize)]
pub struct Status {
    #[serde(default, deserialize_with = "flex_string")]
    pub id: String,
    #[serde(default, deserialize_with = "flex_string")]
    pub status: String,
    #[serde(default, deserialize_with = "flex_timestamp")]
    pub timestamp: Option<i64>,
    #[serde(default, deserialize_with = "flex_string")]
    pub recipient_id: String,
    #[serde(default, deserialize_with = "flex_string")]
    pub recipient_user_id: String,
    /// `group` for a message to a group; absent for a person.
    #[serde(default, deserialize_with = "flex_string")]
    pub recipient_type: String,
    #[serde(default)]
    pub errors: Vec<GraphError>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
pub struct GraphError {
    #[serde(default, deserialize_with = "flex_timestamp")]
    pub code: Option<i64>,
    #[serde(default, deserialize_with = "flex_string")]
    pub title: String,
    #[serde(default, deserialize_with = "flex_string")]
    pub message: String,
}

impl GraphError {
    pub fn describe(&self) -> String {
        let text = if self.title.is_empty() { &self.message } else { &self.title };
        match self.code {
            Some(code) => format!("{code}: {text}"),
            None => text.clone(),
        }
    }
}

/// A buyer's marketing preference (`user_preferences`): `stop` or `resume`.
#[derive(Debug, Default, Deserialize)]
pub struct UserPreference {
    #[serde(default, deserialize_with = "flex_string")]
    pub wa_id: String,
    #[serde(default, deserialize_with = "flex_string")]
    pub user_id: String,
    #[serde(default, deserialize_with = "flex_string")]
    pub value: String,
    #[serde(default, deserialize_with = "flex_timestamp")]
    pub timestamp: Option<i64>,
}

/// A `message_template_status_update` (and the category update's) value.
#[derive(Debug, Default, Deserialize)]
pub struct TemplateUpdate {
    #[serde(default, deserialize_with = "flex_string")]
    pub event: String,
    #[serde(default, deserialize_with = "flex_string")]
    pub message_template_id: String,
    #[serde(default, deserialize_with = "flex_string")]
    pub message_template_name: String,
    #[serde(default, deserialize_with = "flex_string")]
    pub message_template_language: String,
    #[serde(default, deserialize_with = "flex_string")]
    pub reason: String,
    #[serde(default, deserialize_with = "flex_string")]
    pub message_template_category: String,
    #[serde(default, deserialize_with = "flex_string")]
    pub new_category: String,
}

/// An inbound message, with what the hub needs pulled out of Meta's object.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub wamid: String,
    /// Meta's `type`, as sent (`text`, `image`, …, `unknown`); `unsupported` when absent.
    pub kind: String,
    /// The sender's phone number (`from`); empty when Meta sent only a BSUID.
    pub from: String,
    /// The sender's business-scoped user id (`from_user_id`).
    pub from_user_id: String,
    /// Seconds since the epoch, as Meta stamped it.
    pub timestamp: Option<i64>,
    /// `context.id`: the message this one answers or reacts to.
    pub reply_to: Option<String>,
    /// One line for a conversation list.
    pub preview: String,
    pub error: Option<GraphError>,
    /// The message object as delivered.
    pub raw: Value,
}

/// The longest preview kept.
pub const PREVIEW_CHARS: usize = 160;

impl Message {
    /// Reads one element of `messages`; `None` when it has no id (nothing to store it under).
    pub fn read(raw: &Value) -> Option<Self> {
        let wamid = text_of(&raw["id"]);
        if wamid.trim().is_empty() {
            return None;
        }
        let kind = match text_of(&raw["type"]) {
            k if k.is_empty() => "unsupported".to_owned(),
            k => k.chars().take(32).collect(),
        };
        let error: Option<GraphError> = raw["errors"].get(0).and_then(|e| serde_json::from_value(e.clone()).ok());
        let reply_to = Some(text_of(&raw["context"]["id"])).filter(|s| !s.is_empty());
        let preview = preview(&kind, raw, error.as_ref());
        Some(Self {
            wamid,
            from: text_of(&raw["from"]),
            from_user_id: text_of(&raw["from_user_id"]),
            timestamp: timestamp_of(&raw["timestamp"]),
            reply_to,
            preview: truncate(&preview, PREVIEW_CHARS),
            error,
            raw: raw.clone(),
            kind,
        })
    }
}

/// A preview line as the inbox shows it: trimmed, at most [`PREVIEW_CHARS`].
pub fn clip_preview(s: &str) -> String {
    truncate(s, PREVIEW_CHARS)
}

fn truncate(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// The line a conversation list shows for a message of `kind`.
fn preview(kind: &str, m: &Value, error: Option<&GraphError>) -> String {
    let s = |v: &Value| v.as_str().unwrap_or("").trim().to_owned();
    let or = |a: String, b: &str| if a.is_empty() { b.to_owned() } else { a };
    match kind {
        "text" => s(&m["text"]["body"]),
        "image" | "video" | "sticker" => or(s(&m[kind]["caption"]), &format!("[{kind}]")),
        "audio" => {
            if m["audio"]["voice"].as_bool() == Some(true) {
                "[voice message]".to_owned()
            } else {
                "[audio]".to_owned()
            }
        }
        "document" => or(s(&m["document"]["caption"]), &or(s(&m["document"]["filename"]), "[document]")),
        "location" => {
            let named = [s(&m["location"]["name"]), s(&m["location"]["address"])]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            or(named, &format!("[location {}, {}]", m["location"]["latitude"], m["location"]["longitude"]))
        }
        "contacts" => {
            let names: Vec<String> = m["contacts"]
                .as_array()
                .map(|cs| cs.iter().map(|c| s(&c["name"]["formatted_name"])).filter(|n| !n.is_empty()).collect())
                .unwrap_or_default();
            format!("[contact {}]", names.join(", "))
        }
        "reaction" => match s(&m["reaction"]["emoji"]) {
            e if e.is_empty() => "[reaction removed]".to_owned(),
            e => format!("[reacted {e}]"),
        },
        "interactive" => {
            let i = &m["interactive"];
            let title = [s(&i["button_reply"]["title"]), s(&i["list_reply"]["title"]), s(&i["nfm_reply"]["body"])]
                .into_iter()
                .find(|t| !t.is_empty())
                .unwrap_or_default();
            or(title, "[interactive reply]")
        }
        "button" => or(s(&m["button"]["text"]), &s(&m["button"]["payload"])),
        "order" => {
            let items = m["order"]["product_items"].as_array().map_or(0, Vec::len);
            let note = s(&m["order"]["text"]);
            let head = format!("[order: {items} item{}]", if items == 1 { "" } else { "s" });
            if note.is_empty() { head } else { format!("{head} {note}") }
        }
        "system" => s(&m["system"]["body"]),
        "edit" => {
            let inner = &m["edit"]["message"];
            let inner_kind = inner["type"].as_str().unwrap_or("");
            format!("[edited] {}", preview(inner_kind, inner, None))
        }
        "revoke" => "[message deleted]".to_owned(),
        _ => match error {
            Some(e) => format!("[{}]", e.describe()),
            None => format!("[{kind}]"),
        },
    }
}

/// "STOP" and its equivalents, the way WhatsApp sellers' buyers write them: a whole message that
/// is one of these words (any case, trailing punctuation allowed).
pub fn is_opt_out(text: &str) -> bool {
    const WORDS: [&str; 14] = [
        "stop",
        "stop promotions",
        "stop promotion",
        "unsubscribe",
        "stop all",
        "opt out",
        "optout",
        "cancel",
        "end",
        "quit",
        "parar",
        "detener",
        "arrêter",
        "توقف",
    ];
    let t = text.trim().trim_end_matches(['.', '!']).trim().to_lowercase();
    WORDS.contains(&t.as_str())
}

/// "START" and its equivalents: a buyer who opted out asks for messages again.
pub fn is_opt_in(text: &str) -> bool {
    let t = text.trim().trim_end_matches(['.', '!']).trim().to_lowercase();
    ["start", "unstop", "resume", "subscribe"].contains(&t.as_str())
}

/// Seconds since the epoch from a string or a number; `None` for anything else (a placeholder
/// such as `"notification_timestamp"`).
pub fn timestamp_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A field Meta sends as a string or a number (ids, template ids), as text; empty otherwise.
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn flex_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(text_of(&Value::deserialize(d)?))
}

fn flex_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(timestamp_of(&Value::deserialize(d)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn previews_of_each_kind() {
        let cases = [
            (
                json!({"id":"w1","type":"text","text":{"body":"  Is the Ankara dress in M? "}}),
                "Is the Ankara dress in M?",
            ),
            (json!({"id":"w2","type":"image","image":{"id":"1"}}), "[image]"),
            (json!({"id":"w3","type":"audio","audio":{"voice":true}}), "[voice message]"),
            (json!({"id":"w4","type":"document","document":{"filename":"price list.pdf"}}), "price list.pdf"),
            (json!({"id":"w5","type":"reaction","reaction":{"message_id":"x","emoji":"❤️"}}), "[reacted ❤️]"),
            (json!({"id":"w6","type":"reaction","reaction":{"message_id":"x"}}), "[reaction removed]"),
            (
                json!({"id":"w7","type":"order","order":{"product_items":[{},{}],"text":"asap"}}),
                "[order: 2 items] asap",
            ),
            (
                json!({"id":"w8","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"a","title":"Size M"}}}),
                "Size M",
            ),
            (
                json!({"id":"w9","type":"unknown","errors":[{"code":130501,"title":"Unsupported message type"}]}),
                "[130501: Unsupported message type]",
            ),
            (json!({"id":"w10","type":"location","location":{"latitude":6.5,"longitude":3.3}}), "[location 6.5, 3.3]"),
        ];
        for (raw, want) in cases {
            assert_eq!(Message::read(&raw).map(|m| m.preview), Some(want.to_owned()), "{raw}");
        }
        assert!(Message::read(&json!({"type":"text"})).is_none(), "no id, nothing to store");
        let long = "x".repeat(500);
        let m = Message::read(&json!({"id":"w","type":"text","text":{"body":long}})).map(|m| m.preview);
        assert_eq!(m.map(|p| p.chars().count()), Some(PREVIEW_CHARS));
    }

    #[test]
    fn timestamps_and_ids_as_strings_or_numbers() {
        assert_eq!(timestamp_of(&json!("1504902988")), Some(1_504_902_988));
        assert_eq!(timestamp_of(&json!(1_731_705_721)), Some(1_731_705_721));
        assert_eq!(timestamp_of(&json!("notification_timestamp")), None);
        let t: TemplateUpdate =
            serde_json::from_value(json!({"message_template_id": 1_689_556_908_129_832_u64, "event": "APPROVED"}))
                .unwrap_or_default();
        assert_eq!(t.message_template_id, "1689556908129832");
    }

    #[test]
    fn stop_words_are_whole_messages() {
        for t in ["STOP", "stop.", " Unsubscribe! ", "Parar", "توقف"] {
            assert!(is_opt_out(t), "{t}");
        }
        for t in ["don't stop", "stop by tomorrow?", "stopwatch", ""] {
            assert!(!is_opt_out(t), "{t}");
        }
    }
}
