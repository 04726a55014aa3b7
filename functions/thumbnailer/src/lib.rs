//! The thumbnailer Worker: consumes the thumbnail stage queue (and its dead-letter queue), and
//! serves `/media/...` from R2 for the gateway. Rendering lives in `linkhub_imaging`, the stage
//! and serving rules in `linkhub_core`.

use linkhub_cloudflare::{D1Sql, R2Blobs, WorkerSystem, bindings, from_core_response, to_core_request};
use linkhub_core::api::media;
use worker::{Context, Env, MessageBatch, Request, Response, Result, event};

#[event(queue)]
async fn queue(batch: MessageBatch<String>, env: Env, _ctx: Context) -> Result<()> {
    linkhub_cloudflare::thumbnail_stage(batch, env).await
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let (sql, blobs) = (D1Sql(env.d1(bindings::DB)?), R2Blobs(env.bucket(bindings::BLOBS)?));
    match to_core_request(req).await {
        Ok(req) => from_core_response(media::serve(&sql, &blobs, &WorkerSystem, &req).await),
        Err(refused) => from_core_response(refused),
    }
}

/// Panics are bugs: make them readable in the logs instead of a bare `unreachable`.
#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}
