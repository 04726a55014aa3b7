//! The edge gateway: request ids, CORS, health, OpenAPI, accounts, rate limits, and forwarding
//! of function routes (over service bindings on Workers) with the authenticated seller attached.

use super::{REQUEST_ID_HEADER, Request, Response, SELLER_HEADER, error, header, json, parse_json};
use crate::accounts::{self, SellerId};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::log::LogCtx;
use crate::ports::{Kv, Sql, Stmt, System};
use crate::ratelimit;
use http::header::HeaderValue;
use http::{Method, StatusCode};
use serde::Serialize;

pub struct GatewayDeps<'a, S, K, Y> {
    pub sql: &'a S,
    pub kv: &'a K,
    pub sys: &'a Y,
    pub cfg: &'a Config,
    /// The caller's network address as the platform reports it (Cloudflare's `cf-connecting-ip`,
    /// Spin's `spin-client-addr`), never a header the caller chose: it keys per-client limits.
    pub client: Option<&'a str>,
}

/// The function a request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Ingest,
    /// Public thumbnails (`/media/...`), served by the thumbnailer from the blob store.
    Media,
}

pub enum Action {
    Respond(Response),
    Forward(Service, Request),
}

/// What the gateway remembers between routing and finishing a request.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    pub request_id: String,
    pub origin: Option<String>,
    pub log: LogCtx,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: &'static str,
    pub d1: &'static str,
    pub kv: &'static str,
}

pub async fn route<S: Sql, K: Kv, Y: System>(d: &GatewayDeps<'_, S, K, Y>, mut req: Request) -> (RequestCtx, Action) {
    let request_id = header(&req, REQUEST_ID_HEADER)
        .filter(|v| (8..=64).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map(str::to_owned)
        .or_else(|| new_id(d.sys, "req").ok())
        .unwrap_or_else(|| "req_unknown".to_owned());
    let log = LogCtx::new("gateway")
        .with("request_id", request_id.as_str())
        .with("method", req.method().as_str())
        .with("path", req.uri().path());
    let ctx = RequestCtx { request_id: request_id.clone(), origin: header(&req, "origin").map(str::to_owned), log };
    // Identity headers are ours alone.
    req.headers_mut().remove(SELLER_HEADER);
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        req.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    let action = match dispatch(d, &ctx, req).await {
        Ok(action) => action,
        Err(e) => {
            if e.status.is_server_error() {
                ctx.log.error(d.sys, "request failed", e.cause.as_deref().unwrap_or(&e.message));
            }
            Action::Respond(error(&e))
        }
    };
    (ctx, action)
}

/// Adds the request id and CORS headers to whatever answers, and logs the outcome.
pub fn finish<Y: System>(d_sys: &Y, cfg: &Config, ctx: &RequestCtx, mut resp: Response) -> Response {
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ctx.request_id) {
        h.insert(REQUEST_ID_HEADER, v);
    }
    if let Some(origin) = allowed_origin(cfg, ctx.origin.as_deref())
        && let Ok(v) = HeaderValue::from_str(&origin)
    {
        h.insert("access-control-allow-origin", v);
        h.insert(
            "access-control-expose-headers",
            HeaderValue::from_static("x-request-id, retry-after, idempotent-replayed"),
        );
        h.insert("vary", HeaderValue::from_static("origin"));
    }
    ctx.log.clone().with("status", resp.status().as_u16()).info(d_sys, "request");
    resp
}

fn allowed_origin(cfg: &Config, origin: Option<&str>) -> Option<String> {
    let origin = origin?;
    if cfg.cors_allowed_origins.iter().any(|o| o == "*") {
        return Some("*".to_owned());
    }
    cfg.cors_allowed_origins.iter().find(|o| o.as_str() == origin).cloned()
}

fn client_address<'a, S, K, Y>(d: &GatewayDeps<'a, S, K, Y>) -> &'a str {
    d.client.unwrap_or("unknown")
}

