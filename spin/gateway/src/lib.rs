//! The Spin gateway component: the same gateway as the Workers' (request ids, CORS, health,
//! OpenAPI, accounts, rate limits), forwarding ingestion routes to the ingest component and
//! `/media/...` to the thumbnailer over Spin's local service chaining.

use linkhub_core::api::gateway::{self, Action, GatewayDeps};
use linkhub_core::config::Role;
use linkhub_spin::component::{Answer, chain, client_address, component_of, kv, request, respond, sql};
use linkhub_spin::{SpinSystem, config};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    respond(run(req).await)
}

async fn run(req: Request) -> Answer {
    let cfg = config(&[Role::Gateway]).await?;
    let (req, sql, kv) = (request(req).await?, sql().await?, kv().await?);
    let client = client_address(&req);
    let deps = GatewayDeps { sql: &sql, kv: &kv, sys: &SpinSystem, cfg: &cfg, client: client.as_deref() };
    let (ctx, action) = gateway::route(&deps, req).await;
    let resp = match action {
        Action::Respond(r) => r,
        Action::Forward(service, r) => match component_of(service) {
            Some(component) => chain(component, r).await,
            None => linkhub_core::api::error(&linkhub_core::routes::route_not_found()),
        },
    };
    Ok(gateway::finish(&SpinSystem, &cfg, &ctx, resp))
}
