//! The ingest function's routes. The gateway has already authenticated the caller and put the
//! seller id in [`SELLER_HEADER`]; every query below is scoped by it.

use super::{REQUEST_ID_HEADER, Request, Response, header, json};
use crate::error::{ApiError, ApiResult};
use crate::ingest;
use crate::jobs::{self, ListQuery};
use crate::ports::{Blobs, Queue, Sql, System};
use crate::routes::{RouteId, Service};
use http::StatusCode;
use http::header::HeaderValue;

pub struct IngestDeps<'a, S, B, Q, Y> {
    pub sql: &'a S,
    pub blobs: &'a B,
    pub queue: &'a Q,
    pub sys: &'a Y,
}

pub async fn handle<S: Sql, B: Blobs, Q: Queue, Y: System>(d: &IngestDeps<'_, S, B, Q, Y>, req: Request) -> Response {
    let result = dispatch(d, &req).await;
    super::answer("ingest", d.sys, &req, result)
}

async fn dispatch<S: Sql, B: Blobs, Q: Queue, Y: System>(
    d: &IngestDeps<'_, S, B, Q, Y>,
    req: &Request,
) -> ApiResult<Response> {
    let seller = super::seller(req)?;
    let request_id = header(req, REQUEST_ID_HEADER).unwrap_or("").to_owned();
    let m = super::matched(req, Service::Ingest)?;
    match m.id() {
        RouteId::SubmitLink => {
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
        RouteId::ListJobs => {
            let q: ListQuery = super::query(req)?;
            Ok(json(StatusCode::OK, &jobs::list(d.sql, &seller, q).await?))
        }
        RouteId::GetJob => Ok(json(StatusCode::OK, &jobs::get(d.sql, &seller, m.param("id")).await?)),
        RouteId::RetryJob => {
            let (status, view) =
                crate::stages::retry::retry_job(d.sql, d.queue, d.sys, &seller, m.param("id"), &request_id).await?;
            Ok(json(status, &view))
        }
        RouteId::PutJobCover => {
            let (status, view) = crate::covers::replace(
                d.sql,
                d.blobs,
                d.queue,
                d.sys,
                &seller,
                m.param("id"),
                header(req, "content-type").unwrap_or(""),
                req.body(),
                &request_id,
            )
            .await?;
            Ok(json(status, &view))
        }
        RouteId::GetJobCover => {
            let job =
                jobs::find(d.sql, &seller, m.param("id")).await?.ok_or_else(|| ApiError::not_found("no such job"))?;
            let key = job.cover_key.ok_or_else(|| ApiError::not_found("this job has no cover yet"))?;
            let blob = d.blobs.get(&key).await?.ok_or_else(|| ApiError::not_found("the cover is missing"))?;
            let mut resp = Response::new(blob.bytes);
            if let Ok(v) = HeaderValue::from_str(&blob.content_type) {
                resp.headers_mut().insert("content-type", v);
            }
            Ok(resp)
        }
        _ => Err(super::route_not_found()),
    }
}