async fn dispatch<S: Sql, K: Kv, Y: System>(
    d: &GatewayDeps<'_, S, K, Y>,
    ctx: &RequestCtx,
    mut req: Request,
) -> ApiResult<Action> {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    if method == Method::OPTIONS {
        return Ok(Action::Respond(preflight()));
    }
    let respond = |r: Response| Ok(Action::Respond(r));
    match (method.clone(), path.as_str()) {
        (Method::GET, "/healthz") => respond(health(d).await),
        (Method::GET, "/api/v1/openapi.json") => respond(super::openapi::response()),
        (Method::POST, "/api/v1/auth/signup") => {
            limit_auth(d).await?;
            let out = accounts::signup(d.sql, d.sys, d.cfg, parse_json(&req)?).await?;
            respond(json(StatusCode::CREATED, &out))
        }
        (Method::POST, "/api/v1/auth/login") => {
            limit_auth(d).await?;
            let out = accounts::login(d.sql, d.sys, d.cfg, parse_json(&req)?).await?;
            respond(json(StatusCode::OK, &out))
        }
        (_, "/healthz" | "/api/v1/openapi.json" | "/api/v1/auth/signup" | "/api/v1/auth/login") => {
            Err(super::method_not_allowed())
        }
        (Method::GET, "/api/v1/analytics/trends") => {
            let seller = authenticate(d, &req).await?;
            let q = serde_urlencoded::from_str(req.uri().query().unwrap_or(""))
                .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))?;
            respond(json(StatusCode::OK, &crate::trends::seller_trends(d.sql, d.sys, &seller, q).await?))
        }
        (_, "/api/v1/analytics/trends") => Err(super::method_not_allowed()),
        _ if path.starts_with("/api/v1/auth/") => {
            let seller = authenticate(d, &req).await?;
            respond(account_routes(d, &seller, &method, &path, &req).await?)
        }
        _ if path.starts_with("/api/v1/ingestion/") => {
            let seller = authenticate(d, &req).await?;
            if method == Method::POST && path == "/api/v1/ingestion/tiktok-link" {
                super::check_body_size(&req)?;
                ratelimit::hit(
                    d.sql,
                    d.sys,
                    &format!("submit:seller:{}", seller.0),
                    d.cfg.submit_limit_per_seller_per_minute,
                )
                .await?;
                ratelimit::hit(
                    d.sql,
                    d.sys,
                    &format!("submit:client:{}", client_address(d)),
                    d.cfg.submit_limit_per_client_per_minute,
                )
                .await?;
            }
            let v = HeaderValue::from_str(&seller.0).map_err(|e| ApiError::internal(e.to_string()))?;
            req.headers_mut().insert(SELLER_HEADER, v);
            ctx.log.clone().with("seller_id", seller.0.as_str()).info(d.sys, "forward to ingest");
            Ok(Action::Forward(Service::Ingest, req))
        }
        // Public: storefront images need no account.
        _ if path.starts_with(super::media::PREFIX) => {
            if method != Method::GET && method != Method::HEAD {
                return Err(super::method_not_allowed());
            }
            Ok(Action::Forward(Service::Media, req))
        }
        _ => Err(super::route_not_found()),
    }
}

/// Signups and logins per client address: a brake on credential stuffing.
async fn limit_auth<S: Sql, K: Kv, Y: System>(d: &GatewayDeps<'_, S, K, Y>) -> ApiResult<()> {
    let bucket = format!("auth:{}", client_address(d));
    ratelimit::hit(d.sql, d.sys, &bucket, d.cfg.auth_limit_per_client_per_minute).await
}

async fn authenticate<S: Sql, K: Kv, Y: System>(d: &GatewayDeps<'_, S, K, Y>, req: &Request) -> ApiResult<SellerId> {
    accounts::authenticate(d.sql, d.sys, d.cfg, header(req, "authorization")).await
}

async fn account_routes<S: Sql, K: Kv, Y: System>(
    d: &GatewayDeps<'_, S, K, Y>,
    seller: &SellerId,
    method: &Method,
    path: &str,
    req: &Request,
) -> ApiResult<Response> {
    let segs = super::segments(path, "/api/v1/auth/").unwrap_or_default();
    match (method, segs.as_slice()) {
        (&Method::GET, ["me"]) => Ok(json(StatusCode::OK, &accounts::seller_handle(d.sql, seller).await?)),
        (&Method::POST, ["api-keys"]) => {
            let created = accounts::create_api_key(d.sql, d.sys, seller, parse_json(req)?).await?;
            Ok(json(StatusCode::CREATED, &created))
        }
        (&Method::GET, ["api-keys"]) => Ok(json(StatusCode::OK, &accounts::list_api_keys(d.sql, seller).await?)),
        (&Method::DELETE, ["api-keys", id]) => {
            accounts::revoke_api_key(d.sql, d.sys, seller, id).await?;
            Ok(super::empty(StatusCode::NO_CONTENT))
        }
        (_, ["me"] | ["api-keys"] | ["api-keys", _]) => Err(super::method_not_allowed()),
        _ => Err(super::route_not_found()),
    }
}

async fn health<S: Sql, K: Kv, Y: System>(d: &GatewayDeps<'_, S, K, Y>) -> Response {
    let d1 = d.sql.query(Stmt::new("SELECT 1 AS ok")).await.is_ok();
    let kv = d.kv.get("healthz").await.is_ok();
    let word = |ok: bool| if ok { "ok" } else { "failing" };
    let body = Health { status: if d1 && kv { "ok" } else { "degraded" }, d1: word(d1), kv: word(kv) };
    json(if d1 && kv { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, &body)
}

fn preflight() -> Response {
    let mut r = super::empty(StatusCode::NO_CONTENT);
    let h = r.headers_mut();
    h.insert("access-control-allow-methods", HeaderValue::from_static("GET, POST, DELETE, OPTIONS"));
    h.insert(
        "access-control-allow-headers",
        HeaderValue::from_static("authorization, content-type, idempotency-key, x-request-id"),
    );
    h.insert("access-control-max-age", HeaderValue::from_static("600"));
    r
}
