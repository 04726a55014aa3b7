//! The ingest Worker: the ingestion routes (behind the gateway), the metadata queue consumer
//! and its dead-letter consumer. Decisions live in `linkhub_core`; this maps them onto Workers.

use linkhub_cloudflare::{
    D1Sql, FetchHttp, KvPort, QueuePort, R2Blobs, WorkerSystem, bindings, config, from_core_response, to_core_request,
};
use linkhub_core::api::ingest::{self, IngestDeps};
use linkhub_core::config::Role;
use linkhub_core::stages::{StageOutcome, dead_letter, metadata};
use worker::{Context, Env, MessageBatch, Request, Response, Result, event};

/// The ingestion routes read no configuration; the metadata consumer plays this role.
const ROLES: &[Role] = &[Role::Metadata];

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let (sql, blobs, queue) = (D1Sql(env.d1(bindings::DB)?), R2Blobs(env.bucket(bindings::BLOBS)?), QueuePort(&env));
    let req = match to_core_request(req).await {
        Ok(req) => req,
        Err(refused) => return from_core_response(refused),
    };
    let deps = IngestDeps { sql: &sql, blobs: &blobs, queue: &queue, sys: &WorkerSystem };
    from_core_response(ingest::handle(&deps, req).await)
}

#[event(queue)]
async fn queue(batch: MessageBatch<String>, env: Env, _ctx: Context) -> Result<()> {
    let Ok(cfg) = config(&env, ROLES) else {
        // Logged by `config`; nothing is lost while an operator fixes the setting.
        batch.retry_all();
        return Ok(());
    };
    let (sql, blobs, queue, http) =
        (D1Sql(env.d1(bindings::DB)?), R2Blobs(env.bucket(bindings::BLOBS)?), QueuePort(&env), FetchHttp);
    // The TikTok circuit breaker's shared state.
    let kv = KvPort(env.kv(bindings::KV)?);
    let deps = metadata::MetadataDeps {
        sql: &sql,
        blobs: &blobs,
        queue: &queue,
        http: &http,
        kv: &kv,
        sys: &WorkerSystem,
        cfg: &cfg,
    };
    linkhub_cloudflare::consume(batch, async |body: &str, dead| {
        if dead {
            dead_letter::process(&sql, &WorkerSystem, body).await.unwrap_or(StageOutcome::RetryAfter(5))
        } else {
            metadata::process(&deps, body).await
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
