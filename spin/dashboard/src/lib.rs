//! The Spin dashboard component: serves the built dashboard (frontend/dist, mounted at `/` by
//! spin.toml) with content types, long caching for hashed assets, and `index.html` for any other
//! path (the single-page app routes itself), as Workers static assets do.

use http::StatusCode;
use linkhub_core::api;
use linkhub_spin::component::{Answer, request, respond};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json" | "webmanifest") => "application/json",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    respond(run(req).await)
}

async fn run(req: Request) -> Answer {
    let req = request(req).await?;
    if req.method() != http::Method::GET && req.method() != http::Method::HEAD {
        return Err(api::error(&api::method_not_allowed()));
    }
    let path = req.uri().path();
    // No way out of the mount: only plain path segments.
    let safe = path.split('/').all(|s| s != ".." && !s.contains('\\'));
    let asset = if safe && path != "/" { std::fs::read(path).ok().map(|b| (path, b)) } else { None };
    let (name, body) = match asset {
        Some(found) => found,
        None => match std::fs::read("/index.html") {
            Ok(b) => ("/index.html", b),
            Err(_) => return Err(api::error(&api::route_not_found())),
        },
    };
    let cache = if name.starts_with("/assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    let resp = http::Response::builder()
        .status(StatusCode::OK)
        .header("content-type", content_type(name))
        .header("cache-control", cache)
        .body(if req.method() == http::Method::HEAD { Vec::new() } else { body });
    Ok(resp.unwrap_or_else(|_| api::empty(StatusCode::INTERNAL_SERVER_ERROR)))
}
