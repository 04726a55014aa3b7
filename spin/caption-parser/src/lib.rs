//! The Spin caption-parser stage component: one outbox message per call from the drain.

use linkhub_core::stages::analysis::Which;
use linkhub_spin::component::{analysis_stage, respond};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    respond(analysis_stage(req, Which::Caption).await)
}
