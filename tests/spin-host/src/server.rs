//! The HTTP front (hyper) and the drain scheduler.

use crate::manifest::App;
use crate::runtime::{HostError, MAX_BODY, Runtime};
use crate::runtime_config::RuntimeConfig;
use crate::spin_apis::Stores;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Options {
    pub manifest: PathBuf,
    pub listen: SocketAddr,
    pub state_dir: PathBuf,
    pub runtime_config_file: Option<PathBuf>,
    pub migrate: bool,
    pub drain_every: Duration,
}

/// The drain route and the most messages one call delivers (spin/drain).
const DRAIN_PATH: &str = "/internal/drain";
const MIGRATE_PATH: &str = "/internal/migrate";
const DRAIN_BATCH: u64 = 50;

pub async fn run(o: Options) -> Result<(), HostError> {
    let app = App::load(&o.manifest, |k| std::env::var(k).ok()).map_err(HostError)?;
    let config = RuntimeConfig::load(o.runtime_config_file.as_deref(), &o.state_dir).map_err(HostError)?;
    // Spin checks the labels when it configures the app, before any component runs.
    config.check(&app).map_err(|e| HostError(format!("failed to configure app: {e}")))?;
    for (label, location) in &config.key_value_stores {
        println!("[spin-host] key-value store {label}: {location}");
    }
    for (label, location) in &config.sqlite_databases {
        println!("[spin-host] SQLite database {label}: {location}");
    }
    let stores = Stores::open(&config).map_err(HostError)?;
    let started = Instant::now();
    let runtime = Runtime::load(app, stores)?;
    println!(
        "[spin-host] {} components compiled in {} ms",
        runtime.app.components.len(),
        started.elapsed().as_millis()
    );
    let loopback: SocketAddr = ([127, 0, 0, 1], 0).into();
    if o.migrate {
        let resp = internal_post(&runtime, MIGRATE_PATH, loopback).await;
        if resp.status() != http::StatusCode::OK {
            return Err(HostError(format!("migrate: {} {}", resp.status(), String::from_utf8_lossy(resp.body()))));
        }
        println!("[spin-host] migrate: {}", String::from_utf8_lossy(resp.body()));
    }
    let listener = tokio::net::TcpListener::bind(o.listen).await?;
    println!("[spin-host] serving http://{}", listener.local_addr()?);
    if !o.drain_every.is_zero() {
        tokio::spawn(drain_loop(Arc::clone(&runtime), o.drain_every));
    }
    loop {
        let (stream, client) = listener.accept().await?;
        let runtime = Arc::clone(&runtime);
        tokio::spawn(async move {
            let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let runtime = Arc::clone(&runtime);
                async move { Ok::<_, std::convert::Infallible>(serve_one(&runtime, req, client).await) }
            });
            if let Err(e) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                eprintln!("[spin-host] connection from {client}: {e}");
            }
        });
    }
}

async fn serve_one(
    runtime: &Arc<Runtime>,
    req: hyper::Request<hyper::body::Incoming>,
    client: SocketAddr,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let started = Instant::now();
    let resp = match Limited::new(body, MAX_BODY).collect().await {
        Ok(body) => runtime.serve(http::Request::from_parts(parts.clone(), body.to_bytes()), client).await,
        Err(_) => {
            let mut r = http::Response::new(Bytes::from_static(b"request body too large"));
            *r.status_mut() = http::StatusCode::PAYLOAD_TOO_LARGE;
            r
        }
    };
    println!(
        "[spin-host] {} {} -> {} in {} ms",
        parts.method,
        parts.uri,
        resp.status().as_u16(),
        started.elapsed().as_millis()
    );
    resp.map(Full::new)
}

/// A POST to the drain component with the drain token, as the scheduler sends it.
async fn internal_post(runtime: &Arc<Runtime>, path: &str, from: SocketAddr) -> http::Response<Bytes> {
    let token = runtime.app.variables.get("drain_token").cloned().unwrap_or_default();
    let req = http::Request::builder()
        .method(http::Method::POST)
        .uri(path)
        .header(http::header::HOST, "localhost")
        .header(http::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Bytes::new());
    match req {
        Ok(req) => runtime.serve(req, from).await,
        Err(e) => {
            let mut r = http::Response::new(Bytes::from(e.to_string()));
            *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            r
        }
    }
}

/// Calls the drain every `every`, and again at once while a call comes back with a full batch.
async fn drain_loop(runtime: Arc<Runtime>, every: Duration) {
    let loopback: SocketAddr = ([127, 0, 0, 1], 0).into();
    loop {
        let resp = internal_post(&runtime, DRAIN_PATH, loopback).await;
        let report: serde_json::Value = serde_json::from_slice(resp.body()).unwrap_or_default();
        if resp.status() != http::StatusCode::OK {
            eprintln!("[spin-host] drain: {} {}", resp.status(), String::from_utf8_lossy(resp.body()));
        } else if report["delivered"].as_u64().unwrap_or(0) > 0 {
            println!("[spin-host] drain: {report}");
        }
        if report["delivered"].as_u64() != Some(DRAIN_BATCH) {
            tokio::time::sleep(every).await;
        }
    }
}
