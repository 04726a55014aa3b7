//! The Spin products component: the catalog, storefront settings, image uploads, bulk imports and public
//! catalog reads (private, reached from the gateway), with the cache's second level in Spin
//! key-value; and the import runs the drain hands it (one outbox message per call).

use linkhub_core::api::products::{self, ProductsDeps};
use linkhub_core::imports::{self, ImportDeps};
use linkhub_core::outbox::Outbox;
use linkhub_spin::SpinSystem;
use linkhub_spin::component::{Answer, STAGE_PATH, kv, objects, request, respond, sql, stage_endpoint};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    respond(run(req).await)
}

async fn run(req: Request) -> Answer {
    let (req, sql) = (request(req).await?, sql().await?);
    let queue = Outbox { sql: &sql, sys: &SpinSystem };
    if req.uri().path() == STAGE_PATH {
        let deps = ImportDeps { sql: &sql, queue: &queue, sys: &SpinSystem };
        return Ok(stage_endpoint(&req, async |body: &str, dead| {
            if dead { imports::dead_letter(&sql, &SpinSystem, body).await } else { imports::process(&deps, body).await }
        })
        .await);
    }
    let (kv, blobs) = (kv().await?, objects().await?);
    let deps = ProductsDeps { sql: &sql, kv: &kv, blobs: &blobs, queue: &queue, sys: &SpinSystem };
    Ok(products::handle(&deps, req).await)
}
