//! The storefront Worker: the public pages buyers open (`/s/{handle}`, `/s/{handle}/{slug}`),
//! the product's QR code and the click-to-chat redirect (`/go/{code}`), reached through the
//! gateway's STOREFRONT service binding. Rendering and caching live in `linkhub_core::pages`;
//! the analytics event a page records is written in `waitUntil`, after the answer.

use linkhub_cloudflare::{D1Sql, KvPort, WorkerSystem, bindings, from_core_response, to_core_request};
use linkhub_core::api::pages::{self, PagesDeps};
use worker::{Context, Env, Request, Response, Result, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let (sql, kv) = (D1Sql(env.d1(bindings::DB)?), KvPort(env.kv(bindings::KV)?));
    let req = match to_core_request(req).await {
        Ok(req) => req,
        Err(refused) => return from_core_response(refused),
    };
    let served = pages::serve(&PagesDeps { sql: &sql, kv: &kv, sys: &WorkerSystem }, req).await;
    // The view or click is written after the answer has gone: no buyer waits on analytics.
    if let Some(event) = served.event {
        let request_id = served.request_id;
        ctx.wait_until(async move { pages::record(&sql, &WorkerSystem, &request_id, &event).await });
    }
    from_core_response(served.response)
}

/// Panics are bugs: make them readable in the logs instead of a bare `unreachable`.
#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}
