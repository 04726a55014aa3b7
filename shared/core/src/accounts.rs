//! Accounts: sellers, passwords, session tokens and API keys.
//!
//! Passwords are hashed with Argon2id (OWASP parameters: 19 MiB, 2 passes) and a per-user salt.
//! Session tokens are HS256 JWTs whose `exp`, `iss` and `aud` are all required on the way in.
//! API keys (`lh_...`) are shown once and stored as SHA-256 hashes.

use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::ids::{new_id, secret, sha256_hex};
use crate::ports::{PortErrorKind, Sql, Stmt, System};
use crate::repo::opt;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use http::StatusCode;
use jwt_simple::prelude::*;
use serde::{Deserialize, Serialize};

/// The authenticated seller; the only source of tenant scope for every query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SellerId(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handle(String);

/// Handles that would read as the hub's own pages or people (the storefront lives at `/@handle`).
pub const RESERVED_HANDLES: &[&str] = &[
    "about",
    "account",
    "admin",
    "api",
    "app",
    "assets",
    "billing",
    "blog",
    "checkout",
    "dashboard",
    "docs",
    "help",
    "healthz",
    "internal",
    "linkhub",
    "login",
    "logout",
    "media",
    "official",
    "order",
    "orders",
    "privacy",
    "root",
    "security",
    "settings",
    "shop",
    "signup",
    "static",
    "staff",
    "store",
    "support",
    "system",
    "terms",
    "tiktok",
    "webhook",
    "whatsapp",
    "www",
];

impl Handle {
    pub fn parse(s: &str) -> ApiResult<Self> {
        let h = s.trim().trim_start_matches('@').to_ascii_lowercase();
        let ok = (3..=30).contains(&h.len())
            && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            && !h.starts_with('.')
            && !h.ends_with('.');
        if !ok {
            Err(ApiError::bad_request("invalid_handle", "handle must be 3-30 characters of a-z, 0-9, '_' or '.'"))
        } else if RESERVED_HANDLES.contains(&h.as_str()) {
            Err(ApiError::bad_request("reserved_handle", format!("'{h}' is reserved; choose another handle")))
        } else {
            Ok(Self(h))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> ApiResult<Self> {
        let e = s.trim().to_ascii_lowercase();
        let valid = e.len() <= 254
            && e.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !e.contains(char::is_whitespace)
                    && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            });
        if valid { Ok(Self(e)) } else { Err(ApiError::bad_request("invalid_email", "email is not valid")) }
    }
}

pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 256;

fn argon2() -> argon2::Argon2<'static> {
    let params = argon2::Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

pub fn hash_password(sys: &impl System, password: &str) -> ApiResult<String> {
    let mut salt = [0u8; 16];
    sys.fill_random(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| ApiError::internal(format!("salt: {e}")))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("hash: {e}")))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// A valid hash of a random password, verified against when the email is unknown so that
