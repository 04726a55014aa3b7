//! The Spin drain component: Spin has no queue, so stage messages wait in the SQL outbox and this
//! component delivers them. `POST /internal/drain` claims due messages and hands each to its
//! stage component over local service chaining, settling it with the Queues path's retry,
//! backoff and dead-letter rules (`linkhub_core::outbox`); a scheduler calls it (every few
//! seconds: a cron job, SpinKube's cron trigger, or the test host). `POST /internal/migrate`
//! applies the SQL migrations. Both require `Authorization: Bearer <drain_token>`.

use http::StatusCode;
use linkhub_core::api::{self, header};
use linkhub_core::config::Role;
use linkhub_core::log::LogCtx;
use linkhub_core::maintenance;
use linkhub_core::outbox::{self, Delivery};
use linkhub_core::ports::{System, Topic};
use linkhub_spin::component::{Answer, deliver, request, respond, sql, unavailable};
use linkhub_spin::{SpinSystem, config};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

/// Most messages one call delivers, so a call stays well inside a request's time budget.
const MAX_PER_CALL: usize = 50;

fn component(topic: Topic) -> &'static str {
    match topic {
        Topic::Metadata => "metadata",
        Topic::Caption => "caption-parser",
        Topic::Thumbnail => "thumbnailer",
        Topic::Tagging => "auto-tagger",
        Topic::Import => "products",
        Topic::Whatsapp => "whatsapp",
        Topic::WhatsappSend => "whatsapp",
    }
}

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    respond(run(req).await)
}

async fn run(req: Request) -> Answer {
    let cfg = config(&[Role::Drain]).await?;
    let req = request(req).await?;
    if req.method() != http::Method::POST {
        return Err(api::error(&api::method_not_allowed()));
    }
    outbox::authorize_drain(&cfg, header(&req, "authorization")).map_err(|e| api::error(&e))?;
    let sql = sql().await?;
    match req.uri().path() {
        "/internal/migrate" => {
            let applied = linkhub_core::migrations::apply(&sql, SpinSystem.now_ms()).await.map_err(unavailable)?;
            Ok(api::json(StatusCode::OK, &serde_json::json!({ "applied": applied })))
        }
        "/internal/drain" => {
            let report = outbox::drain(&sql, &SpinSystem, MAX_PER_CALL, async |topic, body: &str, dead| {
                let delivery = Delivery { topic: topic.name().to_owned(), body: body.to_owned(), dead };
                deliver(component(topic), &delivery).await
            })
            .await
            .map_err(unavailable)?;
            // Spin has no timer: housekeeping rides on the drain's schedule, at most every ten
            // minutes. A failure here is logged and left to the next call.
            if let Err(e) = maintenance::sweep_if_due(&sql, &SpinSystem).await {
                LogCtx::new("maintenance").error(
                    &SpinSystem,
                    "sweep failed; the next drain tries again",
                    &e.to_string(),
                );
            }
            Ok(api::json(StatusCode::OK, &report))
        }
        _ => Err(api::error(&api::route_not_found())),
    }
}
