//! The storefront function's routes: the public pages, the product's QR code and the
//! click-to-chat redirect. Pages come through the catalog's two-level cache under the seller's
//! catalog version, with a strong `ETag` (a digest of the page) so a browser's `If-None-Match`
//! gets 304, and `Cache-Control` that makes every cache revalidate: a page is never served older
//! than the seller's last write (beyond `cache::VERSION_TTL_MS` in other isolates).

use super::{Request, Response, header};
use crate::analytics::{self, Event, Kind, Subject, Visit};
use crate::cache::{self, Tier};
use crate::error::{ApiError, ApiResult};
use crate::pages::{self, PageCtx, StoreQuery, clicks};
use crate::ports::{Kv, Sql, System};
use crate::routes::{RouteId, Service};
use http::StatusCode;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, HeaderValue, LOCATION, VARY};
use sha2::{Digest, Sha256};

pub struct PagesDeps<'a, S, K, Y> {
    pub sql: &'a S,
    pub kv: &'a K,
    pub sys: &'a Y,
}

const HTML: &str = "text/html; charset=utf-8";
/// Any cache may keep a page but must revalidate it (a cheap 304) before each use.
const REVALIDATE: &str = "public, max-age=0, must-revalidate";

/// A storefront answer and the event it records, written once the answer is on its way
/// ([`record`]): Workers hand it to `waitUntil`, so no buyer waits on analytics.
pub struct Served {
    pub response: Response,
    pub event: Option<Event>,
    /// The request's id, for the log line of an event that could not be written.
    pub request_id: String,
}

/// Answers and records the event before returning (hosts with no way to finish work after the
/// answer, and tests).
pub async fn handle<S: Sql, K: Kv, Y: System>(d: &PagesDeps<'_, S, K, Y>, req: Request) -> Response {
    let mut served = serve(d, req).await;
    if let Some(event) = served.event.take() {
        record(d.sql, d.sys, &served.request_id, &event).await;
    }
    served.response
}

/// Answers a storefront request; the event, if any, is the caller's to [`record`].
pub async fn serve<S: Sql, K: Kv, Y: System>(d: &PagesDeps<'_, S, K, Y>, req: Request) -> Served {
    let started = d.sys.now_ms();
    let request_id = header(&req, super::REQUEST_ID_HEADER).unwrap_or("").to_owned();
    match dispatch(d, &req).await {
        Ok((mut response, event)) => {
            // The function's own time and the cache level that answered (the storefront
            // benchmark reads it).
            let tier = response.headers().get("x-cache").and_then(|v| v.to_str().ok()).unwrap_or("none");
            if let Ok(v) = HeaderValue::from_str(&format!("page;desc={tier};dur={}", d.sys.now_ms() - started)) {
                response.headers_mut().insert("server-timing", v);
            }
            Served { response, event, request_id }
        }
        Err(e) => {
            super::log_failure("storefront", d.sys, &req, &e);
            let response = if req.uri().path().starts_with("/api/") {
                super::error(&e)
            } else {
                error_page(header(&req, "accept-language").unwrap_or(""), &e, None)
            };
            Served { response, event: None, request_id }
        }
    }
}

/// Writes an event; one that cannot be written is logged (the buyer already has the page).
pub async fn record(sql: &impl Sql, sys: &impl System, request_id: &str, event: &Event) {
    if let Err(e) = analytics::record(sql, sys, event).await {
        crate::log::LogCtx::new("storefront").with("request_id", request_id).with("event", event.kind().name()).error(
            sys,
            "event not recorded",
            e.cause.as_deref().unwrap_or(&e.message),
        );
    }
}

/// An error as an HTML page, in the storefront's `language` when known, else the first of the
/// buyer's `Accept-Language` that a storefront speaks.
pub fn error_page(accept_language: &str, e: &ApiError, language: Option<&str>) -> Response {
    let language = language.unwrap_or_else(|| pages::language_for(accept_language));
    let t = pages::i18n::text(language);
    let body = if e.status == StatusCode::NOT_FOUND {
        pages::not_found(language)
    } else {
        pages::html::error_page(t, e.status.as_u16(), &e.message, "").into_string()
    };
    let mut resp = super::bytes(e.status, HTML, body.into_bytes());
    let h = resp.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(after) = e.retry_after
        && let Ok(v) = HeaderValue::from_str(&after.to_string())
    {
        h.insert("retry-after", v);
    }
    resp
}

