//! The products Worker: the seller's catalog, storefront settings and bulk imports (behind the
//! gateway), the public catalog reads through the two-level cache (isolate memory, then KV), and
//! the import queue's consumer with its dead-letter consumer. Decisions live in `linkhub_core`;
//! this maps them onto Workers.

use linkhub_cloudflare::{
    D1Sql, KvPort, QueuePort, R2Blobs, WorkerSystem, bindings, from_core_response, to_core_request,
};
use linkhub_core::api::products::{self, ProductsDeps};
use linkhub_core::imports::{self, ImportDeps};
use worker::{Context, Env, MessageBatch, Request, Response, Result, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let (sql, kv, queue) = (D1Sql(env.d1(bindings::DB)?), KvPort(env.kv(bindings::KV)?), QueuePort(&env));
    let req = match to_core_request(req).await {
        Ok(req) => req,
        Err(refused) => return from_core_response(refused),
    };
    let blobs = R2Blobs(env.bucket(bindings::BLOBS)?);
    let deps = ProductsDeps { sql: &sql, kv: &kv, blobs: &blobs, queue: &queue, sys: &WorkerSystem };
    from_core_response(products::handle(&deps, req).await)
}

#[event(queue)]
async fn queue(batch: MessageBatch<String>, env: Env, _ctx: Context) -> Result<()> {
    let (sql, queue) = (D1Sql(env.d1(bindings::DB)?), QueuePort(&env));
    let deps = ImportDeps { sql: &sql, queue: &queue, sys: &WorkerSystem };
    linkhub_cloudflare::consume(batch, async |body: &str, dead| {
        if dead { imports::dead_letter(&sql, &WorkerSystem, body).await } else { imports::process(&deps, body).await }
    })
    .await;
    Ok(())
}

/// Panics are bugs: make them readable in the logs instead of a bare `unreachable`.
#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}
