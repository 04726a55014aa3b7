//! The Spin thumbnailer component: the thumbnail stage (one outbox message per call from the
//! drain) and the public `/media/...` route (reached from the gateway).

use linkhub_core::api::media;
use linkhub_core::stages::thumbnail;
use linkhub_spin::component::{STAGE_PATH, objects, sql, stage_endpoint, unavailable};
use linkhub_spin::{SpinSystem, from_core_response, to_core_request};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    let req = match to_core_request(req).await {
        Ok(r) => r,
        Err(e) => return from_core_response(unavailable(linkhub_core::ports::PortError::invalid(e))),
    };
    let (sql, blobs) = match (sql().await, objects().await) {
        (Ok(s), Ok(b)) => (s, b),
        (Err(e), _) | (_, Err(e)) => return from_core_response(unavailable(e)),
    };
    if req.uri().path() != STAGE_PATH {
        return from_core_response(media::serve(&sql, &blobs, &req).await);
    }
    from_core_response(
        stage_endpoint(&req, async |body: &str, dead| {
            if dead {
                thumbnail::dead_letter(&sql, &SpinSystem, body).await
            } else {
                thumbnail::process(&sql, &blobs, &SpinSystem, body).await
            }
        })
        .await,
    )
}
