//! What the hub sends through Graph's `/{phone_number_id}/messages`, typed in Graph's own shape
//! (so the body the sender posts is exactly what Meta documents, and the same types read a
//! request someone else wrote), with Meta's limits checked before anything is queued.
//!
//! Covered: text (with `preview_url`), image, video, audio, document, sticker, location,
//! contacts, interactive reply buttons, lists, single product, product list, catalog and
//! call-to-action URL messages, templates (header media, body variables, currency and date-time
//! values, quick-reply payload, URL and catalog button parameters), reactions, a reply's
//! `context`, and the read receipt (with the typing indicator).

use crate::error::{ApiError, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One message, as the `type` member and its object of a Graph send request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outgoing {
    Text {
        text: Text,
    },
    Image {
        image: Media,
    },
    Video {
        video: Media,
    },
    Audio {
        audio: Media,
    },
    Document {
        document: Media,
    },
    Sticker {
        sticker: Media,
    },
    Location {
        location: Location,
    },
    /// Contact cards, passed as Meta documents them (names, phones, addresses, ...).
    Contacts {
        contacts: Vec<Value>,
    },
    Interactive {
        interactive: Box<Interactive>,
    },
    Template {
        template: Template,
    },
    Reaction {
        reaction: Reaction,
    },
}

/// The whole request body for one recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub messaging_product: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_type: Option<String>,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    #[serde(flatten)]
    pub message: Outgoing,
}

impl Envelope {
    pub fn new(to: &str, context: Option<Context>, message: Outgoing) -> Self {
        Envelope {
            messaging_product: "whatsapp".to_owned(),
            recipient_type: Some("individual".to_owned()),
            to: to.to_owned(),
            context,
            message,
        }
    }
}

/// Graph's answer to a send: the recipient as Graph resolved it and the new message's id
/// (`message_status` `accepted` since 2024, or absent); a read receipt is answered `success`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SendAnswer {
    #[serde(default)]
    pub messaging_product: Option<String>,
    #[serde(default)]
    pub contacts: Vec<AnswerContact>,
    #[serde(default)]
    pub messages: Vec<AnswerMessage>,
    #[serde(default)]
    pub success: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct AnswerContact {
    #[serde(default)]
    pub input: String,
    /// Meta's own example pads it with a space; read trimmed.
    #[serde(default)]
    pub wa_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct AnswerMessage {
    pub id: String,
    #[serde(default)]
    pub message_status: Option<String>,
}

impl SendAnswer {
    /// The wamid Meta's statuses will name.
    pub fn wamid(&self) -> Option<&str> {
        self.messages.first().map(|m| m.id.trim()).filter(|id| !id.is_empty())
    }
}

/// The read receipt for an inbound message (its blue ticks), optionally with "typing…".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadReceipt {
    pub messaging_product: String,
    pub status: String,
    pub message_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typing_indicator: Option<TypingIndicator>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypingIndicator {
    #[serde(rename = "type")]
    pub kind: String,
}

impl ReadReceipt {
    pub fn new(wamid: &str, typing: bool) -> Self {
        ReadReceipt {
            messaging_product: "whatsapp".to_owned(),
            status: "read".to_owned(),
            message_id: wamid.to_owned(),
            typing_indicator: typing.then(|| TypingIndicator { kind: "text".to_owned() }),
        }
    }
}

/// The message a reply answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Context {
    pub message_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Text {
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_url: Option<bool>,
}

/// Media by Graph's media id or by a public link.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Media {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

/// Meta's examples write coordinates as numbers and as strings; both are sent as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Coordinate {
    Number(f64),
    Text(String),
}