fn ctx(req: &Request) -> PageCtx {
    let uri = req.uri();
    // The gateway says which origin the buyer used; a page reached otherwise works it out.
    let origin = header(req, super::ORIGIN_HEADER)
        .filter(|o| pages::is_origin(o))
        .map_or_else(|| pages::origin_of(req), str::to_owned);
    let ua = header(req, "user-agent").unwrap_or("");
    // The page's own path without its query: what a cached in-app page links to is the same
    // for every buyer.
    PageCtx {
        origin,
        in_app: pages::is_in_app(ua),
        android: ua.to_ascii_lowercase().contains("android"),
        path: uri.path().to_owned(),
    }
}

/// What analytics keeps of a request (see [`crate::analytics`]).
fn event<Y: System>(sys: &Y, req: &Request, seller_id: &str, kind: Kind, subject: Subject<'_>) -> Option<Event> {
    let visit = Visit {
        user_agent: header(req, "user-agent").unwrap_or(""),
        referer: header(req, "referer"),
        country: header(req, "cf-ipcountry"),
        client: header(req, super::CLIENT_HEADER),
    };
    Some(Event::new(seller_id, kind, subject, &visit, sys.now_ms()))
}

fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(10).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// A page answer: 304 when the browser holds this version, else the page; says which cache level
/// served it.
fn page(req: &Request, body: String, tier: Tier) -> Response {
    cached(req, body, tier, HTML)
}

