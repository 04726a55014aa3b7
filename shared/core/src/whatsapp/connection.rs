//! A seller's WhatsApp Business number: saved after Graph confirms the access token can read it,
//! the token sealed at rest (`crate::sealed`, purpose bound to the seller) and never returned
//! (GET shows its mask).

use crate::accounts::SellerId;
use crate::config::Config;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::ports::{Http, PortErrorKind, Sql, Stmt, System};
use crate::sealed::{Keyring, mask};
use http::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionInput {
    /// The number's id in the WhatsApp Manager (digits).
    pub phone_number_id: String,
    /// The WhatsApp Business Account id (digits).
    pub waba_id: String,
    /// A system user's permanent access token with `whatsapp_business_messaging`.
    pub access_token: String,
    /// Shown to buyers; Graph's own display number is used when omitted.
    #[serde(default)]
    pub display_number: Option<String>,
    /// The Meta commerce catalog the number sells from.
    #[serde(default)]
    pub catalog_id: Option<String>,
    /// The approved template sent instead when a message cannot reach the buyer because the
    /// 24-hour window has closed (Graph error 131047). It must take no variables.
    #[serde(default)]
    pub reengagement_template: Option<TemplateRef>,
}

/// A template by name and language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TemplateRef {
    pub name: String,
    /// Meta's language code: `en_US`, `pt_BR`, `sw`.
    pub language: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConnectionView {
    pub phone_number_id: String,
    pub waba_id: String,
    pub display_number: String,
    /// The number's name as Graph reported it when the connection was saved.
    pub verified_name: Option<String>,
    /// The token's mask: never the token.
    pub access_token: String,
    pub catalog_id: Option<String>,
    pub reengagement_template: Option<TemplateRef>,
    /// Where Meta must deliver this number's webhooks (the app's callback URL).
    pub webhook_path: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Deserialize)]
struct Row {
    phone_number_id: String,
    waba_id: String,
    display_number: String,
    verified_name: Option<String>,
    token_hint: String,
    catalog_id: Option<String>,
    reengagement_template: Option<String>,
    reengagement_language: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl From<Row> for ConnectionView {
    fn from(r: Row) -> Self {
        Self {
            phone_number_id: r.phone_number_id,
            waba_id: r.waba_id,
            display_number: r.display_number,
            verified_name: r.verified_name,
            access_token: r.token_hint,
            catalog_id: r.catalog_id,
            reengagement_template: r
                .reengagement_template
                .zip(r.reengagement_language)
                .map(|(name, language)| TemplateRef { name, language }),
            webhook_path: "/webhooks/whatsapp".to_owned(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// What a sealed token is bound to: the seller and the field.
fn purpose(seller: &SellerId) -> String {
    format!("whatsapp_access_token:{}", seller.0)
}

fn keyring(cfg: &Config) -> ApiResult<Keyring> {
    let keys = cfg.data_encryption_key.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "encryption_unconfigured",
            "the hub has no DATA_ENCRYPTION_KEY, so it cannot keep an access token",
        )
    })?;
    Keyring::parse(keys).map_err(|e| ApiError::internal(e.to_string()))
}

fn digits(path: &str, v: &str, errors: &mut Vec<FieldError>) {
    if v.is_empty() || v.len() > 32 || !v.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(FieldError { path: path.to_owned(), message: "must be 1 to 32 digits".to_owned() });
    }
}

fn validate(input: &ConnectionInput) -> ApiResult<()> {
    let mut errors = Vec::new();
    digits("phone_number_id", &input.phone_number_id, &mut errors);
    digits("waba_id", &input.waba_id, &mut errors);
    if let Some(c) = &input.catalog_id {
        digits("catalog_id", c, &mut errors);
    }
    let token = input.access_token.trim();
    if token.len() < 16 || token.len() > 1024 || !token.bytes().all(|b| b.is_ascii_graphic()) {
        errors.push(FieldError {
            path: "access_token".to_owned(),
            message: "must be 16 to 1024 visible ASCII characters".to_owned(),
        });
    }
    if let Some(t) = &input.reengagement_template {
        let name_ok = !t.name.is_empty()
            && t.name.len() <= 512
            && t.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !name_ok {
            errors.push(FieldError {
                path: "reengagement_template.name".to_owned(),
                message: "must be a template name: lowercase letters, digits and _".to_owned(),
            });
        }
        if t.language.is_empty() || t.language.len() > 15 {
            errors.push(FieldError {
                path: "reengagement_template.language".to_owned(),
                message: "must be a language code such as en_US".to_owned(),
            });
        }
    }
    if let Some(n) = &input.display_number
        && (n.chars().count() > 32 || !n.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)))
    {
        errors.push(FieldError { path: "display_number".to_owned(), message: "must be a phone number".to_owned() });
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::invalid_fields(errors)) }
}

/// What Graph says about a phone number (`GET /{version}/{phone_number_id}`).
#[derive(Debug, Default, Deserialize)]
pub struct PhoneNumber {
    #[serde(default)]
    pub display_phone_number: String,
    #[serde(default)]
    pub verified_name: String,
}

