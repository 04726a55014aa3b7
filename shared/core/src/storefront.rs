//! The seller's public identity: handle, name, bio, WhatsApp number, currency, language,
//! accent colour and auto-publish. The row also holds the catalog version that every product
//! or settings write bumps (`bump`): the caches key on it (`crate::cache`).

use crate::accounts::{Handle, SellerId};
use crate::catalog::ThumbnailView;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::ports::{PortErrorKind, Sql, Stmt, System};
use crate::products::input::is_currency;
use crate::repo::opt;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const LANGUAGES: [&str; 12] = ["en", "es", "pt", "fr", "id", "ms", "sw", "hi", "ar", "tr", "de", "it"];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct StorefrontView {
    pub handle: String,
    pub display_name: String,
    pub bio: String,
    /// E.164 (`+2348012345678`): where "Order on WhatsApp" sends buyers.
    pub whatsapp: Option<String>,
    /// ISO 4217: the currency of products made without one.
    pub currency: Option<String>,
    pub language: String,
    /// `#rrggbb`.
    pub accent_color: String,
    /// Publish new products that have a title and a price.
    pub auto_publish: bool,
    /// The avatar's square renditions (`POST /api/v1/storefront/avatar`); none until one is uploaded.
    pub avatar: Vec<ThumbnailView>,
    /// Bumped by every catalog write.
    pub catalog_version: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SettingsRow {
    pub handle: String,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub whatsapp: Option<String>,
    pub currency: Option<String>,
    pub language: Option<String>,
    pub accent: Option<String>,
    pub auto_publish: i64,
    pub avatar: String,
    pub catalog_version: i64,
}

impl SettingsRow {
    pub fn view(self) -> StorefrontView {
        StorefrontView {
            display_name: self.display_name.unwrap_or_else(|| self.handle.clone()),
            handle: self.handle,
            bio: self.bio.unwrap_or_default(),
            whatsapp: self.whatsapp,
            currency: self.currency,
            language: self.language.unwrap_or_else(|| "en".to_owned()),
            accent_color: self.accent.unwrap_or_else(|| "#0f766e".to_owned()),
            auto_publish: self.auto_publish != 0,
            avatar: serde_json::from_str(&self.avatar).unwrap_or_default(),
            catalog_version: self.catalog_version,
        }
    }
}

const SELECT: &str = "SELECT s.handle, NULLIF(f.display_name, '') AS display_name, f.bio, f.whatsapp, f.currency, \
    f.language, f.accent, COALESCE(f.auto_publish, 1) AS auto_publish, COALESCE(f.avatar, '[]') AS avatar, \
    COALESCE(f.catalog_version, 0) AS catalog_version \
    FROM sellers s LEFT JOIN storefronts f ON f.seller_id = s.id";

/// The seller's settings (defaults for a seller who never saved any).
pub async fn settings_row(sql: &impl Sql, seller: &SellerId) -> ApiResult<SettingsRow> {
    opt(sql, Stmt::new(format!("{SELECT} WHERE s.id = ?")).bind(&seller.0))
        .await?
        .ok_or_else(|| ApiError::unauthorized("no such seller"))
}

/// A seller's settings by public handle.
pub async fn by_handle(sql: &impl Sql, handle: &str) -> ApiResult<Option<(String, SettingsRow)>> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let h = handle.trim().trim_start_matches('@').to_ascii_lowercase();
    let Some(Id { id }) = opt(sql, Stmt::new("SELECT id FROM sellers WHERE handle = ?").bind(h)).await? else {
        return Ok(None);
    };
    let row = settings_row(sql, &SellerId(id.clone())).await?;
    Ok(Some((id, row)))
}

/// The seller's catalog version, straight from SQL (what read-your-writes reads).
pub async fn catalog_version(sql: &impl Sql, seller_id: &str) -> ApiResult<i64> {
    #[derive(Deserialize)]
    struct V {
        catalog_version: i64,
    }
    let v: Option<V> =
        opt(sql, Stmt::new("SELECT catalog_version FROM storefronts WHERE seller_id = ?").bind(seller_id)).await?;
    Ok(v.map_or(0, |v| v.catalog_version))
}

/// The statement that bumps the seller's catalog version: in the batch of every catalog write.
pub fn bump(seller_id: &str, now: i64) -> Stmt {
    Stmt::new(
        "INSERT INTO storefronts (seller_id, catalog_version, updated_at) VALUES (?, 2, ?) ON CONFLICT (seller_id) \
         DO UPDATE SET catalog_version = catalog_version + 1, updated_at = excluded.updated_at",
    )
    .bind(seller_id)
    .bind(now)
}

pub async fn get(sql: &impl Sql, seller: &SellerId) -> ApiResult<StorefrontView> {
    Ok(settings_row(sql, seller).await?.view())
}

/// E.164: `+`, then 8 to 15 digits, the first not 0.
pub fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else { return false };
    (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
}

