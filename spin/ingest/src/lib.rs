//! The Spin ingest component: the ingestion routes (private, reached from the gateway). Accepted
//! links go to the SQL outbox; the drain component runs the stages.

use linkhub_core::api::ingest::{self, IngestDeps};
use linkhub_core::outbox::Outbox;
use linkhub_spin::SpinSystem;
use linkhub_spin::component::{Answer, objects, request, respond, sql};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    respond(run(req).await)
}

async fn run(req: Request) -> Answer {
    let (req, sql, blobs) = (request(req).await?, sql().await?, objects().await?);
    let queue = Outbox { sql: &sql, sys: &SpinSystem };
    let deps = IngestDeps { sql: &sql, blobs: &blobs, queue: &queue, sys: &SpinSystem };
    Ok(ingest::handle(&deps, req).await)
}
