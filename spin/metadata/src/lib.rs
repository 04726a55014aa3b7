//! The Spin metadata stage component: one outbox message per call from the drain.

use linkhub_core::outbox::Outbox;
use linkhub_core::stages::{StageOutcome, dead_letter, metadata};
use linkhub_spin::component::{objects, sql, stage_endpoint, unavailable};
use linkhub_spin::{SpinHttp, SpinSystem, config, from_core_response, to_core_request};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    let cfg = config().await;
    let req = match to_core_request(req).await {
        Ok(r) => r,
        Err(e) => return from_core_response(unavailable(linkhub_core::ports::PortError::invalid(e))),
    };
    let (sql, blobs) = match (sql().await, objects().await) {
        (Ok(s), Ok(b)) => (s, b),
        (Err(e), _) | (_, Err(e)) => return from_core_response(unavailable(e)),
    };
    let queue = Outbox { sql: &sql, sys: &SpinSystem };
    let deps = metadata::MetadataDeps {
        sql: &sql,
        blobs: &blobs,
        queue: &queue,
        http: &SpinHttp,
        sys: &SpinSystem,
        cfg: &cfg,
    };
    from_core_response(
        stage_endpoint(&req, async |body: &str, dead| {
            if dead {
                dead_letter::process(&sql, &SpinSystem, body).await.unwrap_or(StageOutcome::RetryAfter(5))
            } else {
                metadata::process(&deps, body).await
            }
        })
        .await,
    )
}