fn is_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// `PATCH /api/v1/storefront`.
pub async fn patch(sql: &impl Sql, sys: &impl System, seller: &SellerId, body: &[u8]) -> ApiResult<StorefrontView> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not JSON: {e}")))?;
    let Value::Object(obj) = value else {
        return Err(ApiError::bad_request("invalid_json", "the body must be a JSON object"));
    };
    let mut current = get(sql, seller).await?;
    let mut errors: Vec<FieldError> = Vec::new();
    let mut fail = |path: &str, message: String| errors.push(FieldError { path: path.to_owned(), message });
    let mut handle: Option<Handle> = None;
    let mut clear_avatar = false;
    for (key, v) in &obj {
        let text = v.as_str().map(str::trim);
        match (key.as_str(), text) {
            ("handle", Some(h)) => match Handle::parse(h) {
                Ok(h) => handle = Some(h),
                Err(e) => fail("handle", e.message),
            },
            ("display_name", Some(s)) if s.chars().count() <= 60 => current.display_name = s.to_owned(),
            ("display_name", _) => fail("display_name", "must be a string of at most 60 characters".into()),
            ("bio", Some(s)) if s.chars().count() <= 280 => current.bio = s.to_owned(),
            ("bio", _) => fail("bio", "must be a string of at most 280 characters".into()),
            ("whatsapp", _) if v.is_null() => current.whatsapp = None,
            ("whatsapp", Some(s)) => {
                let compact: String = s.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.')).collect();
                if is_e164(&compact) {
                    current.whatsapp = Some(compact);
                } else {
                    fail("whatsapp", "must be an E.164 number: +, country code, number (+2348012345678)".into());
                }
            }
            ("currency", _) if v.is_null() => current.currency = None,
            ("currency", Some(s)) if is_currency(&s.to_ascii_uppercase()) => {
                current.currency = Some(s.to_ascii_uppercase());
            }
            ("currency", _) => fail("currency", "must be an ISO 4217 code".into()),
            ("language", Some(s)) if LANGUAGES.contains(&s) => current.language = s.to_owned(),
            ("language", _) => fail("language", format!("must be one of {}", LANGUAGES.join(", "))),
            ("accent_color", Some(s)) if is_colour(s) => current.accent_color = s.to_ascii_lowercase(),
            ("accent_color", _) => fail("accent_color", "must be a colour as #rrggbb".into()),
            ("auto_publish", _) => match v.as_bool() {
                Some(b) => current.auto_publish = b,
                None => fail("auto_publish", "must be true or false".into()),
            },
            // The avatar is uploaded (`crate::uploads`); null removes it.
            ("avatar", _) if v.is_null() => clear_avatar = true,
            ("avatar", _) => {
                fail("avatar", "upload an avatar with POST /api/v1/storefront/avatar; null removes it".into())
            }
            (other, _) => fail(other, "unknown field".into()),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let now = sys.now_ms();
    let mut stmts = Vec::new();
    if let Some(h) = &handle {
        stmts.push(Stmt::new("UPDATE sellers SET handle = ? WHERE id = ?").bind(h.as_str()).bind(&seller.0));
    }
    stmts.push(
        Stmt::new(
            "INSERT INTO storefronts (seller_id, display_name, bio, whatsapp, currency, language, accent, auto_publish, \
             updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (seller_id) DO UPDATE SET \
             display_name = excluded.display_name, bio = excluded.bio, whatsapp = excluded.whatsapp, \
             currency = excluded.currency, language = excluded.language, accent = excluded.accent, \
             auto_publish = excluded.auto_publish, updated_at = excluded.updated_at",
        )
        .bind(&seller.0)
        .bind(current.display_name.as_str())
        .bind(current.bio.as_str())
        .bind(current.whatsapp.clone())
        .bind(current.currency.clone())
        .bind(current.language.as_str())
        .bind(current.accent_color.as_str())
        .bind(i64::from(current.auto_publish))
        .bind(now),
    );
    if clear_avatar {
        // The removed avatar's renditions stop being served, and one still rendering is superseded.
        stmts.push(
            Stmt::new(
                "DELETE FROM thumbnails WHERE seller_id = ? AND job_id = \
                 (SELECT avatar_upload FROM storefronts WHERE seller_id = ?)",
            )
            .bind(&seller.0)
            .bind(&seller.0),
        );
        stmts.push(
            Stmt::new(
                "UPDATE uploads SET state = 'superseded', updated_at = ? WHERE seller_id = ? AND target = 'avatar' \
                 AND state = 'processing'",
            )
            .bind(now)
            .bind(&seller.0),
        );
        stmts.push(
            Stmt::new(
                "UPDATE storefronts SET avatar = '[]', avatar_key = NULL, avatar_upload = NULL WHERE seller_id = ?",
            )
            .bind(&seller.0),
        );
    }
    stmts.push(bump(&seller.0, now));
    sql.batch(stmts).await.map_err(|e| {
        if e.kind == PortErrorKind::Conflict {
            ApiError::conflict("handle_taken", "this handle is taken")
        } else {
            e.into()
        }
    })?;
    get(sql, seller).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whatsapp_numbers_are_e164() {
        assert!(is_e164("+2348012345678") && is_e164("+5511987654321"));
        assert!(!is_e164("08012345678") && !is_e164("+0123456789") && !is_e164("+12") && !is_e164("+1234567890123456"));
    }
}
