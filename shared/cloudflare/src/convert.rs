use linkhub_core::config::Config;
use worker::{Env, Headers, Method, Request, RequestInit, Response};

/// Reads configuration from secrets first, then plain vars.
pub fn config_from_env(env: &Env) -> Config {
    Config::from_lookup(|name| {
        env.secret(name).ok().map(|s| s.to_string()).or_else(|| env.var(name).ok().map(|v| v.to_string()))
    })
}

pub async fn to_core_request(mut req: Request) -> worker::Result<http::Request<Vec<u8>>> {
    let url = req.url()?;
    let path_and_query = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let mut builder = http::Request::builder().method(req.method().as_ref()).uri(path_and_query);
    for (k, v) in req.headers().entries() {
        builder = builder.header(k, v);
    }
    let body = match req.method() {
        Method::Get | Method::Head | Method::Options => Vec::new(),
        _ => req.bytes().await?,
    };
    builder.body(body).map_err(|e| worker::Error::RustError(e.to_string()))
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
pub fn to_worker_request(req: http::Request<Vec<u8>>) -> worker::Result<Request> {
    let (parts, body) = req.into_parts();
    let mut init = RequestInit::new();
    init.with_method(Method::from(parts.method.as_str().to_owned()));
    init.with_headers(headers_of(&parts.headers)?);
    if !body.is_empty() {
        let arr = js_sys::Uint8Array::from(body.as_slice());
        init.with_body(Some(arr.into()));
    }
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    Request::new_with_init(&format!("https://internal{path}"), &init)
}
