//! The Spin caption-parser stage component: one outbox message per call from the drain.

use linkhub_core::outbox::Outbox;
use linkhub_core::stages::analysis::{self, Which};
use linkhub_spin::component::{sql, stage_endpoint, unavailable};
use linkhub_spin::{SpinSystem, from_core_response, to_core_request};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    let req = match to_core_request(req).await {
        Ok(r) => r,
        Err(e) => return from_core_response(unavailable(linkhub_core::ports::PortError::invalid(e))),
    };
    let sql = match sql().await {
        Ok(s) => s,
        Err(e) => return from_core_response(unavailable(e)),
    };
    let queue = Outbox { sql: &sql, sys: &SpinSystem };
    from_core_response(
        stage_endpoint(&req, async |body: &str, dead| {
            if dead {
                analysis::dead_letter(&sql, &queue, &SpinSystem, Which::Caption, body).await
            } else {
                analysis::process(&sql, &queue, &SpinSystem, Which::Caption, body).await
            }
        })
        .await,
    )
}