/// "no such user" and "wrong password" take the same time.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2nRVnmN5k/lxmMaBq5ELvnUqH7mJQLbCqPJb1/P6M1A";

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SignupRequest {
    pub email: String,
    pub password: String,
    pub handle: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SellerView {
    pub id: String,
    pub handle: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignupResponse {
    pub token: String,
    pub seller: SellerView,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub token: String,
}

#[derive(Serialize, Deserialize)]
struct TokenClaims {
    /// Informational; identity comes from `sub`.
    #[serde(default)]
    handle: String,
}

fn jwt_key(cfg: &Config) -> ApiResult<HS256Key> {
    cfg.jwt_secret.as_deref().map(|s| HS256Key::from_bytes(s.as_bytes())).ok_or_else(|| ApiError {
        cause: Some("JWT_SECRET is not configured".into()),
        ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "auth_unconfigured", "sign-in is not configured on this hub")
    })
}

pub fn issue_token(cfg: &Config, sys: &impl System, seller: &SellerId, handle: &str) -> ApiResult<String> {
    let now = Duration::from_millis(u64::try_from(sys.now_ms()).unwrap_or(0));
    let claims = JWTClaims {
        issued_at: Some(now),
        expires_at: Some(now + Duration::from_secs(cfg.token_ttl_seconds)),
        invalid_before: Some(now),
        issuer: Some(cfg.jwt_issuer.clone()),
        subject: Some(seller.0.clone()),
        audiences: Some(Audiences::AsString(cfg.jwt_audience.clone())),
        jwt_id: None,
        nonce: None,
        custom: TokenClaims { handle: handle.to_owned() },
    };
    jwt_key(cfg)?.authenticate(claims).map_err(|e| ApiError::internal(format!("jwt: {e}")))
}

/// Tolerance for clock skew between edges; at most 60 s.
pub const TOKEN_TIME_TOLERANCE_SECONDS: u64 = 60;

pub fn verify_token(cfg: &Config, sys: &impl System, token: &str) -> ApiResult<SellerId> {
    let opts = VerificationOptions {
        allowed_issuers: Some(HashSet::from_strings(&[&cfg.jwt_issuer])),
        allowed_audiences: Some(HashSet::from_strings(&[&cfg.jwt_audience])),
        time_tolerance: Some(Duration::from_secs(TOKEN_TIME_TOLERANCE_SECONDS)),
        artificial_time: Some(Duration::from_millis(u64::try_from(sys.now_ms()).unwrap_or(0))),
        ..Default::default()
    };
    let bad = || ApiError::unauthorized("the token is invalid or expired");
    let claims = jwt_key(cfg)?.verify_token::<TokenClaims>(token, Some(opts)).map_err(|_| bad())?;
    // jwt-simple checks exp/iss/aud when present; we also insist that they are present.
    if claims.expires_at.is_none() || claims.issuer.is_none() || claims.audiences.is_none() {
        return Err(bad());
    }
    claims.subject.map(SellerId).ok_or_else(bad)
}

pub async fn signup(sql: &impl Sql, sys: &impl System, cfg: &Config, req: SignupRequest) -> ApiResult<SignupResponse> {
    let email = Email::parse(&req.email)?;
    let handle = Handle::parse(&req.handle)?;
    check_password(&req.password)?;
    jwt_key(cfg)?;
    let id = SellerId(new_id(sys, "sel")?);
    let hash = hash_password(sys, &req.password)?;
    let insert = Stmt::new("INSERT INTO sellers (id, email, handle, password_hash, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(&id.0)
        .bind(&email.0)
        .bind(handle.as_str())
        .bind(hash)
        .bind(sys.now_ms());
    match sql.execute(insert).await {
        Ok(_) => {}
        Err(e) if e.kind == PortErrorKind::Conflict => {
            let taken: Option<serde_json::Value> =
                opt(sql, Stmt::new("SELECT 1 AS x FROM sellers WHERE email = ?").bind(&email.0)).await?;
            return Err(if taken.is_some() {
                ApiError::new(StatusCode::CONFLICT, "email_taken", "an account with this email exists")
            } else {
                ApiError::new(StatusCode::CONFLICT, "handle_taken", "this handle is taken")
            });
        }
        Err(e) => return Err(e.into()),
    }
    let token = issue_token(cfg, sys, &id, handle.as_str())?;
    Ok(SignupResponse { token, seller: SellerView { id: id.0, handle: handle.0 } })
}

fn check_password(p: &str) -> ApiResult<()> {
    let n = p.chars().count();
    if (MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        Ok(())
    } else {
        Err(ApiError::bad_request("weak_password", "password must be 8-256 characters"))
    }
}

#[derive(Deserialize)]
struct CredentialRow {
    id: String,
    handle: String,
    password_hash: String,
}

pub async fn login(sql: &impl Sql, sys: &impl System, cfg: &Config, req: LoginRequest) -> ApiResult<LoginResponse> {
    jwt_key(cfg)?;
    let invalid = || ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "email or password is wrong");
    let Ok(email) = Email::parse(&req.email) else { return Err(invalid()) };
    let row: Option<CredentialRow> =
        opt(sql, Stmt::new("SELECT id, handle, password_hash FROM sellers WHERE email = ?").bind(&email.0)).await?;
    let ok = match &row {
        Some(r) => verify_password(&req.password, &r.password_hash),
        None => {
            verify_password(&req.password, DUMMY_HASH);
            false
        }
    };
    match row {
        Some(r) if ok => Ok(LoginResponse { token: issue_token(cfg, sys, &SellerId(r.id), &r.handle)? }),
        _ => Err(invalid()),
    }
}

// ---------------------------------------------------------------------------------------------
// API keys

pub const API_KEY_PREFIX: &str = "lh_";

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateApiKeyRequest {
    /// A label for the seller's own use, e.g. "bulk import script".
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub view: ApiKeyView,
    /// The key itself, shown only in this response.
    pub key: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyList {
    pub items: Vec<ApiKeyView>,
}

pub async fn create_api_key(
    sql: &impl Sql,
    sys: &impl System,
    seller: &SellerId,
    req: CreateApiKeyRequest,
) -> ApiResult<CreatedApiKey> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_request("invalid_name", "name must be 1-100 characters"));
    }
    let key = format!("{API_KEY_PREFIX}{}", secret(sys, 32)?);
    let view = ApiKeyView {
        id: new_id(sys, "key")?,
        name: name.to_owned(),
        prefix: key.chars().take(10).collect(),
        created_at: sys.now_ms(),
        last_used_at: None,
    };
    sql.execute(
        Stmt::new("INSERT INTO api_keys (id, seller_id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(&view.id)
            .bind(&seller.0)
            .bind(&view.name)
            .bind(&view.prefix)
            .bind(sha256_hex(key.as_bytes()))
            .bind(view.created_at),
    )
    .await?;
    Ok(CreatedApiKey { view, key })
}

