//! Test-only entry Worker of the end-to-end stack: `/_contract` runs the port contract suites
//! (`linkhub-contract`) against the real local bindings; everything else goes to the gateway
//! over its service binding, untouched. Outbound calls of the http suite go through the same
//! allow-listed client the stages use, with the configured `OUTBOUND_ALLOWED_ORIGINS` (the
//! sandbox) as the only extra origins: a caller cannot point it anywhere else.

use linkhub_cloudflare::{
    D1Sql, FetchHttp, KvPort, QueuePort, R2Blobs, WorkerSystem, bindings, config, from_core_response,
};
use linkhub_contract::{Ports, run_requested};
use linkhub_core::config::Role;
use linkhub_core::outbound::AllowListed;
use linkhub_core::ports::System;
use worker::{Context, Env, Request, Response, Result, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    if req.path() != linkhub_contract::ROUTE {
        return env.service("GATEWAY")?.fetch_request(req).await;
    }
    let url = req.url()?;
    let (sql, kv, blobs) =
        (D1Sql(env.d1(bindings::DB)?), KvPort(env.kv(bindings::KV)?), R2Blobs(env.bucket(bindings::BLOBS)?));
    let cfg = match config(&env, &[Role::Metadata]) {
        Ok(cfg) => cfg,
        Err(refused) => return from_core_response(refused),
    };
    let http = AllowListed { inner: &FetchHttp, extra: &cfg.outbound_allowed_origins };
    let ports = Ports { sql: &sql, kv: &kv, blobs: &blobs, queue: &QueuePort(&env), http: Some(&http) };
    let report = run_requested(url.query(), &format!("cf{}", WorkerSystem.now_ms()), ports).await;
    Response::from_json(&report)
}

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}