/// A cacheable answer of `content_type`: 304 when the client holds this version.
fn cached(req: &Request, body: String, tier: Tier, content_type: &'static str) -> Response {
    let etag = etag_of(body.as_bytes());
    // Cloudflare weakens a strong ETag when it compresses (`W/"…"`): compared without it.
    let fresh = super::media::if_none_match(header(req, "if-none-match"), &etag);
    let mut resp = if fresh {
        super::empty(StatusCode::NOT_MODIFIED)
    } else {
        super::bytes(StatusCode::OK, content_type, body.into_bytes())
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(ETAG, v);
    }
    h.insert(CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    // TikTok's in-app browser gets a page of its own.
    h.insert(VARY, HeaderValue::from_static("user-agent"));
    h.insert("x-cache", HeaderValue::from_static(tier.name()));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            // No script at all; `connect-src 'self'` lets an audit read /robots.txt from the page
            // (Lighthouse fetches it in the page's context, under this policy).
            "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert("referrer-policy", HeaderValue::from_static("strict-origin-when-cross-origin"));
    resp
}

async fn dispatch<S: Sql, K: Kv, Y: System>(
    d: &PagesDeps<'_, S, K, Y>,
    req: &Request,
) -> ApiResult<(Response, Option<Event>)> {
    let m = super::matched(req, Service::Storefront)?;
    let not_found = || ApiError::not_found("no such page");
    let ctx = ctx(req);
    match m.id() {
        RouteId::StorePage => {
            let (seller_id, v) = pages::seller_of(d.sql, m.param("handle")).await?.ok_or_else(not_found)?;
            let mut query: StoreQuery = serde_urlencoded::from_str(req.uri().query().unwrap_or("")).unwrap_or_default();
            // A category that does not exist filters nothing.
            query.category = query.category.filter(|c| crate::products::input::CATEGORIES.contains(&c.as_str()));
            // A search or a later page is rendered each time: what a buyer types must not fill
            // the cache. The first page and each category's are cached.
            let answer = if query.q.as_deref().is_some_and(|q| !q.trim().is_empty()) || query.cursor.is_some() {
                page(req, pages::store_page(d.sql, &ctx, &seller_id, &query).await?, Tier::Sql)
            } else {
                let variant = format!("{}|{}|{}", ctx.origin, ctx.browser(), query.category.as_deref().unwrap_or(""));
                let (body, tier) = cache::html(d.kv, &seller_id, v, "store", &variant, async || {
                    Ok(Some(pages::store_page(d.sql, &ctx, &seller_id, &query).await?))
                })
                .await?;
                page(req, body.ok_or_else(not_found)?, tier)
            };
            Ok((answer, event(d.sys, req, &seller_id, Kind::StoreView, Subject::Store)))
        }
        RouteId::ProductPage => {
            let (seller_id, v) = pages::seller_of(d.sql, m.param("handle")).await?.ok_or_else(not_found)?;
            let slug = m.param("slug");
            let variant = format!("{}|{}|{slug}", ctx.origin, ctx.browser());
            let (body, tier) = cache::html(d.kv, &seller_id, v, "product", &variant, async || {
                pages::product_page(d.sql, &ctx, &seller_id, slug).await
            })
            .await?;
            match body {
                Some(body) => {
                    Ok((page(req, body, tier), event(d.sys, req, &seller_id, Kind::ProductView, Subject::Slug(slug))))
                }
                None => {
                    let store = crate::storefront::get(d.sql, &crate::accounts::SellerId(seller_id)).await?;
                    Ok((error_page("", &not_found(), Some(&store.language)), None))
                }
            }
        }
        RouteId::ProductQr => {
            let (seller_id, _) = pages::seller_of(d.sql, m.param("handle")).await?.ok_or_else(not_found)?;
            let product = pages::published_by_slug(d.sql, &seller_id, m.param("slug")).await?.ok_or_else(not_found)?;
            let svg = pages::qr_svg(&ctx.absolute(&format!("/go/{}", product.code)))?;
            // Revalidated as pages are (a cheap 304): an unpublished product's QR is gone at once.
            Ok((cached(req, svg, Tier::Sql, "image/svg+xml"), None))
        }
        RouteId::MetaFeedCsv | RouteId::MetaFeedXml => {
            let (seller_id, v) = pages::seller_of(d.sql, m.param("handle")).await?.ok_or_else(not_found)?;
            let xml = m.id() == RouteId::MetaFeedXml;
            let kind = if xml { "feed-xml" } else { "feed-csv" };
            let (body, tier) = cache::html(d.kv, &seller_id, v, kind, &ctx.origin, async || {
                Ok(Some(pages::feed(d.sql, &ctx, &seller_id, xml).await?))
            })
            .await?;
            let content_type = if xml { "application/xml; charset=utf-8" } else { "text/csv; charset=utf-8" };
            Ok((cached(req, body.ok_or_else(not_found)?, tier, content_type), None))
        }
        RouteId::ClickToChat => {
            let (found, _) = cache::product_by_code(d.sql, d.kv, d.sys, m.param("code")).await?;
            let (seller_id, product) = found.ok_or_else(not_found)?;
            let (store, _) = cache::settings(d.sql, d.kv, d.sys, &seller_id).await?;
            let store = store.ok_or_else(not_found)?;
            let target = clicks::whatsapp_url(&store, &product).ok_or_else(not_found)?;
            let mut resp = super::empty(StatusCode::FOUND);
            let h = resp.headers_mut();
            h.insert(LOCATION, HeaderValue::from_str(&target).map_err(|e| ApiError::internal(e.to_string()))?);
            h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(CONTENT_TYPE, HeaderValue::from_static(HTML));
            // A click that cannot be recorded still reaches WhatsApp.
            Ok((resp, event(d.sys, req, &seller_id, Kind::Click, Subject::Product(&product.id))))
        }
        RouteId::AnalyticsOverview => {
            let q = super::query(req)?;
            Ok((super::json(StatusCode::OK, &analytics::overview(d.sql, d.sys, &super::seller(req)?, &q).await?), None))
        }
        RouteId::AnalyticsProduct => {
            let (q, seller) = (super::query(req)?, super::seller(req)?);
            Ok((
                super::json(StatusCode::OK, &analytics::product(d.sql, d.sys, &seller, m.param("id"), &q).await?),
                None,
            ))
        }
        RouteId::AnalyticsBreakdown => {
            let q = super::query(req)?;
            Ok((
                super::json(StatusCode::OK, &analytics::breakdown(d.sql, d.sys, &super::seller(req)?, &q).await?),
                None,
            ))
        }
        _ => Err(super::route_not_found()),
    }
}
