//! Message templates: created on Graph (`POST /{waba}/message_templates`) after the hub has
//! checked what Meta would refuse (name, language, category, components, variables and their
//! examples), kept per seller with the review status Graph gives and the webhook updates
//! (`crate::whatsapp::inbox`), listed, and deleted on Graph and here.

use crate::accounts::SellerId;
use crate::config::Config;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::ids::new_id;
use crate::ports::{Http, PortErrorKind, Sql, Stmt, System};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    /// Lower-case letters, digits and `_`, up to 512.
    pub name: String,
    /// A language code Meta knows: `en`, `en_US`, `pt_BR`...
    pub language: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    pub category: String,
    /// Graph's component objects (`HEADER`, `BODY`, `FOOTER`, `BUTTONS`), sent as given.
    #[schema(value_type = Vec<Object>)]
    pub components: Vec<Value>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TemplateView {
    pub id: String,
    /// Graph's id of the template.
    pub graph_id: Option<String>,
    pub name: String,
    pub language: String,
    pub category: Option<String>,
    /// `PENDING`, `APPROVED`, `REJECTED`, `PAUSED`, `DISABLED`... as Meta last reported it.
    pub status: String,
    /// Why it was rejected or paused, when Meta said.
    pub reason: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub components: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TemplateList {
    pub items: Vec<TemplateView>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct DeleteQuery {
    /// The template's name: every language of it is deleted, as Graph does.
    pub name: String,
}

/// Body and header texts' variables: `{{1}}`, `{{2}}`... in order from 1.
fn variables(text: &str) -> Result<usize, String> {
    let mut found: Vec<usize> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let end = after.find("}}").ok_or("a variable is not closed with }}")?;
        let n: usize =
            after[..end].trim().parse().map_err(|_| format!("{{{{{}}}}} is not a numbered variable", &after[..end]))?;
        found.push(n);
        rest = &after[end + 2..];
    }
    for (i, n) in found.iter().enumerate() {
        if *n != i + 1 {
            return Err("variables must be {{1}}, {{2}}, ... in order".to_owned());
        }
    }
    Ok(found.len())
}

/// How many examples of the first example row a component gives under `key`.
fn examples(component: &Value, key: &str) -> usize {
    match &component["example"][key] {
        Value::Array(rows) => match rows.first() {
            Some(Value::Array(row)) => row.len(),
            Some(_) => rows.len(),
            None => 0,
        },
        _ => 0,
    }
}

fn validate(input: &TemplateInput) -> ApiResult<()> {
    let mut errors = Vec::new();
    let mut bad = |path: String, message: &str| errors.push(FieldError { path, message: message.to_owned() });
    if input.name.is_empty()
        || input.name.len() > 512
        || !input.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        bad("name".into(), "must be 1 to 512 lower-case letters, digits or _");
    }
    let lang = input.language.as_bytes();
    let lang_ok = matches!(lang.len(), 2 | 3 | 5 | 6)
        && lang.iter().take(2).all(u8::is_ascii_lowercase)
        && (lang.len() <= 3 || (lang[2] == b'_' && lang[3..].iter().all(u8::is_ascii_uppercase)));
    if !lang_ok {
        bad("language".into(), "must be a language code such as en, en_US or pt_BR");
    }
    if !["MARKETING", "UTILITY", "AUTHENTICATION"].contains(&input.category.as_str()) {
        bad("category".into(), "must be MARKETING, UTILITY or AUTHENTICATION");
    }
    let mut bodies = 0;
    for (i, c) in input.components.iter().enumerate() {
        let path = |field: &str| format!("components[{i}]{field}");
        let text = c["text"].as_str().unwrap_or("");
        match c["type"].as_str().unwrap_or("") {
            "BODY" => {
                bodies += 1;
                if text.is_empty() || text.chars().count() > 1024 {
                    bad(path(".text"), "a body is 1 to 1024 characters");
                }
                match variables(text) {
                    Err(e) => bad(path(".text"), &e),
                    Ok(n) if n > 0 && examples(c, "body_text") != n => {
                        bad(path(".example.body_text"), &format!("give one example for each of the {n} variables"));
                    }
                    Ok(_) => {}
                }
            }
            "HEADER" => match c["format"].as_str().unwrap_or("") {
                "TEXT" => {
                    if text.is_empty() || text.chars().count() > 60 {
                        bad(path(".text"), "a text header is 1 to 60 characters");
                    }
                    match variables(text) {
                        Err(e) => bad(path(".text"), &e),
                        Ok(n) if n > 1 => bad(path(".text"), "a header has at most one variable"),
                        Ok(1) if examples(c, "header_text") != 1 => {
                            bad(path(".example.header_text"), "give an example for the header's variable");
                        }
                        Ok(_) => {}
                    }
                }
                "IMAGE" | "VIDEO" | "DOCUMENT" | "LOCATION" => {
                    if c["format"] != "LOCATION" && examples(c, "header_handle") == 0 {
                        bad(path(".example.header_handle"), "a media header needs an example handle");
                    }
                }
                _ => bad(path(".format"), "must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION"),
            },
            "FOOTER" => {
                if text.is_empty() || text.chars().count() > 60 || text.contains("{{") {
                    bad(path(".text"), "a footer is 1 to 60 characters, without variables");
                }
            }
            "BUTTONS" => {
                let buttons = c["buttons"].as_array().map_or(&[][..], Vec::as_slice);
                if buttons.is_empty() || buttons.len() > 10 {
                    bad(path(".buttons"), "1 to 10 buttons");
                }
                for (j, b) in buttons.iter().enumerate() {
                    let bpath = |field: &str| format!("components[{i}].buttons[{j}]{field}");
                    let label = b["text"].as_str().unwrap_or("");
                    if label.is_empty() || label.chars().count() > 25 {
                        bad(bpath(".text"), "a button's text is 1 to 25 characters");
                    }
                    match b["type"].as_str().unwrap_or("") {
                        "QUICK_REPLY" | "CATALOG" | "MPM" | "COPY_CODE" | "FLOW" | "OTP" => {}
                        "PHONE_NUMBER" => {
                            if b["phone_number"].as_str().is_none_or(str::is_empty) {
                                bad(bpath(".phone_number"), "required");
                            }
                        }
                        "URL" => {
                            let url = b["url"].as_str().unwrap_or("");
                            if !url.starts_with("https://") {
                                bad(bpath(".url"), "must be an https URL");
                            }
                            match variables(url) {
                                Err(e) => bad(bpath(".url"), &e),
                                Ok(0) => {}
                                Ok(1) if url.ends_with("{{1}}") => {
                                    if b["example"].as_array().is_none_or(Vec::is_empty) {
                                        bad(bpath(".example"), "give an example URL for the variable");
                                    }
                                }
                                Ok(_) => bad(bpath(".url"), "one variable, {{1}}, at the end of the URL"),
                            }
                        }
                        _ => bad(bpath(".type"), "not a template button type"),
                    }
                }
            }
            _ => bad(path(".type"), "must be HEADER, BODY, FOOTER or BUTTONS"),
        }
    }
    if bodies != 1 {
        bad("components".into(), "exactly one BODY component");
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::invalid_fields(errors)) }
}

