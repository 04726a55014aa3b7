//! The ingest function's routes. The gateway has already authenticated the caller and put the
//! seller id in [`SELLER_HEADER`]; every query below is scoped by it.

use super::{REQUEST_ID_HEADER, Request, Response, SELLER_HEADER, error, header, json};
use crate::accounts::SellerId;
use crate::error::{ApiError, ApiResult};
use crate::ingest;
use crate::jobs::{self, ListQuery};
use crate::log::LogCtx;
use crate::ports::{Blobs, Queue, Sql, System};
use http::header::HeaderValue;
use http::{Method, StatusCode};

pub struct IngestDeps<'a, S, B, Q, Y> {
    pub sql: &'a S,
    pub blobs: &'a B,
    pub queue: &'a Q,
    pub sys: &'a Y,
}

pub async fn handle<S: Sql, B: Blobs, Q: Queue, Y: System>(d: &IngestDeps<'_, S, B, Q, Y>, req: Request) -> Response {
    let log = LogCtx::new("ingest").with("request_id", header(&req, REQUEST_ID_HEADER).unwrap_or(""));
    match dispatch(d, &req).await {
        Ok(r) => r,
        Err(e) => {
            if e.status.is_server_error() {
                log.error(d.sys, "request failed", e.cause.as_deref().unwrap_or(&e.message));
            }
            error(&e)
        }
    }
}

async fn dispatch<S: Sql, B: Blobs, Q: Queue, Y: System>(
    d: &IngestDeps<'_, S, B, Q, Y>,
    req: &Request,
) -> ApiResult<Response> {
    let seller = header(req, SELLER_HEADER)
        .filter(|s| !s.is_empty())
        .map(|s| SellerId(s.to_owned()))
        .ok_or_else(|| ApiError::unauthorized("not authenticated"))?;
    let request_id = header(req, REQUEST_ID_HEADER).unwrap_or("").to_owned();
    let segs = super::segments(req.uri().path(), "/api/v1/ingestion/").ok_or_else(super::route_not_found)?;
    match (req.method(), segs.as_slice()) {
        (&Method::POST, ["tiktok-link"]) => {
            super::check_body_size(req)?;
            let out = ingest::submit_idempotent(
                d.sql,
                d.queue,
                d.sys,
                &seller,
                header(req, "idempotency-key"),
                req.body(),
                &request_id,
            )
            .await?;
            let mut resp = super::raw_json(out.status, out.body);
            if out.replayed {
                resp.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            }
            Ok(resp)
        }
        (&Method::GET, ["jobs"]) => {
            let q: ListQuery = serde_urlencoded::from_str(req.uri().query().unwrap_or(""))
                .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))?;
            Ok(json(StatusCode::OK, &jobs::list(d.sql, &seller, q).await?))
        }
        (&Method::GET, ["jobs", id]) => Ok(json(StatusCode::OK, &jobs::get(d.sql, &seller, id).await?)),
        (&Method::GET, ["jobs", id, "cover"]) => {
            let job = jobs::find(d.sql, &seller, id).await?.ok_or_else(|| ApiError::not_found("no such job"))?;
            let key = job.cover_key.ok_or_else(|| ApiError::not_found("this job has no cover yet"))?;
            let blob = d.blobs.get(&key).await?.ok_or_else(|| ApiError::not_found("the cover is missing"))?;
            let mut resp = Response::new(blob.bytes);
            if let Ok(v) = HeaderValue::from_str(&blob.content_type) {
                resp.headers_mut().insert("content-type", v);
            }
            resp.headers_mut().insert("cache-control", HeaderValue::from_static("private, max-age=3600"));
            Ok(resp)
        }
        (_, ["tiktok-link"] | ["jobs"] | ["jobs", _] | ["jobs", _, "cover"]) => Err(super::method_not_allowed()),
        _ => Err(super::route_not_found()),
    }
}
