//! Requests, responses, outbound HTTP and configuration between Spin and the core.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use linkhub_core::api::{Request as CoreRequest, Response as CoreResponse};
use linkhub_core::config::{Config, Role, variables_of};
use linkhub_core::error::ApiError;
use linkhub_core::log::LogCtx;
use linkhub_core::ports::{Http, OutboundRequest, OutboundResponse, PortError, PortErrorKind};
use linkhub_core::routes;
use spin_sdk::http::{IntoResponse, Request, send};

/// The configuration of a component playing `roles`, from Spin variables (the lower-case names
/// of the roles' variables, which the component declares in spin.toml): only those are asked
/// for. Spin gives every request a fresh instance, so this runs once per request. An unusable
/// value is logged with its name and returned as the 503 answer to give.
pub async fn config(roles: &[Role]) -> Result<Config, CoreResponse> {
    let mut found = Vec::new();
    for name in variables_of(roles) {
        if let Ok(v) = spin_sdk::variables::get(name.to_ascii_lowercase()).await {
            found.push((name, v));
        }
    }
    Config::load(roles, |name| found.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())).map_err(|e| {
        LogCtx::new("config").error(&crate::SpinSystem, "refusing to serve: configuration invalid", &e.to_string());
        linkhub_core::api::error(&e.api_error())
    })
}

/// The incoming request as the core's type. The body is read up to the route's limit (from the
/// route table); past it the answer is 413 without reading the rest.
pub async fn to_core_request(req: Request) -> Result<CoreRequest, ApiError> {
    let (parts, body) = req.into_parts();
    let limit = routes::body_limit(&parts.method, parts.uri.path());
    let declared = parts.headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(routes::too_large(limit));
    }
    let body = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => return Err(routes::too_large(limit)),
    };
    let mut out = http::Request::builder().method(parts.method).uri(parts.uri);
    for (k, v) in &parts.headers {
        out = out.header(k, v);
    }
    out.body(body).map_err(|e| ApiError::invalid_request(e.to_string()))
}

pub fn from_core_response(resp: CoreResponse) -> impl IntoResponse {
    let (parts, body) = resp.into_parts();
    http::Response::from_parts(parts, Full::new(Bytes::from(body)))
}

/// Headers a WASI HTTP host refuses on an outgoing request (wasmtime-wasi-http's default list,
/// which Spin uses): setting one makes the whole request fail. The host sets `host` itself.
const FORBIDDEN_HEADERS: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "host",
    "http2-settings",
];

/// Whether an outgoing request may carry this header (see [`FORBIDDEN_HEADERS`]).
pub fn may_send_header(name: &str) -> bool {
    !FORBIDDEN_HEADERS.iter().any(|f| f.eq_ignore_ascii_case(name))
}

/// Outbound HTTP through Spin (the host enforces `allowed_outbound_hosts`; the core's own
/// allow-list wrapper runs before this). Redirects are not followed.
pub struct SpinHttp;

impl Http for SpinHttp {
    async fn send(&self, req: OutboundRequest) -> Result<OutboundResponse, PortError> {
        let mut builder = http::Request::builder().method(req.method).uri(&req.url);
        for (k, v) in req.headers.iter().filter(|(k, _)| may_send_header(k)) {
            builder = builder.header(k, v);
        }
        let request = builder.body(Full::new(Bytes::from(req.body))).map_err(|e| PortError::invalid(e.to_string()))?;
        let resp = send(request).await.map_err(|e| {
            let text = format!("{e:?}");
            let kind = if text.contains("Denied") { PortErrorKind::Forbidden } else { PortErrorKind::Unavailable };
            PortError::new(kind, format!("outbound: {text}"))
        })?;
        let (parts, body) = resp.into_parts();
        let body = Limited::new(body, req.max_response_bytes)
            .collect()
            .await
            .map_err(|e| PortError::new(PortErrorKind::TooLarge, format!("outbound body: {e}")))?
            .to_bytes()
            .to_vec();
        let headers = parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_ascii_lowercase(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        Ok(OutboundResponse { status: parts.status.as_u16(), headers, body })
    }
}

#[cfg(test)]
mod tests {
    use super::may_send_header;

    #[test]
    fn hop_by_hop_and_host_headers_are_not_sent() {
        for name in ["Host", "connection", "Transfer-Encoding", "upgrade", "keep-alive"] {
            assert!(!may_send_header(name), "{name}");
        }
        for name in ["authorization", "content-type", "x-request-id", "x-linkhub-seller"] {
            assert!(may_send_header(name), "{name}");
        }
    }
}
