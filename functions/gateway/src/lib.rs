//! The edge gateway Worker: request ids, CORS, health, OpenAPI, accounts and rate limits (all
//! decided in `linkhub_core::api::gateway`), then function routes forwarded over service
//! bindings. Static dashboard assets are served by Workers assets before this code runs.

use linkhub_cloudflare::{
    D1Sql, KvPort, WorkerSystem, bindings, config, from_core_response, to_core_request, to_worker_request,
};
use linkhub_core::api::gateway::{self, Action, GatewayDeps};
use linkhub_core::api::{self, Response as CoreResponse};
use linkhub_core::config::Role;
use linkhub_core::error::ApiError;
use linkhub_core::log::LogCtx;
use linkhub_core::maintenance;
use worker::{Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let cfg = match config(&env, &[Role::Gateway]) {
        Ok(cfg) => cfg,
        Err(refused) => return from_core_response(refused),
    };
    let (sql, kv) = (D1Sql(env.d1(bindings::DB)?), KvPort(env.kv(bindings::KV)?));
    let req = match to_core_request(req).await {
        Ok(req) => req,
        Err(refused) => return from_core_response(refused),
    };
    // Set by Cloudflare's edge for every request; a client cannot choose it.
    let client = api::header(&req, "cf-connecting-ip").map(str::to_owned);
    let deps = GatewayDeps { sql: &sql, kv: &kv, sys: &WorkerSystem, cfg: &cfg, client: client.as_deref() };
    let (ctx, action) = gateway::route(&deps, req).await;
    let resp = match action {
        Action::Respond(r) => r,
        Action::Forward(service, r) => match bindings::service(service) {
            Some(binding) => forward(&env, binding, r).await,
            None => api::error(&linkhub_core::routes::route_not_found()),
        },
    };
    from_core_response(gateway::finish(&WorkerSystem, &cfg, &ctx, resp))
}

async fn forward(env: &Env, binding: &str, req: api::Request) -> CoreResponse {
    match try_forward(env, binding, req).await {
        Ok(r) => r,
        Err(e) => api::error(&ApiError::from(linkhub_core::ports::PortError::unavailable(format!("{binding}: {e}")))),
    }
}

async fn try_forward(env: &Env, binding: &str, req: api::Request) -> Result<CoreResponse> {
    let mut resp = env.service(binding)?.fetch_request(to_worker_request(req)?).await?;
    let mut out = http::Response::builder().status(resp.status_code());
    for (k, v) in resp.headers().entries() {
        out = out.header(k, v);
    }
    out.body(resp.bytes().await?).map_err(|e| worker::Error::RustError(e.to_string()))
}

/// Housekeeping on the cron trigger (wrangler.toml): passed rate windows and expired
/// idempotency keys are deleted.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let log = LogCtx::new("maintenance");
    let swept = match env.d1(bindings::DB) {
        Ok(db) => maintenance::sweep(&D1Sql(db), &WorkerSystem).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match swept {
        Ok(r) => log
            .with("rate_windows", r.rate_windows)
            .with("idempotency_keys", r.idempotency_keys)
            .info(&WorkerSystem, "swept"),
        Err(e) => log.error(&WorkerSystem, "sweep failed; the next trigger tries again", &e),
    }
}

/// Panics are bugs: make them readable in the logs instead of a bare `unreachable`.
#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}
