//! The Spin thumbnailer component: the thumbnail stage (one outbox message per call from the
//! drain) and the public `/media/...` route (reached from the gateway).

use linkhub_core::api::media;
use linkhub_core::config::Role;
use linkhub_core::stages::thumbnail;
use linkhub_spin::component::{Answer, STAGE_PATH, objects, request, respond, sql, stage_endpoint};
use linkhub_spin::{SpinSystem, config};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    respond(run(req).await)
}

async fn run(req: Request) -> Answer {
    let (req, sql, blobs) = (request(req).await?, sql().await?, objects().await?);
    if req.uri().path() != STAGE_PATH {
        return Ok(media::serve(&sql, &blobs, &SpinSystem, &req).await);
    }
    let cfg = config(&[Role::Stage]).await?;
    let deps = thumbnail::ThumbnailDeps { sql: &sql, blobs: &blobs, sys: &SpinSystem, cfg: &cfg };
    Ok(stage_endpoint(&req, async |body: &str, dead| {
        if dead {
            thumbnail::dead_letter(&sql, &SpinSystem, &cfg, body).await
        } else {
            thumbnail::process(&deps, body).await
        }
    })
    .await)
}
