//! The Spin ingest component: the ingestion routes (private, reached from the gateway). Accepted
//! links go to the SQL outbox; the drain component runs the stages.

use linkhub_contract::{Ports, run_requested};
use linkhub_core::api::ingest::{self, IngestDeps};
use linkhub_core::api::{self, Request as CoreRequest};
use linkhub_core::config::Role;
use linkhub_core::outbox::Outbox;
use linkhub_core::ports::System;
use linkhub_spin::component::{Answer, objects, request, respond, sql, unavailable};
use linkhub_spin::{KvBlobs, SpinHttp, SpinKv, SpinSql, SpinSystem, config, labels};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    respond(run(req).await)
}

async fn run(req: Request) -> Answer {
    let (req, sql, blobs) = (request(req).await?, sql().await?, objects().await?);
    if req.uri().path() == linkhub_contract::ROUTE && config(&[Role::Ingest]).await?.contract_route_enabled {
        return contract(&req, &sql, blobs).await;
    }
    let queue = Outbox { sql: &sql, sys: &SpinSystem };
    let deps = IngestDeps { sql: &sql, blobs: &blobs, queue: &queue, sys: &SpinSystem };
    Ok(ingest::handle(&deps, req).await)
}

/// Test-only (`contract_route = "enabled"`): the port contract suites against Spin's SQLite and
/// key-value stores, the chunked objects and the outbox. This component may not call out, so the
/// http suite does not run here (the metadata stage's end-to-end tests cover outbound HTTP).
async fn contract(req: &CoreRequest, sql: &SpinSql, blobs: KvBlobs) -> Answer {
    let kv = SpinKv::open(labels::OBJECTS).await.map_err(unavailable)?;
    let queue = Outbox { sql, sys: &SpinSystem };
    let ports = Ports { sql, kv: &kv, blobs: &blobs, queue: &queue, http: None::<&SpinHttp> };
    let report = run_requested(req.uri().query(), &format!("spin{}", SpinSystem.now_ms()), ports).await;
    Ok(api::json(http::StatusCode::OK, &report))
}
