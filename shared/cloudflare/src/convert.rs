use crate::WorkerSystem;
use futures_util::StreamExt;
use linkhub_core::api;
use linkhub_core::config::{Config, ConfigError, Role};
use linkhub_core::error::ApiError;
use linkhub_core::log::LogCtx;
use linkhub_core::routes;
use std::cell::OnceCell;
use std::rc::Rc;
use worker::{Env, Headers, Method, Request, RequestInit, RequestRedirect, Response};

thread_local! {
    /// The configuration, read once per isolate: a Worker's vars and secrets are fixed for the
    /// life of its isolate (a new deployment or a changed secret starts new isolates).
    static CONFIG: OnceCell<Result<Rc<Config>, ConfigError>> = const { OnceCell::new() };
}

/// The configuration of a Worker playing `roles`, from secrets first, then plain vars; only the
/// roles' variables are read, once per isolate. An unusable value is logged with its name on
/// every call and returned as the 503 answer to give.
pub fn config(env: &Env, roles: &[Role]) -> Result<Rc<Config>, http::Response<Vec<u8>>> {
    let loaded = CONFIG.with(|cell| {
        cell.get_or_init(|| {
            Config::load(roles, |name| {
                env.secret(name).ok().map(|s| s.to_string()).or_else(|| env.var(name).ok().map(|v| v.to_string()))
            })
            .map(Rc::new)
        })
        .clone()
    });
    loaded.map_err(|e| {
        LogCtx::new("config").error(&WorkerSystem, "refusing to serve: configuration invalid", &e.to_string());
        api::error(&e.api_error())
    })
}

/// The incoming request as the core's type, or the answer to give instead: the body is read up
/// to the route's limit (from the route table), and past it the answer is 413 without reading
/// the rest.
pub async fn to_core_request(req: Request) -> Result<http::Request<Vec<u8>>, http::Response<Vec<u8>>> {
    convert_request(req).await.map_err(|e| api::error(&e))
}

async fn convert_request(mut req: Request) -> Result<http::Request<Vec<u8>>, ApiError> {
    let invalid = |e: worker::Error| ApiError::invalid_request(e.to_string());
    let url = req.url().map_err(invalid)?;
    let path_and_query = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let mut builder = http::Request::builder().method(req.method().as_ref()).uri(path_and_query);
    for (k, v) in req.headers().entries() {
        builder = builder.header(k, v);
    }
    let method = http::Method::from_bytes(req.method().as_ref().as_bytes())
        .map_err(|e| ApiError::invalid_request(e.to_string()))?;
    let limit = routes::body_limit(&method, url.path());
    let body = match req.method() {
        Method::Get | Method::Head | Method::Options => Vec::new(),
        _ => {
            let declared = req.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<usize>().ok());
            if declared.is_some_and(|n| n > limit) {
                return Err(routes::too_large(limit));
            }
            match req.stream() {
                Ok(stream) => read_capped(stream, limit).await.map_err(|e| match e {
                    Capped::Over => routes::too_large(limit),
                    Capped::Failed(e) => ApiError::invalid_request(e),
                })?,
                Err(_) => Vec::new(),
            }
        }
    };
    builder.body(body).map_err(|e| ApiError::invalid_request(e.to_string()))
}

pub(crate) enum Capped {
    Over,
    Failed(String),
}

/// Reads a body stream, stopping as soon as it passes `cap` bytes.
pub(crate) async fn read_capped(mut stream: worker::ByteStream, cap: usize) -> Result<Vec<u8>, Capped> {
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Capped::Failed(e.to_string()))?;
        body.extend_from_slice(&chunk);
        if body.len() > cap {
            return Err(Capped::Over);
        }
    }
    Ok(body)
}

fn headers_of(h: &http::HeaderMap) -> worker::Result<Headers> {
    let headers = Headers::new();
    for (k, v) in h {
        if let Ok(v) = v.to_str() {
            headers.append(k.as_str(), v)?;
        }
    }
    Ok(headers)
}

pub fn from_core_response(resp: http::Response<Vec<u8>>) -> worker::Result<Response> {
    let (parts, body) = resp.into_parts();
    let headers = headers_of(&parts.headers)?;
    let r = if body.is_empty() { Response::empty()? } else { Response::from_bytes(body)? };
    Ok(r.with_status(parts.status.as_u16()).with_headers(headers))
}

/// Rebuilds a core request as a `worker::Request` for a service binding (the host is ignored).
/// A function's redirect is the answer to pass on, never followed here (fetch follows by
/// default: the click-to-chat 302 would have been fetched from wa.me by the gateway).
pub fn to_worker_request(req: http::Request<Vec<u8>>) -> worker::Result<Request> {
    let (parts, body) = req.into_parts();
    let mut init = RequestInit::new();
    init.with_method(Method::from(parts.method.as_str().to_owned()));
    init.with_redirect(RequestRedirect::Manual);
    init.with_headers(headers_of(&parts.headers)?);
    if !body.is_empty() {
        let arr = js_sys::Uint8Array::from(body.as_slice());
        init.with_body(Some(arr.into()));
    }
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    Request::new_with_init(&format!("https://internal{path}"), &init)
}
