//! Test-only Spin component (`/_contract` in the end-to-end manifest): the port contract suites
//! against Spin's SQLite and key-value stores, the chunked objects and the outbox. It declares no
//! outbound hosts, so the http suite runs on workerd only.

use linkhub_contract::{Ports, run_requested};
use linkhub_core::api;
use linkhub_core::outbox::Outbox;
use linkhub_core::ports::System;
use linkhub_spin::component::{Answer, objects, request, respond, sql, unavailable};
use linkhub_spin::{SpinHttp, SpinKv, SpinSystem, labels};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    respond(run(req).await)
}

async fn run(req: Request) -> Answer {
    let (req, sql, blobs) = (request(req).await?, sql().await?, objects().await?);
    let kv = SpinKv::open(labels::OBJECTS).await.map_err(unavailable)?;
    let queue = Outbox { sql: &sql, sys: &SpinSystem };
    let ports = Ports { sql: &sql, kv: &kv, blobs: &blobs, queue: &queue, http: None::<&SpinHttp> };
    let report = run_requested(req.uri().query(), &format!("spin{}", SpinSystem.now_ms()), ports).await;
    Ok(api::json(http::StatusCode::OK, &report))
}