pub async fn list_api_keys(sql: &impl Sql, seller: &SellerId) -> ApiResult<ApiKeyList> {
    let items = crate::repo::all(
        sql,
        Stmt::new(
            "SELECT id, name, prefix, created_at, last_used_at FROM api_keys \
             WHERE seller_id = ? AND revoked_at IS NULL ORDER BY id DESC",
        )
        .bind(&seller.0),
    )
    .await?;
    Ok(ApiKeyList { items })
}

pub async fn revoke_api_key(sql: &impl Sql, sys: &impl System, seller: &SellerId, id: &str) -> ApiResult<()> {
    let n = sql
        .execute(
            Stmt::new("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND seller_id = ? AND revoked_at IS NULL")
                .bind(sys.now_ms())
                .bind(id)
                .bind(&seller.0),
        )
        .await?;
    if n == 0 { Err(ApiError::not_found("no such API key")) } else { Ok(()) }
}

#[derive(Deserialize)]
struct KeyOwner {
    id: String,
    seller_id: String,
}

/// Resolves `Authorization: Bearer <jwt | lh_key>` to the seller it belongs to.
pub async fn authenticate(
    sql: &impl Sql,
    sys: &impl System,
    cfg: &Config,
    authorization: Option<&str>,
) -> ApiResult<SellerId> {
    let token = authorization
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <token or API key>"))?;
    if token.starts_with(API_KEY_PREFIX) {
        let owner: Option<KeyOwner> = opt(
            sql,
            Stmt::new("SELECT id, seller_id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL")
                .bind(sha256_hex(token.as_bytes())),
        )
        .await?;
        let owner = owner.ok_or_else(|| ApiError::unauthorized("the API key is invalid or revoked"))?;
        sql.execute(Stmt::new("UPDATE api_keys SET last_used_at = ? WHERE id = ?").bind(sys.now_ms()).bind(&owner.id))
            .await?;
        return Ok(SellerId(owner.seller_id));
    }
    verify_token(cfg, sys, token)
}

pub async fn seller_handle(sql: &impl Sql, seller: &SellerId) -> ApiResult<SellerView> {
    #[derive(Deserialize)]
    struct R {
        id: String,
        handle: String,
    }
    let r: R = opt(sql, Stmt::new("SELECT id, handle FROM sellers WHERE id = ?").bind(&seller.0))
        .await?
        .ok_or_else(|| ApiError::unauthorized("the account no longer exists"))?;
    Ok(SellerView { id: r.id, handle: r.handle })
}
