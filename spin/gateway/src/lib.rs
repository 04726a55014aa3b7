//! The Spin gateway component: the same gateway as the Workers' (request ids, CORS, health,
//! OpenAPI, accounts, rate limits), forwarding ingestion routes to the ingest component and
//! `/media/...` to the thumbnailer over Spin's local service chaining.

use linkhub_core::api::gateway::{self, Action, GatewayDeps, Service};
use linkhub_spin::component::{chain, kv, sql, unavailable};
use linkhub_spin::{SpinSystem, config, from_core_response, to_core_request};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    let cfg = config().await;
    let req = match to_core_request(req).await {
        Ok(r) => r,
        Err(e) => return from_core_response(unavailable(linkhub_core::ports::PortError::invalid(e))),
    };
    let (sql, kv) = match (sql().await, kv().await) {
        (Ok(s), Ok(k)) => (s, k),
        (Err(e), _) | (_, Err(e)) => return from_core_response(unavailable(e)),
    };
    let deps = GatewayDeps { sql: &sql, kv: &kv, sys: &SpinSystem, cfg: &cfg };
    let (ctx, action) = gateway::route(&deps, req).await;
    let resp = match action {
        Action::Respond(r) => r,
        Action::Forward(Service::Ingest, r) => chain("ingest", r).await,
        Action::Forward(Service::Media, r) => chain("thumbnailer", r).await,
    };
    from_core_response(gateway::finish(&SpinSystem, &cfg, &ctx, resp))
}
