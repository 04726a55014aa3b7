//! The WhatsApp Worker: Meta's webhook (the handshake, and signed deliveries made durable in R2
//! with a reference on the queue before the 200), the seller's connection, templates and inbox,
//! all behind the gateway's WHATSAPP service binding; and two queue consumers, each with its
//! dead-letter consumer: deliveries (applied to D1) and sends (Graph calls, paced and retried).
//! Decisions live in `linkhub_core::whatsapp`.

use linkhub_cloudflare::{
    D1Sql, FetchHttp, KvPort, QueuePort, R2Blobs, WorkerSystem, bindings, config, from_core_response, to_core_request,
};
use linkhub_core::api::whatsapp::{self, WhatsappDeps};
use linkhub_core::config::Role;
use linkhub_core::whatsapp::send::{self, SendDeps};
use linkhub_core::whatsapp::webhook;
use worker::{Context, Env, MessageBatch, Request, Response, Result, event};

const ROLES: &[Role] = &[Role::Whatsapp];

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let cfg = match config(&env, ROLES) {
        Ok(cfg) => cfg,
        Err(refused) => return from_core_response(refused),
    };
    let (sql, blobs, queue) = (D1Sql(env.d1(bindings::DB)?), R2Blobs(env.bucket(bindings::BLOBS)?), QueuePort(&env));
    let req = match to_core_request(req).await {
        Ok(req) => req,
        Err(refused) => return from_core_response(refused),
    };
    let deps =
        WhatsappDeps { sql: &sql, blobs: &blobs, queue: &queue, http: &FetchHttp, sys: &WorkerSystem, cfg: &cfg };
    from_core_response(whatsapp::handle(&deps, req).await)
}

#[event(queue)]
async fn queue(batch: MessageBatch<String>, env: Env, _ctx: Context) -> Result<()> {
    let Ok(cfg) = config(&env, ROLES) else {
        // Logged by `config`; nothing is lost while an operator fixes the setting.
        batch.retry_all();
        return Ok(());
    };
    let (sql, queue) = (D1Sql(env.d1(bindings::DB)?), QueuePort(&env));
    let blobs = R2Blobs(env.bucket(bindings::BLOBS)?);
    if batch.queue().starts_with("linkhub-whatsapp-send") {
        let kv = KvPort(env.kv(bindings::KV)?);
        let deps = SendDeps {
            sql: &sql,
            kv: &kv,
            blobs: &blobs,
            queue: &queue,
            http: &FetchHttp,
            sys: &WorkerSystem,
            cfg: &cfg,
        };
        linkhub_cloudflare::consume(batch, async |body: &str, dead| {
            if dead { send::dead_letter(&sql, &WorkerSystem, body).await } else { send::process(&deps, body).await }
        })
        .await;
        return Ok(());
    }
    linkhub_cloudflare::consume(batch, async |body: &str, dead| {
        if dead {
            webhook::dead_letter(&sql, &WorkerSystem, body).await
        } else {
            webhook::process(&sql, &blobs, &queue, &WorkerSystem, &cfg, body).await
        }
    })
    .await;
    Ok(())
}

/// Panics are bugs: make them readable in the logs instead of a bare `unreachable`.
#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}
