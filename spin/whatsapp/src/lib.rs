//! The Spin WhatsApp component: Meta's webhook, the seller's connection and the inbox (private,
//! reached from the gateway), and the delivery and send consumers (one outbox message per call
//! from the drain). Delivery bodies go to the `objects` store (chunked, `linkhub_spin::KvBlobs`),
//! buyers' media too; references and send jobs go to the SQL outbox, the sender's breakers to
//! `default`.

use linkhub_core::api::whatsapp::{self, WhatsappDeps};
use linkhub_core::config::Role;
use linkhub_core::outbox::Outbox;
use linkhub_core::ports::Topic;
use linkhub_core::whatsapp::send::{self, SendDeps};
use linkhub_core::whatsapp::webhook;
use linkhub_spin::component::{Answer, STAGE_PATH, kv, objects, request, respond, sql, topic_endpoint};
use linkhub_spin::{SpinHttp, SpinSystem, config};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    respond(run(req).await)
}

async fn run(req: Request) -> Answer {
    let cfg = config(&[Role::Whatsapp]).await?;
    let (req, sql, blobs) = (request(req).await?, sql().await?, objects().await?);
    let queue = Outbox { sql: &sql, sys: &SpinSystem };
    if req.uri().path() == STAGE_PATH {
        let kv = kv().await?;
        let deps =
            SendDeps { sql: &sql, kv: &kv, blobs: &blobs, queue: &queue, http: &SpinHttp, sys: &SpinSystem, cfg: &cfg };
        return Ok(topic_endpoint(&req, async |topic, body: &str, dead| match (topic, dead) {
            (Some(Topic::WhatsappSend), true) => send::dead_letter(&sql, &SpinSystem, body).await,
            (Some(Topic::WhatsappSend), false) => send::process(&deps, body).await,
            (_, true) => webhook::dead_letter(&sql, &SpinSystem, body).await,
            (_, false) => webhook::process(&sql, &blobs, &queue, &SpinSystem, &cfg, body).await,
        })
        .await);
    }
    let deps = WhatsappDeps { sql: &sql, blobs: &blobs, queue: &queue, http: &SpinHttp, sys: &SpinSystem, cfg: &cfg };
    Ok(whatsapp::handle(&deps, req).await)
}
