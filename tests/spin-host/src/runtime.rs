//! The runtime: every component compiled once and pre-linked against WASI (p2 for std's imports,
//! p3 and wasi:http@0.3 for the handler) and Spin's interfaces; each request gets a fresh
//! instance in its own store, as in Spin. Outbound requests are checked against the calling
//! component's `allowed_outbound_hosts`; `http://{component}.spin.internal` goes to that
//! component in-process (Spin's local service chaining).

use crate::manifest::{App, ComponentSpec};
use crate::spin_apis::{SpinApis, Stores};
use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt as _, Full, Limited};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{DirPerms, FilePerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::WasiHttpCtx;
use wasmtime_wasi_http::p3::bindings::ServicePre;
use wasmtime_wasi_http::p3::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::p3::{Request, RequestOptions, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

/// Largest request or response body the host buffers.
pub const MAX_BODY: usize = 64 * 1024 * 1024;

const INTERNAL_SUFFIX: &str = ".spin.internal";

/// What one instance's store holds.
pub struct Ctx {
    pub table: ResourceTable,
    pub wasi: WasiCtx,
    pub http: WasiHttpCtx,
    pub hooks: Outbound,
    pub component: Arc<ComponentSpec>,
    pub stores: Arc<Stores>,
}

impl WasiView for Ctx {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for Ctx {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

struct Loaded {
    spec: Arc<ComponentSpec>,
    pre: ServicePre<Ctx>,
}

pub struct Runtime {
    pub app: App,
    engine: Engine,
    components: BTreeMap<String, Loaded>,
    stores: Arc<Stores>,
}

type Body = UnsyncBoxBody<Bytes, ErrorCode>;
type IoFuture = Box<dyn Future<Output = Result<(), ErrorCode>> + Send>;

fn full(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never: Infallible| match never {}).boxed_unsync()
}

/// An error of the host itself (not of a component's answer).
#[derive(Debug)]
pub struct HostError(pub String);

impl<E: std::fmt::Display> From<E> for HostError {
    fn from(e: E) -> Self {
        HostError(e.to_string())
    }
}

impl Runtime {
    /// Compiles and links every component of `app`.
    pub fn load(app: App, stores: Arc<Stores>) -> Result<Arc<Self>, HostError> {
        let mut config = Config::new();
        config.wasm_component_model_async(true);
        let engine = Engine::new(&config)?;
        let mut linker: Linker<Ctx> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi::p3::add_to_linker(&mut linker)?;
        wasmtime_wasi_http::p3::add_to_linker(&mut linker)?;
        crate::bindings::SpinImports::add_to_linker::<Ctx, SpinApis>(&mut linker, |c| c)?;
        let mut components = BTreeMap::new();
        for (name, spec) in &app.components {
            let component = Component::from_file(&engine, &spec.source)
                .map_err(|e| HostError(format!("component {name} ({}): {e:#}", spec.source.display())))?;
            let pre = linker.instantiate_pre(&component).map_err(|e| HostError(format!("component {name}: {e:#}")))?;
            let pre = ServicePre::new(pre).map_err(|e| HostError(format!("component {name}: {e:#}")))?;
            components.insert(name.clone(), Loaded { spec: Arc::new(spec.clone()), pre });
        }
        Ok(Arc::new(Self { app, engine, components, stores }))
    }

    /// Serves a request from outside: routes it by spin.toml and adds Spin's request headers.
    pub async fn serve(self: &Arc<Self>, req: http::Request<Bytes>, client: SocketAddr) -> http::Response<Bytes> {
        let path = req.uri().path().to_owned();
        let Some(route) = self.app.route(&path).cloned() else {
            return plain(http::StatusCode::NOT_FOUND, "no route");
        };
        let (mut parts, body) = req.into_parts();
        let host =
            parts.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost").to_owned();
        let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let full_url = format!("http://{host}{path_and_query}");
        let path_info = path.strip_prefix(route.matcher.base()).unwrap_or("").to_owned();
        let mut add = |name: &'static str, value: &str| {
            if let Ok(v) = http::HeaderValue::from_str(value) {
                parts.headers.insert(name, v);
            }
        };
        add("spin-full-url", &full_url);
        add("spin-path-info", &path_info);
        add("spin-matched-route", &route.matcher.display());
        add("spin-component-route", &route.matcher.display());
        add("spin-base-path", "/");
        add("spin-client-addr", &client.to_string());
        parts.uri = match full_url.parse() {
            Ok(u) => u,
            Err(_) => return plain(http::StatusCode::BAD_REQUEST, "bad request target"),
        };
        match self.handle(&route.component, http::Request::from_parts(parts, body)).await {
            Ok(resp) => resp,
            Err(e) => {
                eprintln!("[spin-host] {} {path}: {}", route.component, e.0);
                plain(http::StatusCode::INTERNAL_SERVER_ERROR, "component failed")
            }
        }
    }

    /// Runs `component` on one request in a fresh instance and returns its whole response.
    pub async fn handle(
        self: &Arc<Self>,
        component: &str,
        req: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, HostError> {
        let loaded = self.components.get(component).ok_or_else(|| HostError(format!("no component {component}")))?;
        let mut wasi = WasiCtxBuilder::new();
        wasi.inherit_stdout().inherit_stderr();
        for (dir, guest) in &loaded.spec.files {
            wasi.preopened_dir(dir, guest, DirPerms::READ, FilePerms::READ)
                .map_err(|e| HostError(format!("files {}: {e}", dir.display())))?;
        }
        let ctx = Ctx {
            table: ResourceTable::default(),
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            hooks: Outbound { runtime: Arc::clone(self), from: Arc::clone(&loaded.spec) },
            component: Arc::clone(&loaded.spec),
            stores: Arc::clone(&self.stores),
        };
        let mut store = Store::new(&self.engine, ctx);
        let service = loaded.pre.instantiate_async(&mut store).await?;
        let (request, request_io) = Request::from_http(req.map(full));
        let response = store
            .run_concurrent(async move |store| {
                let res = match service.handle(store, request).await? {
                    Ok(res) => res,
                    Err(code) => return wasmtime::error::Ok(Err(format!("handler error {code:?}"))),
                };
                let res = store.with(|store| res.into_http(store, async { Ok(()) }))?;
                let (parts, body) = res.into_parts();
                let body = match Limited::new(body, MAX_BODY).collect().await {
                    Ok(b) => b.to_bytes(),
                    Err(e) => return Ok(Err(format!("response body: {e}"))),
                };
                // The request body was handed over whole; its completion carries no news.
                let _ = request_io.await;
                Ok(Ok(http::Response::from_parts(parts, body)))
            })
            .await
            .map_err(|e| HostError(format!("{component}: {e:#}")))?
            .map_err(|e| HostError(format!("{component}: {e:#}")))?;
        response.map_err(|e| HostError(format!("{component}: {e}")))
    }
}

fn plain(status: http::StatusCode, text: &'static str) -> http::Response<Bytes> {
    let mut r = http::Response::new(Bytes::from_static(text.as_bytes()));
    *r.status_mut() = status;
    r
}

/// Outbound HTTP for one instance: the allow-list of the calling component, then either local
/// service chaining or the network.
pub struct Outbound {
    runtime: Arc<Runtime>,
    from: Arc<ComponentSpec>,
}

impl WasiHttpHooks for Outbound {
    fn send_request(
        &mut self,
        request: http::Request<Body>,
        _options: Option<RequestOptions>,
        fut: IoFuture,
    ) -> Box<
        dyn Future<Output = Result<(http::Response<Body>, IoFuture), wasmtime_wasi::TrappableError<ErrorCode>>> + Send,
    > {
        drop(fut);
        let runtime = Arc::clone(&self.runtime);
        let from = Arc::clone(&self.from);
        Box::new(async move {
            if !from.may_call(request.uri()) {
                eprintln!(
                    "[spin-host] {}: outbound request to {} denied by allowed_outbound_hosts",
                    from.name,
                    request.uri()
                );
                return Err(ErrorCode::HttpRequestDenied.into());
            }
            let target = request.uri().host().and_then(|h| h.strip_suffix(INTERNAL_SUFFIX)).map(str::to_owned);
            if let Some(target) = target {
                let (parts, body) = request.into_parts();
                let body = collect_capped(body, "request body").await?;
                let req = http::Request::from_parts(parts, body);
                // Its own task: the chained component runs in its own store, like a separate request.
                let resp = tokio::spawn(async move { runtime.handle(&target, req).await })
                    .await
                    .map_err(|e| ErrorCode::InternalError(Some(e.to_string())))?
                    .map_err(|e| ErrorCode::InternalError(Some(e.0)))?;
                return Ok((resp.map(full), Box::new(async { Ok(()) }) as IoFuture));
            }
            let resp = send_plain_http(request).await?;
            Ok((resp.map(full), Box::new(async { Ok(()) }) as IoFuture))
        })
    }
}

/// A whole body, up to [`MAX_BODY`], as Spin reports a body it cannot read.
async fn collect_capped<B>(body: B, what: &str) -> Result<Bytes, ErrorCode>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => Ok(b.to_bytes()),
        Err(e) => Err(ErrorCode::InternalError(Some(format!("{what}: {e}")))),
    }
}

/// An allowed outbound call to the network: plain HTTP/1.1 over TCP, which is all the local
/// runs reach (the sandbox on 127.0.0.1). TLS is not built into the test host (it would compile
/// a TLS stack for calls no test makes); an https URL is answered as Spin answers a TLS failure.
async fn send_plain_http(request: http::Request<Body>) -> Result<http::Response<Bytes>, ErrorCode> {
    let uri = request.uri().clone();
    if uri.scheme_str() != Some("http") {
        eprintln!("[spin-host] outbound {uri}: the test host speaks plain HTTP only");
        return Err(ErrorCode::TlsProtocolError);
    }
    let host = uri.host().ok_or(ErrorCode::HttpRequestUriInvalid)?.to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let (mut parts, body) = request.into_parts();
    let body = collect_capped(body, "request body").await?;
    // HTTP/1.1 on the wire: origin-form path, and the Host header.
    parts.uri =
        uri.path_and_query().map_or("/", |p| p.as_str()).parse().map_err(|_| ErrorCode::HttpRequestUriInvalid)?;
    if !parts.headers.contains_key(http::header::HOST) {
        let authority = uri.authority().map_or(host.clone(), |a| a.to_string());
        parts.headers.insert(http::header::HOST, authority.parse().map_err(|_| ErrorCode::HttpRequestUriInvalid)?);
    }
    let stream = tokio::net::TcpStream::connect((host.as_str(), port)).await.map_err(|e| {
        eprintln!("[spin-host] outbound {uri}: {e}");
        ErrorCode::ConnectionRefused
    })?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
        .await
        .map_err(|e| ErrorCode::InternalError(Some(format!("handshake: {e}"))))?;
    tokio::spawn(conn);
    let resp = sender
        .send_request(http::Request::from_parts(parts, Full::new(body)))
        .await
        .map_err(|e| ErrorCode::InternalError(Some(format!("{uri}: {e}"))))?;
    let (parts, body) = resp.into_parts();
    let body = collect_capped(body, "response body").await?;
    Ok(http::Response::from_parts(parts, body))
}
