//! The Spin ingest component: the ingestion routes (private, reached from the gateway). Accepted
//! links go to the SQL outbox; the drain component runs the stages.

use linkhub_core::api::ingest::{self, IngestDeps};
use linkhub_core::outbox::Outbox;
use linkhub_spin::component::{objects, sql, unavailable};
use linkhub_spin::{SpinSystem, from_core_response, to_core_request};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    let req = match to_core_request(req).await {
        Ok(r) => r,
        Err(e) => return from_core_response(unavailable(linkhub_core::ports::PortError::invalid(e))),
    };
    let (sql, blobs) = match (sql().await, objects().await) {
        (Ok(s), Ok(b)) => (s, b),
        (Err(e), _) | (_, Err(e)) => return from_core_response(unavailable(e)),
    };
    let queue = Outbox { sql: &sql, sys: &SpinSystem };
    let deps = IngestDeps { sql: &sql, blobs: &blobs, queue: &queue, sys: &SpinSystem };
    from_core_response(ingest::handle(&deps, req).await)
}