#[derive(Deserialize)]
struct Row {
    id: String,
    graph_id: Option<String>,
    name: String,
    language: String,
    category: Option<String>,
    status: String,
    reason: Option<String>,
    components: String,
    created_at: i64,
    updated_at: i64,
}

impl From<Row> for TemplateView {
    fn from(r: Row) -> Self {
        Self {
            components: serde_json::from_str(&r.components).unwrap_or(Value::Array(Vec::new())),
            id: r.id,
            graph_id: r.graph_id,
            name: r.name,
            language: r.language,
            category: r.category,
            status: r.status,
            reason: r.reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, graph_id, name, language, category, status, reason, components, created_at, updated_at";

pub async fn create(
    sql: &impl Sql,
    http: &impl Http,
    sys: &impl System,
    cfg: &Config,
    seller: &SellerId,
    input: TemplateInput,
) -> ApiResult<TemplateView> {
    validate(&input)?;
    let super::connection::Credentials { waba_id: waba, token, .. } =
        super::connection::credentials(sql, cfg, seller).await?;
    let exists = crate::repo::opt::<Row>(
        sql,
        Stmt::new(format!("SELECT {COLUMNS} FROM wa_templates WHERE seller_id = ? AND name = ? AND language = ?"))
            .bind(&seller.0)
            .bind(&input.name)
            .bind(&input.language),
    )
    .await?;
    if exists.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "template_exists",
            "a template with this name and language exists; delete it first or pick another name",
        ));
    }
    let components = Value::Array(input.components);
    let body = serde_json::json!({
        "name": input.name, "language": input.language, "category": input.category, "components": components,
    });
    let created =
        super::graph::call(http, cfg, &token, http::Method::POST, &format!("{waba}/message_templates"), Some(&body))
            .await
            .map_err(super::graph::Failure::into_api_error)?;
    let graph_id = match &created["id"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let status = created["status"].as_str().unwrap_or("PENDING").to_owned();
    let category = created["category"].as_str().unwrap_or(&input.category).to_owned();
    let now = sys.now_ms();
    let id = new_id(sys, "wat")?;
    // The review webhook may have come first (it keys on name and language): keep its status.
    let saved = sql
        .execute(
            Stmt::new(
                "INSERT INTO wa_templates (id, seller_id, graph_id, name, language, category, status, components, created_at, updated_at) \
                 VALUES (?, ?, nullif(?, ''), ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (seller_id, name, language) DO UPDATE SET graph_id = excluded.graph_id, \
                 components = excluded.components, category = excluded.category, updated_at = excluded.updated_at",
            )
            .bind(&id)
            .bind(&seller.0)
            .bind(graph_id)
            .bind(&input.name)
            .bind(&input.language)
            .bind(category)
            .bind(status)
            .bind(components.to_string())
            .bind(now)
            .bind(now),
        )
        .await;
    if let Err(e) = saved
        && e.kind != PortErrorKind::Conflict
    {
        return Err(e.into());
    }
    get(sql, seller, &input.name, &input.language).await
}

async fn get(sql: &impl Sql, seller: &SellerId, name: &str, language: &str) -> ApiResult<TemplateView> {
    crate::repo::opt::<Row>(
        sql,
        Stmt::new(format!("SELECT {COLUMNS} FROM wa_templates WHERE seller_id = ? AND name = ? AND language = ?"))
            .bind(&seller.0)
            .bind(name)
            .bind(language),
    )
    .await?
    .map(TemplateView::from)
    .ok_or_else(|| ApiError::not_found("no such template"))
}

pub async fn list(sql: &impl Sql, seller: &SellerId) -> ApiResult<TemplateList> {
    let rows: Vec<Row> = crate::repo::all(
        sql,
        Stmt::new(format!("SELECT {COLUMNS} FROM wa_templates WHERE seller_id = ? ORDER BY name, language"))
            .bind(&seller.0),
    )
    .await?;
    Ok(TemplateList { items: rows.into_iter().map(TemplateView::from).collect() })
}

/// Deletes every language of a template on Graph, then here.
pub async fn delete(sql: &impl Sql, http: &impl Http, cfg: &Config, seller: &SellerId, name: &str) -> ApiResult<()> {
    let known = crate::repo::all::<Row>(
        sql,
        Stmt::new(format!("SELECT {COLUMNS} FROM wa_templates WHERE seller_id = ? AND name = ?"))
            .bind(&seller.0)
            .bind(name),
    )
    .await?;
    if known.is_empty() {
        return Err(ApiError::not_found("no such template"));
    }
    let super::connection::Credentials { waba_id: waba, token, .. } =
        super::connection::credentials(sql, cfg, seller).await?;
    let query: String = url::form_urlencoded::Serializer::new(String::new()).append_pair("name", name).finish();
    super::graph::call(http, cfg, &token, http::Method::DELETE, &format!("{waba}/message_templates?{query}"), None)
        .await
        .map_err(super::graph::Failure::into_api_error)?;
    sql.execute(Stmt::new("DELETE FROM wa_templates WHERE seller_id = ? AND name = ?").bind(&seller.0).bind(name))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(components: Value) -> TemplateInput {
        TemplateInput {
            name: "order_update".into(),
            language: "en_US".into(),
            category: "UTILITY".into(),
            components: serde_json::from_value(components).unwrap_or_default(),
        }
    }

    fn fields(i: &TemplateInput) -> Vec<String> {
        validate(i).err().map(|e| e.fields.into_iter().map(|f| f.path).collect()).unwrap_or_default()
    }

    #[test]
    fn variables_need_order_and_examples() {
        let ok = input(json!([
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1hZ2U="]}},
            {"type": "BODY", "text": "Hi {{1}}, order {{2}} ships today", "example": {"body_text": [["Amara", "A-1042"]]}},
            {"type": "FOOTER", "text": "Reply STOP to opt out"},
            {"type": "BUTTONS", "buttons": [
                {"type": "URL", "text": "Track it", "url": "https://shop.example/t/{{1}}", "example": ["https://shop.example/t/A-1042"]},
                {"type": "QUICK_REPLY", "text": "Talk to us"}
            ]}
        ]));
        assert!(fields(&ok).is_empty(), "{:?}", fields(&ok));
        let missing =
            input(json!([{"type": "BODY", "text": "Hi {{1}}, order {{2}}", "example": {"body_text": [["Amara"]]}}]));
        assert_eq!(fields(&missing), ["components[0].example.body_text"]);
        let skipped = input(json!([{"type": "BODY", "text": "Hi {{2}}", "example": {"body_text": [["x"]]}}]));
        assert_eq!(fields(&skipped), ["components[0].text"]);
        let url = input(json!([{"type": "BODY", "text": "Hi"}, {"type": "BUTTONS", "buttons": [
            {"type": "URL", "text": "Go", "url": "https://x.example/{{1}}/a"},
            {"type": "QUICK_REPLY", "text": "This label is far longer than 25"}]}]));
        assert_eq!(fields(&url), ["components[1].buttons[0].url", "components[1].buttons[1].text"]);
        let mut bad = input(json!([{"type": "FOOTER", "text": "no body"}]));
        bad.name = "Order Update".into();
        bad.language = "english".into();
        bad.category = "PROMO".into();
        assert_eq!(fields(&bad), ["name", "language", "category", "components"]);
    }
}