/// Reads the number with the seller's token: proof the token works for that number.
pub async fn check_number(
    http: &impl Http,
    cfg: &Config,
    phone_number_id: &str,
    token: &str,
) -> ApiResult<PhoneNumber> {
    let path = format!("{phone_number_id}?fields=display_phone_number,verified_name");
    match super::graph::call(http, cfg, token, http::Method::GET, &path, None).await {
        Ok(v) => serde_json::from_value(v)
            .map_err(|e| super::graph::Failure::unavailable_error(format!("phone number body: {e}"))),
        Err(super::graph::Failure::Refused { status, code, message })
            if status != 401 && code != 190 && status < 500 =>
        {
            Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "phone_number_not_found",
                format!("Graph cannot read phone number {phone_number_id} with this token: {message}"),
            ))
        }
        Err(f) => Err(f.into_api_error()),
    }
}

const COLUMNS: &str = "phone_number_id, waba_id, display_number, verified_name, token_hint, catalog_id, \
     reengagement_template, reengagement_language, created_at, updated_at";

/// Saves (or replaces) the seller's connection after Graph confirmed the token.
pub async fn put(
    sql: &impl Sql,
    http: &impl Http,
    sys: &impl System,
    cfg: &Config,
    seller: &SellerId,
    input: ConnectionInput,
) -> ApiResult<ConnectionView> {
    validate(&input)?;
    let keys = keyring(cfg)?;
    let token = input.access_token.trim();
    let number = check_number(http, cfg, &input.phone_number_id, token).await?;
    let sealed = keys.seal(sys, &purpose(seller), token).map_err(|e| ApiError::internal(e.to_string()))?;
    let display =
        input.display_number.filter(|d| !d.trim().is_empty()).unwrap_or_else(|| number.display_phone_number.clone());
    let now = sys.now_ms();
    let saved = sql
        .execute(
            Stmt::new(
                "INSERT INTO wa_connections (seller_id, phone_number_id, waba_id, display_number, verified_name, \
                 token_sealed, token_hint, catalog_id, reengagement_template, reengagement_language, created_at, \
                 updated_at) VALUES (?, ?, ?, ?, nullif(?, ''), ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (seller_id) DO UPDATE SET phone_number_id = excluded.phone_number_id, \
                 waba_id = excluded.waba_id, display_number = excluded.display_number, \
                 verified_name = excluded.verified_name, token_sealed = excluded.token_sealed, \
                 token_hint = excluded.token_hint, catalog_id = excluded.catalog_id, \
                 reengagement_template = excluded.reengagement_template, \
                 reengagement_language = excluded.reengagement_language, updated_at = excluded.updated_at",
            )
            .bind(&seller.0)
            .bind(&input.phone_number_id)
            .bind(&input.waba_id)
            .bind(display)
            .bind(number.verified_name)
            .bind(sealed)
            .bind(mask(token))
            .bind(input.catalog_id)
            .bind(input.reengagement_template.as_ref().map(|t| t.name.clone()))
            .bind(input.reengagement_template.map(|t| t.language))
            .bind(now)
            .bind(now),
        )
        .await;
    match saved {
        Ok(_) => get(sql, seller).await,
        // The one unique key left is the number's: another seller has it.
        Err(e) if e.kind == PortErrorKind::Conflict => Err(ApiError::new(
            StatusCode::CONFLICT,
            "phone_number_taken",
            "this phone number is connected to another seller",
        )),
        Err(e) => Err(e.into()),
    }
}

fn not_connected() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "whatsapp_not_connected", "no WhatsApp number is connected")
}

pub async fn get(sql: &impl Sql, seller: &SellerId) -> ApiResult<ConnectionView> {
    let stmt = Stmt::new(format!("SELECT {COLUMNS} FROM wa_connections WHERE seller_id = ?")).bind(&seller.0);
    crate::repo::opt::<Row>(sql, stmt).await?.map(ConnectionView::from).ok_or_else(not_connected)
}

/// Disconnects the number: deliveries for it are dropped from then on; conversations stay.
pub async fn delete(sql: &impl Sql, seller: &SellerId) -> ApiResult<()> {
    let n = sql.execute(Stmt::new("DELETE FROM wa_connections WHERE seller_id = ?").bind(&seller.0)).await?;
    if n == 0 { Err(not_connected()) } else { Ok(()) }
}

/// What calls to Graph for a seller need: the number, the business account and the opened
/// access token, read in one query.
pub struct Credentials {
    pub phone_number_id: String,
    pub waba_id: String,
    pub token: String,
    pub catalog_id: Option<String>,
    pub reengagement: Option<TemplateRef>,
}

pub async fn credentials(sql: &impl Sql, cfg: &Config, seller: &SellerId) -> ApiResult<Credentials> {
    #[derive(Deserialize)]
    struct Sealed {
        phone_number_id: String,
        waba_id: String,
        token_sealed: String,
        catalog_id: Option<String>,
        reengagement_template: Option<String>,
        reengagement_language: Option<String>,
    }
    let row: Sealed = crate::repo::opt(
        sql,
        Stmt::new(
            "SELECT phone_number_id, waba_id, token_sealed, catalog_id, reengagement_template, reengagement_language \
             FROM wa_connections WHERE seller_id = ?",
        )
        .bind(&seller.0),
    )
    .await?
    .ok_or_else(not_connected)?;
    let token =
        keyring(cfg)?.open(&purpose(seller), &row.token_sealed).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Credentials {
        phone_number_id: row.phone_number_id,
        waba_id: row.waba_id,
        token,
        catalog_id: row.catalog_id,
        reengagement: row
            .reengagement_template
            .zip(row.reengagement_language)
            .map(|(name, language)| TemplateRef { name, language }),
    })
}
