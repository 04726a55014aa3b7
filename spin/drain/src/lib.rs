//! The Spin drain component: Spin has no queue, so stage messages wait in the SQL outbox and this
//! component delivers them. `POST /internal/drain` claims due messages and hands each to its
//! stage component over local service chaining, settling it with the Queues path's retry,
//! backoff and dead-letter rules (`linkhub_core::outbox`); a scheduler calls it (every few
//! seconds: a cron job, SpinKube's cron trigger, or the test host). `POST /internal/migrate`
//! applies the SQL migrations. Both require `Authorization: Bearer <drain_token>`.

use http::StatusCode;
use linkhub_core::api::{self, header};
use linkhub_core::outbox::{self, Delivery};
use linkhub_core::ports::{System, Topic};
use linkhub_spin::component::{deliver, sql, unavailable};
use linkhub_spin::{SpinSystem, config, from_core_response, to_core_request};
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
    }
}

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    let cfg = config().await;
    let req = match to_core_request(req).await {
        Ok(r) => r,
        Err(e) => return from_core_response(unavailable(linkhub_core::ports::PortError::invalid(e))),
    };
    if req.method() != http::Method::POST {
        return from_core_response(api::error(&api::method_not_allowed()));
    }
    if let Err(e) = outbox::authorize_drain(&cfg, header(&req, "authorization")) {
        return from_core_response(api::error(&e));
    }
    let sql = match sql().await {
        Ok(s) => s,
        Err(e) => return from_core_response(unavailable(e)),
    };
    let resp = match req.uri().path() {
        "/internal/migrate" => match linkhub_core::migrations::apply(&sql, SpinSystem.now_ms()).await {
            Ok(applied) => api::json(StatusCode::OK, &serde_json::json!({ "applied": applied })),
            Err(e) => unavailable(e),
        },
        "/internal/drain" => {
            let run = outbox::drain(&sql, &SpinSystem, MAX_PER_CALL, async |topic, body: &str, dead| {
                let delivery = Delivery { topic: topic.name().to_owned(), body: body.to_owned(), dead };
                deliver(component(topic), &delivery).await
            });
            match run.await {
                Ok(report) => api::json(StatusCode::OK, &report),
                Err(e) => unavailable(e),
            }
        }
        _ => api::error(&api::route_not_found()),
    };
    from_core_response(resp)
}
