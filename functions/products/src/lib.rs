//! The products Worker: the seller's catalog and storefront settings (behind the gateway), and
//! the public catalog reads through the two-level cache (isolate memory, then KV). Decisions
//! live in `linkhub_core`; this maps them onto Workers.

use linkhub_cloudflare::{D1Sql, KvPort, WorkerSystem, bindings, from_core_response, to_core_request};
use linkhub_core::api::products::{self, ProductsDeps};
use worker::{Context, Env, Request, Response, Result, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let (sql, kv) = (D1Sql(env.d1(bindings::DB)?), KvPort(env.kv(bindings::KV)?));
    let req = match to_core_request(req).await {
        Ok(req) => req,
        Err(refused) => return from_core_response(refused),
    };
    let deps = ProductsDeps { sql: &sql, kv: &kv, sys: &WorkerSystem };
    from_core_response(products::handle(&deps, req).await)
}

/// Panics are bugs: make them readable in the logs instead of a bare `unreachable`.
#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}
