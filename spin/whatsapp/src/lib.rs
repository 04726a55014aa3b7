//! The Spin WhatsApp component: Meta's webhook, the seller's connection and the inbox (private,
//! reached from the gateway), and the delivery consumer (one outbox message per call from the
//! drain). Delivery bodies go to the `objects` store (chunked, `linkhub_spin::KvBlobs`), their
//! references to the SQL outbox.

use linkhub_core::api::whatsapp::{self, WhatsappDeps};
use linkhub_core::config::Role;
use linkhub_core::outbox::Outbox;
use linkhub_core::whatsapp::webhook;
use linkhub_spin::component::{Answer, STAGE_PATH, objects, request, respond, sql, stage_endpoint};
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
    if req.uri().path() == STAGE_PATH {
        return Ok(stage_endpoint(&req, async |body: &str, dead| {
            if dead {
                webhook::dead_letter(&sql, &SpinSystem, body).await
            } else {
                webhook::process(&sql, &blobs, &SpinSystem, &cfg, body).await
            }
        })
        .await);
    }
    let queue = Outbox { sql: &sql, sys: &SpinSystem };
    let deps = WhatsappDeps { sql: &sql, blobs: &blobs, queue: &queue, http: &SpinHttp, sys: &SpinSystem, cfg: &cfg };
    Ok(whatsapp::handle(&deps, req).await)
}
