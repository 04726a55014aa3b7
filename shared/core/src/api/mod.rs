//! The HTTP API on `http` types. Platform shells convert their request into [`Request`], call the
//! router of their function, and convert the [`Response`] back.

pub mod gateway;
pub mod ingest;
pub mod media;
pub mod openapi;
pub mod pages;
pub mod products;
pub mod whatsapp;

use crate::error::{ApiError, ApiResult};
use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub type Request = http::Request<Vec<u8>>;
/// The origin (`scheme://host`) the buyer used, set by the gateway on what it forwards (a
/// function behind a service binding sees an internal URL).
pub const ORIGIN_HEADER: &str = "x-linkhub-origin";
/// The buyer's network address as the platform reported it to the gateway, set by the gateway
/// on what it forwards (never the caller's own header): analytics hashes it, never stores it.
pub const CLIENT_HEADER: &str = "x-linkhub-client";
pub type Response = http::Response<Vec<u8>>;

pub use crate::routes::{method_not_allowed, route_not_found};

/// Set by the gateway after authentication; stripped from anything arriving from outside.
pub const SELLER_HEADER: &str = "x-linkhub-seller-id";
pub const REQUEST_ID_HEADER: &str = "x-request-id";

pub fn bytes(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => bytes(status, "application/json", body),
        Err(e) => error(&ApiError::internal(format!("serialise: {e}"))),
    }
}

pub fn raw_json(status: StatusCode, body: String) -> Response {
    bytes(status, "application/json", body.into_bytes())
}

pub fn empty(status: StatusCode) -> Response {
    let mut r = Response::new(Vec::new());
    *r.status_mut() = status;
    r
}

pub fn error(e: &ApiError) -> Response {
    let mut r = json_body(e.status, &e.body());
    if let Some(s) = e.retry_after
        && let Ok(v) = HeaderValue::from_str(&s.to_string())
    {
        r.headers_mut().insert(RETRY_AFTER, v);
    }
    r
}

fn json_body<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let body = serde_json::to_vec(value)
        .unwrap_or_else(|_| b"{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}".to_vec());
    bytes(status, "application/json", body)
}

pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The body as JSON; its size was checked against the route's limit when the route was matched.
pub fn parse_json<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    serde_json::from_slice(req.body())
        .map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not the expected JSON: {e}")))
}

/// A function's answer: the response, or the error's; a server error's cause goes to the log
/// under the function's name, never into the body.
pub fn answer(function: &str, sys: &impl crate::ports::System, req: &Request, result: ApiResult<Response>) -> Response {
    match result {
        Ok(r) => r,
        Err(e) => {
            log_failure(function, sys, req, &e);
            error(&e)
        }
    }
}

/// Logs a server error's cause under the function's name (a client error is not logged).
pub fn log_failure(function: &str, sys: &impl crate::ports::System, req: &Request, e: &ApiError) {
    if e.status.is_server_error() {
        crate::log::LogCtx::new(function).with("request_id", header(req, REQUEST_ID_HEADER).unwrap_or("")).error(
            sys,
            "request failed",
            e.cause.as_deref().unwrap_or(&e.message),
        );
    }
}

/// A request's query string as `T`; one that does not parse is 400 `invalid_query`.
pub fn query<T: DeserializeOwned>(req: &Request) -> ApiResult<T> {
    serde_urlencoded::from_str(req.uri().query().unwrap_or(""))
        .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))
}

/// The seller the gateway authenticated for a function's route.
pub fn seller(req: &Request) -> ApiResult<crate::accounts::SellerId> {
    header(req, SELLER_HEADER)
        .filter(|s| !s.is_empty())
        .map(|s| crate::accounts::SellerId(s.to_owned()))
        .ok_or_else(|| ApiError::unauthorized("not authenticated"))
}

/// Matches a request that reached a function against the route table, checking the body limit:
/// the same lookup the gateway made, so a function serves exactly the routes the table gives it.
pub fn matched(req: &Request, service: crate::routes::Service) -> Result<crate::routes::Matched, ApiError> {
    let m = crate::routes::find(req.method(), req.uri().path())?;
    if m.route.service != service {
        return Err(route_not_found());
    }
    crate::routes::check_body(m.route, req.body())?;
    Ok(m)
}
