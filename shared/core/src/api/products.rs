//! The products function's routes: the seller's catalog (behind the gateway, scoped by the
//! seller it authenticated) and the public reads the storefront and WhatsApp make, served
//! through the two-level cache (`crate::cache`).

use super::{REQUEST_ID_HEADER, Request, Response, header, json};
use crate::cache;
use crate::error::{ApiError, ApiResult};
use crate::ports::{Blobs, Kv, Queue, Sql, System};
use crate::products::{self, bulk, search};
use crate::routes::{RouteId, Service};
use crate::storefront;
use crate::uploads::{self, Target};
use http::StatusCode;
use http::header::{CACHE_CONTROL, ETAG, HeaderValue, LOCATION};

pub struct ProductsDeps<'a, S, K, B, Q, Y> {
    pub sql: &'a S,
    pub kv: &'a K,
    /// Uploaded images' originals.
    pub blobs: &'a B,
    /// Bulk imports: the import queue, and the metadata queue their links go to; uploads: the
    /// thumbnail queue.
    pub queue: &'a Q,
    pub sys: &'a Y,
}

pub async fn handle<S: Sql, K: Kv, B: Blobs, Q: Queue, Y: System>(
    d: &ProductsDeps<'_, S, K, B, Q, Y>,
    req: Request,
) -> Response {
    let result = dispatch(d, &req).await;
    super::answer("products", d.sys, &req, result)
}

fn with_etag(view: &products::ProductView, mut resp: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&view.etag()) {
        resp.headers_mut().insert(ETAG, v);
    }
    resp
}

/// A public read: cacheable by browsers and the edge for as long as an isolate trusts a catalog
/// version (`cache::VERSION_TTL_MS`), and says which level answered
/// (`x-cache`) and how long the read took inside the function (`server-timing`).
fn public<T: serde::Serialize>(value: &T, tier: cache::Tier, started: i64, now: i64) -> Response {
    let mut resp = json(StatusCode::OK, value);
    let h = resp.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=5"));
    h.insert("x-cache", HeaderValue::from_static(tier.name()));
    if let Ok(v) = HeaderValue::from_str(&format!("cache;desc={};dur={}", tier.name(), now - started)) {
        h.insert("server-timing", v);
    }
    resp
}

async fn dispatch<S: Sql, K: Kv, B: Blobs, Q: Queue, Y: System>(
    d: &ProductsDeps<'_, S, K, B, Q, Y>,
    req: &Request,
) -> ApiResult<Response> {
    let m = super::matched(req, Service::Products)?;
    let started = d.sys.now_ms();
    match m.id() {
        RouteId::PublicProduct => {
            let (found, tier) = cache::product_by_code(d.sql, d.kv, d.sys, m.param("code")).await?;
            let (_, product) = found.ok_or_else(products::not_found)?;
            return Ok(public(&product, tier, started, d.sys.now_ms()));
        }
        RouteId::PublicStore => {
            let (seller_id, _) = storefront::by_handle(d.sql, m.param("handle"))
                .await?
                .ok_or_else(|| ApiError::not_found("no such storefront"))?;
            let (store, tier) = cache::storefront(d.sql, d.kv, d.sys, &seller_id).await?;
            let store = store.ok_or_else(|| ApiError::not_found("no such storefront"))?;
            return Ok(public(&store, tier, started, d.sys.now_ms()));
        }
        _ => {}
    }
    let seller = super::seller(req)?;
    let id = m.param("id");
    let resp = match m.id() {
        RouteId::ListProducts => {
            let page = search::search(d.sql, &seller, super::query(req)?).await?;
            let mut resp = json(StatusCode::OK, &page);
            // The search's own time (the catalog benchmark reads it).
            if let Ok(v) = HeaderValue::from_str(&format!("search;dur={}", d.sys.now_ms() - started)) {
                resp.headers_mut().insert("server-timing", v);
            }
            resp
        }
        RouteId::CreateProduct => {
            let p = products::create(d.sql, d.sys, &seller, req.body()).await?;
            with_etag(&p, json(StatusCode::CREATED, &p))
        }
        RouteId::GetProduct => {
            let p = products::get(d.sql, &seller, id).await?;
            with_etag(&p, json(StatusCode::OK, &p))
        }
        RouteId::PatchProduct => {
            let p = products::patch(d.sql, d.sys, &seller, id, header(req, "if-match"), req.body()).await?;
            with_etag(&p, json(StatusCode::OK, &p))
        }
        RouteId::DeleteProduct => {
            products::delete(d.sql, d.sys, &seller, id).await?;
            super::empty(StatusCode::NO_CONTENT)
        }
        RouteId::PublishProduct | RouteId::UnpublishProduct => {
            let publish = m.id() == RouteId::PublishProduct;
            let p = products::set_published(d.sql, d.sys, &seller, id, publish).await?;
            with_etag(&p, json(StatusCode::OK, &p))
        }
        RouteId::BulkProducts => {
            json(StatusCode::OK, &bulk::run(d.sql, d.sys, &seller, super::parse_json(req)?).await?)
        }
        RouteId::ExportProducts => {
            let mut resp = super::bytes(
                StatusCode::OK,
                "text/csv; charset=utf-8",
                products::csv::export(d.sql, &seller).await?.into_bytes(),
            );
            resp.headers_mut()
                .insert("content-disposition", HeaderValue::from_static("attachment; filename=\"products.csv\""));
            resp
        }
        RouteId::ImportProducts => {
            let request_id = header(req, REQUEST_ID_HEADER).unwrap_or("");
            let (status, view) = crate::imports::create(d.sql, d.queue, d.sys, &seller, req.body(), request_id).await?;
            json(status, &view)
        }
        RouteId::GetImport => json(StatusCode::OK, &crate::imports::get(d.sql, &seller, id).await?),
        RouteId::UploadProductImage | RouteId::UploadAvatar => {
            let target = if m.id() == RouteId::UploadAvatar { Target::Avatar } else { Target::Product(id) };
            let content_type = header(req, "content-type").unwrap_or("");
            let request_id = header(req, REQUEST_ID_HEADER).unwrap_or("");
            let view =
                uploads::create(d.sql, d.blobs, d.queue, d.sys, &seller, target, content_type, req.body(), request_id)
                    .await?;
            let mut resp = json(StatusCode::ACCEPTED, &view);
            if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/uploads/{}", view.id)) {
                resp.headers_mut().insert(LOCATION, v);
            }
            resp
        }
        RouteId::GetUpload => json(StatusCode::OK, &uploads::get(d.sql, &seller, id).await?),
        RouteId::GetStorefront => json(StatusCode::OK, &storefront::get(d.sql, &seller).await?),
        RouteId::PatchStorefront => json(StatusCode::OK, &storefront::patch(d.sql, d.sys, &seller, req.body()).await?),
        _ => return Err(super::route_not_found()),
    };
    // This isolate's public reads see the write at once; others within `cache::VERSION_TTL_MS`.
    if req.method() != http::Method::GET {
        cache::forget(&seller.0);
    }
    Ok(resp)
}
