//! The HTTP API on `http` types. Platform shells convert their request into [`Request`], call the
//! router of their function, and convert the [`Response`] back.

pub mod gateway;
pub mod ingest;
pub mod media;
pub mod openapi;

use crate::error::ApiError;
use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub type Request = http::Request<Vec<u8>>;
pub type Response = http::Response<Vec<u8>>;

/// Largest JSON body any route accepts.
pub const MAX_JSON_BODY: usize = 16 * 1024;

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

pub fn parse_json<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    check_body_size(req)?;
    serde_json::from_slice(req.body())
        .map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not the expected JSON: {e}")))
}

pub fn check_body_size(req: &Request) -> Result<(), ApiError> {
    if req.body().len() > MAX_JSON_BODY {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is larger than {MAX_JSON_BODY} bytes"),
        ));
    }
    Ok(())
}

pub fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not accept that method")
}

pub fn route_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "route_not_found", "no such route")
}

/// Path segments after a prefix, e.g. `segments("/api/v1/a/b", "/api/v1/")` = `["a", "b"]`.
pub fn segments<'a>(path: &'a str, prefix: &str) -> Option<Vec<&'a str>> {
    path.strip_prefix(prefix).map(|rest| rest.trim_end_matches('/').split('/').collect())
}
