//! The Spin storefront component: the public pages, the product's QR code and the
//! click-to-chat redirect (private, reached from the gateway), with the page cache's second
//! level in Spin key-value.

use linkhub_core::api::pages::{self, PagesDeps};
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
    Ok(pages::handle(&PagesDeps { sql: &sql, kv: &kv, sys: &SpinSystem }, req).await)
}