impl Coordinate {
    fn value(&self) -> Option<f64> {
        match self {
            Coordinate::Number(n) => Some(*n),
            Coordinate::Text(t) => t.trim().parse().ok(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub latitude: Coordinate,
    pub longitude: Coordinate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reaction {
    pub message_id: String,
    /// One emoji; empty removes the reaction.
    pub emoji: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Interactive {
    Button {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header: Option<Header>,
        body: BodyText,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<BodyText>,
        action: ButtonAction,
    },
    List {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header: Option<Header>,
        body: BodyText,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<BodyText>,
        action: ListAction,
    },
    Product {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<BodyText>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<BodyText>,
        action: ProductAction,
    },
    ProductList {
        header: Header,
        body: BodyText,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<BodyText>,
        action: ProductListAction,
    },
    CatalogMessage {
        body: BodyText,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<BodyText>,
        action: NamedAction,
    },
    /// A button that opens a URL ("View in the shop").
    CtaUrl {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header: Option<Header>,
        body: BodyText,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<BodyText>,
        action: NamedAction,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BodyText {
    pub text: String,
}

/// `text`, `image`, `video` or `document`, with the matching member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Media>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<Media>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Media>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ButtonAction {
    pub buttons: Vec<ReplyButton>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyButton {
    #[serde(rename = "type")]
    pub kind: String,
    pub reply: Choice,
}

/// A reply button or a list row: what the buyer taps and what comes back in `button_reply` /
/// `list_reply`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListAction {
    pub button: String,
    pub sections: Vec<ListSection>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub rows: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductAction {
    pub catalog_id: String,
    pub product_retailer_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductListAction {
    pub catalog_id: String,
    pub sections: Vec<ProductSection>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductSection {
    pub title: String,
    pub product_items: Vec<ProductItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductItem {
    pub product_retailer_id: String,
}

/// `catalog_message` (`parameters.thumbnail_product_retailer_id`) and `cta_url`
/// (`parameters.display_text` and `url`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedAction {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<ActionParameters>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActionParameters {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_product_retailer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    pub language: Language,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Language {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
}

/// `header`, `body` or `button` (with `sub_type` `quick_reply`, `url` or `catalog` and its
/// `index`) and the values for its variables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<Index>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
}

/// Meta's examples write a button's index as a number and as a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Index {
    Number(u32),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Parameter {
    Text {
        text: String,
        /// For templates with named variables (`{{order_number}}`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parameter_name: Option<String>,
    },
    Currency {
        currency: Currency,
    },
    DateTime {
        date_time: DateTime,
    },
    Image {
        image: Media,
    },
    Video {
        video: Media,
    },
    Document {
        document: Media,
    },
    /// A quick-reply button's payload, returned in the buyer's `button` message.
    Payload {
        payload: String,
    },
    CouponCode {
        coupon_code: String,
    },
    /// A catalog button's thumbnail.
    Action {
        action: ActionParameters,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Currency {
    pub fallback_value: String,
    pub code: String,
    pub amount_1000: i64,
}

/// Shown as `fallback_value`; the component fields Meta documents ride along as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DateTime {
    pub fallback_value: String,
    #[serde(flatten)]
    pub parts: serde_json::Map<String, Value>,
}

// ---------------------------------------------------------------------------------------------
// Meta's limits, checked before a message is queued.

pub const TEXT_BODY_MAX: usize = 4096;
pub const CAPTION_MAX: usize = 1024;
pub const INTERACTIVE_BODY_MAX: usize = 1024;
pub const HEADER_TEXT_MAX: usize = 60;
pub const FOOTER_MAX: usize = 60;
pub const BUTTONS_MAX: usize = 3;
pub const BUTTON_TITLE_MAX: usize = 20;
pub const CHOICE_ID_MAX: usize = 256;
pub const LIST_ROWS_MAX: usize = 10;
pub const LIST_SECTIONS_MAX: usize = 10;
pub const ROW_TITLE_MAX: usize = 24;
pub const ROW_DESCRIPTION_MAX: usize = 72;
pub const SECTION_TITLE_MAX: usize = 24;
pub const PRODUCT_ITEMS_MAX: usize = 30;
pub const TEMPLATE_PARAMETER_MAX: usize = 1024;

struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    fn fail(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError { path: path.into(), message: message.into() });
    }

    /// Non-empty (unless `optional` and absent) and at most `max` characters, as Meta counts them.
    fn text(&mut self, path: &str, value: &str, max: usize) {
        let n = value.chars().count();
        if value.trim().is_empty() {
            self.fail(path, "must not be empty");
        } else if n > max {
            self.fail(path, format!("is {n} characters; WhatsApp allows at most {max}"));
        }
    }

    fn opt_text(&mut self, path: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            self.text(path, v, max);
        }
    }

    fn media(&mut self, path: &str, m: &Media, caption: bool) {
        match (m.id.as_deref().filter(|s| !s.is_empty()), m.link.as_deref().filter(|s| !s.is_empty())) {
            (None, None) => self.fail(path, "needs an id (uploaded media) or a link"),
            (Some(_), Some(_)) => self.fail(path, "takes an id or a link, not both"),
            (None, Some(link)) if !(link.starts_with("https://") || link.starts_with("http://")) => {
                self.fail(format!("{path}.link"), "must be an http(s) URL");
            }
            _ => {}
        }
        if caption {
            self.opt_text(&format!("{path}.caption"), m.caption.as_deref(), CAPTION_MAX);
        } else if m.caption.is_some() {
            self.fail(format!("{path}.caption"), "this media type takes no caption");
        }
    }

    fn header(&mut self, path: &str, h: &Header, allowed: &[&str]) {
        if !allowed.contains(&h.kind.as_str()) {
            self.fail(format!("{path}.type"), format!("must be one of {}", allowed.join(", ")));
            return;
        }
        match h.kind.as_str() {
            "text" => self.text(&format!("{path}.text"), h.text.as_deref().unwrap_or(""), HEADER_TEXT_MAX),
            "image" => self.media(&format!("{path}.image"), h.image.as_ref().unwrap_or(&Media::default()), false),
            "video" => self.media(&format!("{path}.video"), h.video.as_ref().unwrap_or(&Media::default()), false),
            "document" => {
                self.media(&format!("{path}.document"), h.document.as_ref().unwrap_or(&Media::default()), false);
            }
            _ => {}
        }
    }

    fn footer(&mut self, path: &str, f: Option<&BodyText>) {
        self.opt_text(&format!("{path}.text"), f.map(|f| f.text.as_str()), FOOTER_MAX);
    }

    fn choice_ids<'a>(&mut self, path: &str, ids: impl Iterator<Item = &'a str>) {
        let mut seen = std::collections::HashSet::new();
        for (i, id) in ids.enumerate() {
            self.text(&format!("{path}[{i}].id"), id, CHOICE_ID_MAX);
            if !seen.insert(id) {
                self.fail(format!("{path}[{i}].id"), "repeats another choice's id");
            }
        }
    }
}

impl Outgoing {
    /// Checks Meta's limits; every broken one is named by its JSON path (422 `invalid_fields`).
    pub fn validate(&self) -> Result<(), ApiError> {
        let mut c = Check { errors: Vec::new() };
        match self {
            Outgoing::Text { text } => c.text("text.body", &text.body, TEXT_BODY_MAX),
            Outgoing::Image { image } => c.media("image", image, true),
            Outgoing::Video { video } => c.media("video", video, true),
            Outgoing::Document { document } => c.media("document", document, true),
            Outgoing::Audio { audio } => c.media("audio", audio, false),
            Outgoing::Sticker { sticker } => c.media("sticker", sticker, false),
            Outgoing::Location { location } => {
                if !location.latitude.value().is_some_and(|v| (-90.0..=90.0).contains(&v)) {
                    c.fail("location.latitude", "must be a number from -90 to 90");
                }
                if !location.longitude.value().is_some_and(|v| (-180.0..=180.0).contains(&v)) {
                    c.fail("location.longitude", "must be a number from -180 to 180");
                }
            }
            Outgoing::Contacts { contacts } => {
                if contacts.is_empty() {
                    c.fail("contacts", "must hold at least one contact");
                }
                for (i, card) in contacts.iter().enumerate() {
                    if card["name"]["formatted_name"].as_str().is_none_or(|n| n.trim().is_empty()) {
                        c.fail(format!("contacts[{i}].name.formatted_name"), "is required");
                    }
                }
            }
            Outgoing::Interactive { interactive } => interactive.check(&mut c),
            Outgoing::Template { template } => template.check(&mut c),
            Outgoing::Reaction { reaction } => {
                c.text("reaction.message_id", &reaction.message_id, 512);
                // One emoji (a flag or a skin-toned hand is several code points), or empty to remove.
                if reaction.emoji.chars().count() > 8 || reaction.emoji.chars().any(char::is_alphanumeric) {
                    c.fail("reaction.emoji", "must be one emoji, or empty to remove the reaction");
                }
            }
        }
        if c.errors.is_empty() { Ok(()) } else { Err(ApiError::invalid_fields(c.errors)) }
    }

    /// Whether this is a template, the only kind Meta delivers outside the customer-service window.
    pub fn is_template(&self) -> bool {
        matches!(self, Outgoing::Template { .. })
    }

    /// The `type` Graph sees.
    pub fn kind(&self) -> &'static str {
        match self {
            Outgoing::Text { .. } => "text",
            Outgoing::Image { .. } => "image",
            Outgoing::Video { .. } => "video",
            Outgoing::Audio { .. } => "audio",
            Outgoing::Document { .. } => "document",
            Outgoing::Sticker { .. } => "sticker",
            Outgoing::Location { .. } => "location",
            Outgoing::Contacts { .. } => "contacts",
            Outgoing::Interactive { .. } => "interactive",
            Outgoing::Template { .. } => "template",
            Outgoing::Reaction { .. } => "reaction",
        }
    }

    /// A line for the inbox list, as the buyer would see the message.
    pub fn preview(&self) -> String {
        let media =
            |label: &str, m: &Media| m.caption.clone().filter(|c| !c.is_empty()).unwrap_or_else(|| label.to_owned());
        let line = match self {
            Outgoing::Text { text } => text.body.clone(),
            Outgoing::Image { image } => media("[image]", image),
            Outgoing::Video { video } => media("[video]", video),
            Outgoing::Document { document } => media("[document]", document),
            Outgoing::Audio { .. } => "[audio]".to_owned(),
            Outgoing::Sticker { .. } => "[sticker]".to_owned(),
            Outgoing::Location { location } => location.name.clone().unwrap_or_else(|| "[location]".to_owned()),
            Outgoing::Contacts { .. } => "[contact]".to_owned(),
            Outgoing::Interactive { interactive } => match interactive.as_ref() {
                Interactive::Button { body, .. }
                | Interactive::List { body, .. }
                | Interactive::ProductList { body, .. }
                | Interactive::CatalogMessage { body, .. }
                | Interactive::CtaUrl { body, .. } => body.text.clone(),
                Interactive::Product { body, .. } => {
                    body.as_ref().map_or_else(|| "[product]".to_owned(), |b| b.text.clone())
                }
            },
            Outgoing::Template { template } => format!("[template {}]", template.name),
            Outgoing::Reaction { reaction } => {
                if reaction.emoji.is_empty() {
                    "[reaction removed]".to_owned()
                } else {
                    reaction.emoji.clone()
                }
            }
        };
        super::delivery::clip_preview(&line)
    }
}

impl Interactive {
    fn check(&self, c: &mut Check) {
        let body = |c: &mut Check, b: &BodyText| c.text("interactive.body.text", &b.text, INTERACTIVE_BODY_MAX);
        match self {
            Interactive::Button { header, body: b, footer, action } => {
                if let Some(h) = header {
                    c.header("interactive.header", h, &["text", "image", "video", "document"]);
                }
                body(c, b);
                c.footer("interactive.footer", footer.as_ref());
                let n = action.buttons.len();
                if n == 0 || n > BUTTONS_MAX {
                    c.fail(
                        "interactive.action.buttons",
                        format!("has {n} buttons; WhatsApp allows 1 to {BUTTONS_MAX}"),
                    );
                }
                for (i, button) in action.buttons.iter().enumerate() {
                    if button.kind != "reply" {
                        c.fail(format!("interactive.action.buttons[{i}].type"), "must be \"reply\"");
                    }
                    c.text(
                        &format!("interactive.action.buttons[{i}].reply.title"),
                        &button.reply.title,
                        BUTTON_TITLE_MAX,
                    );
                }
                let ids = action.buttons.iter().map(|b| b.reply.id.as_str());
                c.choice_ids("interactive.action.buttons", ids);
            }
            Interactive::List { header, body: b, footer, action } => {
                if let Some(h) = header {
                    c.header("interactive.header", h, &["text"]);
                }
                body(c, b);
                c.footer("interactive.footer", footer.as_ref());
                c.text("interactive.action.button", &action.button, BUTTON_TITLE_MAX);
                let sections = action.sections.len();
                if sections == 0 || sections > LIST_SECTIONS_MAX {
                    c.fail(
                        "interactive.action.sections",
                        format!("has {sections}; WhatsApp allows 1 to {LIST_SECTIONS_MAX}"),
                    );
                }
                let rows: usize = action.sections.iter().map(|s| s.rows.len()).sum();
                if rows == 0 || rows > LIST_ROWS_MAX {
                    c.fail(
                        "interactive.action.sections",
                        format!("has {rows} rows in all; WhatsApp allows 1 to {LIST_ROWS_MAX}"),
                    );
                }
                for (i, s) in action.sections.iter().enumerate() {
                    let path = format!("interactive.action.sections[{i}]");
                    match &s.title {
                        Some(t) => c.text(&format!("{path}.title"), t, SECTION_TITLE_MAX),
                        None if sections > 1 => {
                            c.fail(format!("{path}.title"), "is required when there are several sections")
                        }
                        None => {}
                    }
                    for (j, row) in s.rows.iter().enumerate() {
                        c.text(&format!("{path}.rows[{j}].title"), &row.title, ROW_TITLE_MAX);
                        c.opt_text(
                            &format!("{path}.rows[{j}].description"),
                            row.description.as_deref(),
                            ROW_DESCRIPTION_MAX,
                        );
                    }
                }
                let ids = action.sections.iter().flat_map(|s| s.rows.iter().map(|r| r.id.as_str()));
                c.choice_ids("interactive.action.rows", ids);
            }
            Interactive::Product { body: b, footer, action } => {
                if let Some(b) = b {
                    body(c, b);
                }
                c.footer("interactive.footer", footer.as_ref());
                c.text("interactive.action.catalog_id", &action.catalog_id, 64);
                c.text("interactive.action.product_retailer_id", &action.product_retailer_id, 100);
            }
            Interactive::ProductList { header, body: b, footer, action } => {
                c.header("interactive.header", header, &["text"]);
                body(c, b);
                c.footer("interactive.footer", footer.as_ref());
                c.text("interactive.action.catalog_id", &action.catalog_id, 64);
                let sections = action.sections.len();
                if sections == 0 || sections > LIST_SECTIONS_MAX {
                    c.fail(
                        "interactive.action.sections",
                        format!("has {sections}; WhatsApp allows 1 to {LIST_SECTIONS_MAX}"),
                    );
                }
                let items: usize = action.sections.iter().map(|s| s.product_items.len()).sum();
                if items == 0 || items > PRODUCT_ITEMS_MAX {
                    c.fail(
                        "interactive.action.sections",
                        format!("has {items} products in all; WhatsApp allows 1 to {PRODUCT_ITEMS_MAX}"),
                    );
                }
                for (i, s) in action.sections.iter().enumerate() {
                    c.text(&format!("interactive.action.sections[{i}].title"), &s.title, SECTION_TITLE_MAX);
                    for (j, item) in s.product_items.iter().enumerate() {
                        let path = format!("interactive.action.sections[{i}].product_items[{j}].product_retailer_id");
                        c.text(&path, &item.product_retailer_id, 100);
                    }
                }
            }
            Interactive::CatalogMessage { body: b, footer, action } => {
                body(c, b);
                c.footer("interactive.footer", footer.as_ref());
                if action.name != "catalog_message" {
                    c.fail("interactive.action.name", "must be \"catalog_message\"");
                }
            }
            Interactive::CtaUrl { header, body: b, footer, action } => {
                if let Some(h) = header {
                    c.header("interactive.header", h, &["text", "image", "video", "document"]);
                }
                body(c, b);
                c.footer("interactive.footer", footer.as_ref());
                if action.name != "cta_url" {
                    c.fail("interactive.action.name", "must be \"cta_url\"");
                }
                let p = action.parameters.clone().unwrap_or_default();
                c.text(
                    "interactive.action.parameters.display_text",
                    p.display_text.as_deref().unwrap_or(""),
                    BUTTON_TITLE_MAX,
                );
                if !p.url.as_deref().is_some_and(|u| u.starts_with("https://") || u.starts_with("http://")) {
                    c.fail("interactive.action.parameters.url", "must be an http(s) URL");
                }
            }
        }
    }
}

impl Template {
    fn check(&self, c: &mut Check) {
        c.text("template.name", &self.name, 512);
        c.text("template.language.code", &self.language.code, 15);
        for (i, comp) in self.components.iter().enumerate() {
            let path = format!("template.components[{i}]");
            match comp.kind.to_ascii_lowercase().as_str() {
                "header" | "body" => {}
                "button" => {
                    if comp.sub_type.is_none() {
                        c.fail(
                            format!("{path}.sub_type"),
                            "a button component needs its sub_type (quick_reply, url, catalog, ...)",
                        );
                    }
                    if comp.index.is_none() {
                        c.fail(format!("{path}.index"), "a button component needs the button's index");
                    }
                }
                _ => c.fail(format!("{path}.type"), "must be header, body or button"),
            }
            let max = if comp.kind.eq_ignore_ascii_case("header") { HEADER_TEXT_MAX } else { TEMPLATE_PARAMETER_MAX };
            for (j, p) in comp.parameters.iter().enumerate() {
                let path = format!("{path}.parameters[{j}]");
                match p {
                    Parameter::Text { text, .. } => c.text(&format!("{path}.text"), text, max),
                    Parameter::Currency { currency } => {
                        c.text(&format!("{path}.currency.fallback_value"), &currency.fallback_value, 64);
                        if currency.code.len() != 3 || !currency.code.bytes().all(|b| b.is_ascii_uppercase()) {
                            c.fail(format!("{path}.currency.code"), "must be an ISO 4217 code such as USD");
                        }
                    }
                    Parameter::DateTime { date_time } => {
                        c.text(&format!("{path}.date_time.fallback_value"), &date_time.fallback_value, 64);
                    }
                    Parameter::Image { image: m } => c.media(&format!("{path}.image"), m, false),
                    Parameter::Video { video: m } => c.media(&format!("{path}.video"), m, false),
                    Parameter::Document { document: m } => c.media(&format!("{path}.document"), m, false),
                    Parameter::Payload { payload } => c.text(&format!("{path}.payload"), payload, 128),
                    Parameter::CouponCode { coupon_code } => c.text(&format!("{path}.coupon_code"), coupon_code, 15),
                    Parameter::Action { .. } => {}
                }
            }
        }
    }

    /// The number of values the body component carries.
    pub fn body_parameters(&self) -> usize {
        self.components.iter().filter(|c| c.kind.eq_ignore_ascii_case("body")).map(|c| c.parameters.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(m: &Value) -> Vec<String> {
        let m: Outgoing = serde_json::from_value(m.clone()).expect("parses");
        m.validate().err().map(|e| e.fields.into_iter().map(|f| f.path).collect()).unwrap_or_default()
    }

    #[test]
    fn limits_are_checked_with_the_field_named() {
        assert!(fields(&json!({"type": "text", "text": {"body": "hi"}})).is_empty());
        assert_eq!(fields(&json!({"type": "text", "text": {"body": "x".repeat(4097)}})), ["text.body"]);
        assert_eq!(fields(&json!({"type": "text", "text": {"body": "  "}})), ["text.body"]);
        let button = |id: &str, title: &str| json!({"type": "reply", "reply": {"id": id, "title": title}});
        let four = json!({"type": "interactive", "interactive": {"type": "button", "body": {"text": "Pick"},
            "action": {"buttons": [button("a", "A"), button("b", "B"), button("c", "C"), button("d", "D")]}}});
        assert_eq!(fields(&four), ["interactive.action.buttons"]);
        let long = json!({"type": "interactive", "interactive": {"type": "button", "body": {"text": "Pick"},
            "action": {"buttons": [button("a", "Twenty-one characters"), button("a", "B")]}}});
        assert_eq!(fields(&long), ["interactive.action.buttons[0].reply.title", "interactive.action.buttons[1].id"]);
        let rows: Vec<Value> = (0..11).map(|i| json!({"id": format!("r{i}"), "title": format!("Row {i}")})).collect();
        let list = json!({"type": "interactive", "interactive": {"type": "list", "body": {"text": "Menu"},
            "action": {"button": "Open", "sections": [{"title": "All", "rows": rows}]}}});
        assert_eq!(fields(&list), ["interactive.action.sections"]);
        let img = json!({"type": "image", "image": {"id": "1", "link": "https://x.example/a.jpg"}});
        assert_eq!(fields(&img), ["image"]);
        let loc = json!({"type": "location", "location": {"latitude": "91", "longitude": 10}});
        assert_eq!(fields(&loc), ["location.latitude"]);
        let reaction = json!({"type": "reaction", "reaction": {"message_id": "wamid.1", "emoji": "ok"}});
        assert_eq!(fields(&reaction), ["reaction.emoji"]);
        let flag = json!({"type": "reaction", "reaction": {"message_id": "wamid.1", "emoji": "\u{1F1F3}\u{1F1EC}"}});
        assert!(fields(&flag).is_empty());
        let tpl = json!({"type": "template", "template": {"name": "order_update", "language": {"code": "en"},
            "components": [{"type": "header", "parameters": [{"type": "text", "text": "h".repeat(61)}]},
                           {"type": "button", "parameters": [{"type": "payload", "payload": "p"}]}]}});
        assert_eq!(
            fields(&tpl),
            [
                "template.components[0].parameters[0].text",
                "template.components[1].sub_type",
                "template.components[1].index"
            ]
        );
    }

    #[test]
    fn previews_read_as_the_buyer_sees_them() {
        let m: Outgoing =
            serde_json::from_value(json!({"type": "image", "image": {"link": "https://x.example/a.jpg"}})).unwrap();
        assert_eq!(m.preview(), "[image]");
        let m: Outgoing = serde_json::from_value(
            json!({"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}),
        )
        .unwrap();
        assert_eq!((m.preview().as_str(), m.is_template()), ("[template hello_world]", true));
    }
}
