//! What every Spin component shares: opening the stores, calling another component over Spin's
//! local service chaining (`http://{component}.spin.internal`), and the stage endpoint through
//! which the drain hands a component one outbox message.

use crate::{KvBlobs, SpinKv, SpinSql, SpinSystem, from_core_response, labels, to_core_request};
use http::StatusCode;
use linkhub_core::api::{self, Request as CoreRequest, Response as CoreResponse};
use linkhub_core::config::Role;
use linkhub_core::error::ApiError;
use linkhub_core::outbox::Delivery;
use linkhub_core::outbox::Outbox;
use linkhub_core::ports::{Http, OutboundRequest, PortError, Topic};
use linkhub_core::stages::StageOutcome;
use linkhub_core::stages::analysis::{self, AnalysisDeps, Which};
use spin_sdk::http::{IntoResponse, Request};

/// Largest response read back from a chained component (thumbnails are well under this).
const MAX_CHAINED_RESPONSE: usize = 16 * 1024 * 1024;

/// A component's answer: `Err` carries the error response of a step that could not go on.
pub type Answer = Result<CoreResponse, CoreResponse>;

/// Converts the answer for Spin.
pub fn respond(answer: Answer) -> impl IntoResponse {
    from_core_response(answer.unwrap_or_else(|e| e))
}

/// The incoming request as the core's type.
pub async fn request(req: Request) -> Result<CoreRequest, CoreResponse> {
    to_core_request(req).await.map_err(|e| api::error(&e))
}

pub async fn sql() -> Result<SpinSql, CoreResponse> {
    SpinSql::open(labels::DB).await.map_err(unavailable)
}

pub async fn kv() -> Result<SpinKv, CoreResponse> {
    SpinKv::open(labels::KV).await.map_err(unavailable)
}

pub async fn objects() -> Result<KvBlobs, CoreResponse> {
    KvBlobs::open(labels::OBJECTS).await.map_err(unavailable)
}

/// The caller's IP address from `spin-client-addr` (`ip:port`), which Spin sets on every
/// incoming request, replacing any the caller sent.
pub fn client_address(req: &CoreRequest) -> Option<String> {
    let addr = api::header(req, "spin-client-addr")?;
    addr.parse::<std::net::SocketAddr>().map(|a| a.ip().to_string()).ok().or_else(|| Some(addr.to_owned()))
}

/// An error response for a port failure (details go to the log, not the body).
pub fn unavailable(e: PortError) -> CoreResponse {
    api::error(&ApiError::from(e))
}

/// The component (spin.toml) the gateway chains a function's routes to; none for what the
/// gateway answers itself or what spin.toml routes elsewhere.
pub fn component_of(service: linkhub_core::routes::Service) -> Option<&'static str> {
    use linkhub_core::routes::Service;
    match service {
        Service::Ingest => Some("ingest"),
        Service::Products => Some("products"),
        Service::Storefront => Some("storefront"),
        Service::Media => Some("thumbnailer"),
        Service::Whatsapp => Some("whatsapp"),
        Service::Gateway | Service::Drain | Service::Stage => None,
    }
}

/// Sends the request to another component of this app and returns its answer.
pub async fn chain(component: &str, req: CoreRequest) -> CoreResponse {
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let (parts, body) = req.into_parts();
    let headers =
        parts.headers.iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())).collect();
    let out = OutboundRequest {
        method: parts.method,
        url: format!("http://{component}.spin.internal{path}"),
        headers,
        body,
        max_response_bytes: MAX_CHAINED_RESPONSE,
    };
    match crate::SpinHttp.send(out).await {
        Ok(r) => {
            let mut b = http::Response::builder().status(r.status);
            for (k, v) in r.headers {
                b = b.header(k, v);
            }
            b.body(r.body).unwrap_or_else(|e| api::error(&ApiError::internal(e.to_string())))
        }
        Err(e) => unavailable(PortError::unavailable(format!("{component}: {}", e.detail))),
    }
}

/// The path the drain posts a [`Delivery`] to, in each stage component.
pub const STAGE_PATH: &str = "/internal/stage";

/// Parses a delivery, runs the stage, answers the outcome as JSON.
pub async fn stage_endpoint<F>(req: &CoreRequest, run: F) -> CoreResponse
where
    F: AsyncFnOnce(&str, bool) -> StageOutcome,
{
    topic_endpoint(req, async |_, body: &str, dead| run(body, dead).await).await
}

/// [`stage_endpoint`] for a component that consumes several topics: the delivery's topic too.
pub async fn topic_endpoint<F>(req: &CoreRequest, run: F) -> CoreResponse
where
    F: AsyncFnOnce(Option<Topic>, &str, bool) -> StageOutcome,
{
    if req.method() != http::Method::POST {
        return api::error(&api::method_not_allowed());
    }
    let Ok(delivery) = serde_json::from_slice::<Delivery>(req.body()) else {
        return api::error(&ApiError::bad_request("invalid_delivery", "the body is not a stage delivery"));
    };
    let outcome = run(Topic::from_name(&delivery.topic), &delivery.body, delivery.dead).await;
    api::json(StatusCode::OK, &outcome)
}

/// The caption-parser and auto-tagger components: one outbox delivery of their stage.
pub async fn analysis_stage(req: Request, which: Which) -> Answer {
    let cfg = crate::config(&[Role::Stage]).await?;
    let (req, sql) = (request(req).await?, sql().await?);
    let queue = Outbox { sql: &sql, sys: &SpinSystem };
    let deps = AnalysisDeps { sql: &sql, queue: &queue, sys: &SpinSystem, cfg: &cfg };
    Ok(stage_endpoint(&req, async |body: &str, dead| {
        if dead { analysis::dead_letter(&deps, which, body).await } else { analysis::process(&deps, which, body).await }
    })
    .await)
}

/// Sends one delivery to a stage component and reads its outcome; a failed call is a retry.
pub async fn deliver(component: &str, delivery: &Delivery) -> StageOutcome {
    let body = serde_json::to_vec(delivery).unwrap_or_default();
    let req = http::Request::builder()
        .method(http::Method::POST)
        .uri(STAGE_PATH)
        .header("content-type", "application/json")
        .body(body);
    let Ok(req) = req else { return StageOutcome::RetryAfter(5) };
    let resp = chain(component, req).await;
    if resp.status() != StatusCode::OK {
        return StageOutcome::RetryAfter(5);
    }
    serde_json::from_slice(resp.body()).unwrap_or(StageOutcome::RetryAfter(5))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::client_address;

    fn req(headers: &[(&str, &str)]) -> linkhub_core::api::Request {
        let mut b = http::Request::builder().uri("/api/v1/auth/login");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Vec::new()).unwrap()
    }

    #[test]
    fn the_client_is_spins_address_not_a_header_the_caller_sets() {
        assert_eq!(client_address(&req(&[("spin-client-addr", "203.0.113.9:51234")])).as_deref(), Some("203.0.113.9"));
        assert_eq!(client_address(&req(&[("spin-client-addr", "[2001:db8::1]:443")])).as_deref(), Some("2001:db8::1"));
        assert_eq!(client_address(&req(&[("cf-connecting-ip", "198.51.100.1")])), None);
    }
}
