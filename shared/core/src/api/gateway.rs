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
use crate::routes::{self, Auth, RateLimit, RouteId};
use http::header::{CACHE_CONTROL, HeaderValue};
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

pub use crate::routes::Service;

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
    /// The matched route's cache policy, applied when the answer sets none.
    pub cache: Option<&'static str>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`; `degraded` when a dependency that serving does not need is failing (KV), still
    /// answered 200; `failing` (503) when serving cannot work (SQL).
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
    let cache = routes::find(req.method(), req.uri().path()).ok().and_then(|m| m.route.cache.header());
    let ctx =
        RequestCtx { request_id: request_id.clone(), origin: header(&req, "origin").map(str::to_owned), log, cache };
    // Identity headers are ours alone.
    req.headers_mut().remove(SELLER_HEADER);
    req.headers_mut().remove(super::CLIENT_HEADER);
    if let Some(v) = d.client.and_then(|c| HeaderValue::from_str(c).ok()) {
        req.headers_mut().insert(super::CLIENT_HEADER, v);
    }
    if let Ok(v) = HeaderValue::from_str(&crate::pages::origin_of(&req)) {
        req.headers_mut().insert(super::ORIGIN_HEADER, v);
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        req.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    // Buyers' pages answer errors (a 429, an unknown path) as HTML pages.
    let page =
        crate::pages::is_page_path(req.uri().path()).then(|| header(&req, "accept-language").unwrap_or("").to_owned());
    let action = match dispatch(d, &ctx, req).await {
        Ok(action) => action,
        Err(e) => {
            if e.status.is_server_error() {
                ctx.log.error(d.sys, "request failed", e.cause.as_deref().unwrap_or(&e.message));
            }
            match &page {
                Some(accept_language) => Action::Respond(super::pages::error_page(accept_language, &e, None)),
                None => Action::Respond(error(&e)),
            }
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
    if let Some(policy) = ctx.cache
        && !h.contains_key(CACHE_CONTROL)
    {
        h.insert(CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    if let Some(origin) = allowed_origin(cfg, ctx.origin.as_deref())
        && let Ok(v) = HeaderValue::from_str(&origin)
    {
        h.insert("access-control-allow-origin", v);
        h.insert(
            "access-control-expose-headers",
            HeaderValue::from_static("x-request-id, retry-after, idempotent-replayed, etag"),
        );
        // Added to what the function varies on (a page varies on the user agent).
        h.append("vary", HeaderValue::from_static("origin"));
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

/// The per-client bucket: the platform's client address, IPv6 by its /64.
fn client_address<S, K, Y>(d: &GatewayDeps<'_, S, K, Y>) -> String {
    ratelimit::client_key(d.client.unwrap_or("unknown"))
}

async fn dispatch<S: Sql, K: Kv, Y: System>(
    d: &GatewayDeps<'_, S, K, Y>,
    ctx: &RequestCtx,
    mut req: Request,
) -> ApiResult<Action> {
    if req.method() == Method::OPTIONS {
        return Ok(Action::Respond(preflight()));
    }
    let m = routes::find(req.method(), req.uri().path())?;
    let route = m.route;
    routes::check_body(route, req.body())?;
    let seller = match route.auth {
        Auth::Public | Auth::WebhookSignature => None,
        Auth::Seller => Some(authenticate(d, &req).await?),
        // Operator routes are served by their own component, never through the gateway.
        Auth::Internal => return Err(routes::route_not_found()),
    };
    match route.rate {
        RateLimit::None => {}
        RateLimit::AuthPerClient => {
            let bucket = format!("auth:{}", client_address(d));
            ratelimit::hit(d.sql, d.sys, &bucket, d.cfg.auth_limit_per_client_per_minute).await?;
        }
        RateLimit::PagePerClient => {
            let bucket = format!("page:{}", client_address(d));
            ratelimit::hit(d.sql, d.sys, &bucket, d.cfg.page_limit_per_client_per_minute).await?;
        }
        RateLimit::SubmitPerSellerAndClient => {
            let seller = seller.as_ref().map_or("", |s| s.0.as_str());
            let limit = d.cfg.submit_limit_per_seller_per_minute;
            ratelimit::hit(d.sql, d.sys, &format!("submit:seller:{seller}"), limit).await?;
            let limit = d.cfg.submit_limit_per_client_per_minute;
            ratelimit::hit(d.sql, d.sys, &format!("submit:client:{}", client_address(d)), limit).await?;
        }
    }
    if route.service != Service::Gateway {
        if let Some(seller) = &seller {
            let v = HeaderValue::from_str(&seller.0).map_err(|e| ApiError::internal(e.to_string()))?;
            req.headers_mut().insert(SELLER_HEADER, v);
            ctx.log.clone().with("seller_id", seller.0.as_str()).info(d.sys, "forward");
        }
        return Ok(Action::Forward(route.service, req));
    }
    let seller = || seller.clone().ok_or_else(|| ApiError::unauthorized("not authenticated"));
    let resp = match m.id() {
        RouteId::Healthz => health(d).await,
        RouteId::OpenApi => super::openapi::response(),
        RouteId::Robots => robots(),
        RouteId::Signup => json(StatusCode::CREATED, &accounts::signup(d.sql, d.sys, d.cfg, parse_json(&req)?).await?),
        RouteId::Login => json(StatusCode::OK, &accounts::login(d.sql, d.sys, d.cfg, parse_json(&req)?).await?),
        RouteId::Me => json(StatusCode::OK, &accounts::seller_handle(d.sql, &seller()?).await?),
        RouteId::CreateApiKey => {
            json(StatusCode::CREATED, &accounts::create_api_key(d.sql, d.sys, &seller()?, parse_json(&req)?).await?)
        }
        RouteId::ListApiKeys => json(StatusCode::OK, &accounts::list_api_keys(d.sql, &seller()?).await?),
        RouteId::RevokeApiKey => {
            accounts::revoke_api_key(d.sql, d.sys, &seller()?, m.param("id")).await?;
            super::empty(StatusCode::NO_CONTENT)
        }
        RouteId::Trends => {
            let q = super::query(&req)?;
            json(StatusCode::OK, &crate::trends::seller_trends(d.sql, d.sys, &seller()?, q).await?)
        }
        other => return Err(ApiError::internal(format!("{other:?} is marked for the gateway but has no handler"))),
    };
    Ok(Action::Respond(resp))
}

async fn authenticate<S: Sql, K: Kv, Y: System>(d: &GatewayDeps<'_, S, K, Y>, req: &Request) -> ApiResult<SellerId> {
    accounts::authenticate(d.sql, d.sys, d.cfg, header(req, "authorization")).await
}

/// Search crawlers may read the storefront pages and the catalog feeds; the API, the internal
/// routes and the click-to-chat redirects (each a WhatsApp hand-off, not a page) are not for them.
const ROBOTS: &str =
    "User-agent: *\nAllow: /s/\nAllow: /feeds/\nDisallow: /api/\nDisallow: /internal/\nDisallow: /go/\n";

fn robots() -> Response {
    let mut resp = super::bytes(StatusCode::OK, "text/plain; charset=utf-8", ROBOTS.as_bytes().to_vec());
    resp.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    resp
}

async fn health<S: Sql, K: Kv, Y: System>(d: &GatewayDeps<'_, S, K, Y>) -> Response {
    let d1 = d.sql.query(Stmt::new("SELECT 1 AS ok")).await.is_ok();
    let kv = d.kv.get("healthz").await.is_ok();
    let word = |ok: bool| if ok { "ok" } else { "failing" };
    // Serving needs SQL; KV holds nothing a request depends on yet, so a KV fault degrades
    // the report without failing the check.
    let status = match (d1, kv) {
        (true, true) => "ok",
        (true, false) => "degraded",
        (false, _) => "failing",
    };
    let body = Health { status, d1: word(d1), kv: word(kv) };
    json(if d1 { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, &body)
}

fn preflight() -> Response {
    let mut r = super::empty(StatusCode::NO_CONTENT);
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&routes::methods()) {
        h.insert("access-control-allow-methods", v);
    }
    h.insert(
        "access-control-allow-headers",
        HeaderValue::from_static("authorization, content-type, idempotency-key, if-match, x-request-id"),
    );
    h.insert("access-control-max-age", HeaderValue::from_static("600"));
    r
}
