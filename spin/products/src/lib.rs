//! The Spin products component: the catalog, storefront settings and public catalog reads
//! (private, reached from the gateway), with the cache's second level in Spin key-value.

use linkhub_core::api::products::{self, ProductsDeps};
use linkhub_spin::SpinSystem;
use linkhub_spin::component::{Answer, kv, request, respond, sql};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    respond(run(req).await)
}

async fn run(req: Request) -> Answer {
    let (req, sql, kv) = (request(req).await?, sql().await?, kv().await?);
    let deps = ProductsDeps { sql: &sql, kv: &kv, sys: &SpinSystem };
    Ok(products::handle(&deps, req).await)
}
