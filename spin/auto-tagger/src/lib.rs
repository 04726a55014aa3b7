//! The Spin auto-tagger stage component: one outbox message per call from the drain.

use linkhub_core::outbox::Outbox;
use linkhub_core::stages::analysis::{self, Which};
use linkhub_spin::SpinSystem;
use linkhub_spin::component::{Answer, request, respond, sql, stage_endpoint};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    respond(run(req).await)
}

async fn run(req: Request) -> Answer {
    let (req, sql) = (request(req).await?, sql().await?);
    let queue = Outbox { sql: &sql, sys: &SpinSystem };
    Ok(stage_endpoint(&req, async |body: &str, dead| {
        if dead {
            analysis::dead_letter(&sql, &queue, &SpinSystem, Which::Tagging, body).await
        } else {
            analysis::process(&sql, &queue, &SpinSystem, Which::Tagging, body).await
        }
    })
    .await)
}
