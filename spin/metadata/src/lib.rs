//! The Spin metadata stage component: one outbox message per call from the drain.

use linkhub_core::config::Role;
use linkhub_core::outbox::Outbox;
use linkhub_core::stages::{StageOutcome, dead_letter, metadata};
use linkhub_spin::component::{Answer, kv, objects, request, respond, sql, stage_endpoint};
use linkhub_spin::{SpinHttp, SpinSystem, config};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    respond(run(req).await)
}

async fn run(req: Request) -> Answer {
    let cfg = config(&[Role::Metadata]).await?;
    let (req, sql, blobs, kv) = (request(req).await?, sql().await?, objects().await?, kv().await?);
    let queue = Outbox { sql: &sql, sys: &SpinSystem };
    let deps = metadata::MetadataDeps {
        sql: &sql,
        blobs: &blobs,
        queue: &queue,
        http: &SpinHttp,
        kv: &kv,
        sys: &SpinSystem,
        cfg: &cfg,
    };
    Ok(stage_endpoint(&req, async |body: &str, dead| {
        if dead {
            dead_letter::process(&sql, &SpinSystem, body).await.unwrap_or(StageOutcome::RetryAfter(5))
        } else {
            metadata::process(&deps, body).await
        }
    })
    .await)
}
