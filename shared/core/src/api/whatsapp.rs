//! The WhatsApp function's routes: Meta's webhook (the handshake and signed deliveries), the
//! seller's connection and templates, and the inbox (conversations, sending). Deliveries and
//! sends are carried out by the same function's queue consumers
//! (`crate::whatsapp::webhook::process`, `crate::whatsapp::send::process`).

use super::{Request, Response, json, parse_json};
use crate::config::Config;
use crate::error::ApiResult;
use crate::log::LogCtx;
use crate::ports::{Blobs, Http, Queue, Sql, System};
use crate::routes::{RouteId, Service};
use crate::whatsapp::{connection, conversations, send, templates, webhook};
use http::StatusCode;

pub struct WhatsappDeps<'a, S, B, Q, H, Y> {
    pub sql: &'a S,
    /// Delivery bodies, until the consumer has applied them; buyers' media.
    pub blobs: &'a B,
    /// References to delivery bodies (`Topic::Whatsapp`) and messages to send
    /// (`Topic::WhatsappSend`).
    pub queue: &'a Q,
    /// Graph, for the connection check.
    pub http: &'a H,
    pub sys: &'a Y,
    pub cfg: &'a Config,
}

pub async fn handle<S: Sql, B: Blobs, Q: Queue, H: Http, Y: System>(
    d: &WhatsappDeps<'_, S, B, Q, H, Y>,
    req: Request,
) -> Response {
    let result = dispatch(d, &req).await;
    if let Err(e) = &result
        && matches!(e.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
        && req.uri().path().starts_with("/webhooks/")
    {
        // A refused delivery or handshake is worth an operator's look: a wrong app secret or
        // verify token loses every buyer's message.
        LogCtx::new("whatsapp").with("code", e.code).warn(d.sys, "webhook request refused", &e.message);
    }
    super::answer("whatsapp", d.sys, &req, result)
}

async fn dispatch<S: Sql, B: Blobs, Q: Queue, H: Http, Y: System>(
    d: &WhatsappDeps<'_, S, B, Q, H, Y>,
    req: &Request,
) -> ApiResult<Response> {
    let m = super::matched(req, Service::Whatsapp)?;
    Ok(match m.id() {
        RouteId::WhatsappWebhookVerify | RouteId::WhatsappWebhook => {
            webhook::receive(d.blobs, d.queue, d.sys, d.cfg, req).await?
        }
        RouteId::PutWhatsappConnection => {
            let seller = super::seller(req)?;
            let view = connection::put(d.sql, d.http, d.sys, d.cfg, &seller, parse_json(req)?).await?;
            json(StatusCode::OK, &view)
        }
        RouteId::GetWhatsappConnection => json(StatusCode::OK, &connection::get(d.sql, &super::seller(req)?).await?),
        RouteId::DeleteWhatsappConnection => {
            connection::delete(d.sql, &super::seller(req)?).await?;
            super::empty(StatusCode::NO_CONTENT)
        }
        RouteId::ListTemplates => json(StatusCode::OK, &templates::list(d.sql, &super::seller(req)?).await?),
        RouteId::CreateTemplate => {
            let seller = super::seller(req)?;
            json(StatusCode::CREATED, &templates::create(d.sql, d.http, d.sys, d.cfg, &seller, parse_json(req)?).await?)
        }
        RouteId::DeleteTemplate => {
            let q: templates::DeleteQuery = super::query(req)?;
            templates::delete(d.sql, d.http, d.cfg, &super::seller(req)?, &q.name).await?;
            super::empty(StatusCode::NO_CONTENT)
        }
        RouteId::ListConversations => {
            let page = conversations::list(d.sql, d.sys, &super::seller(req)?, super::query(req)?).await?;
            json(StatusCode::OK, &page)
        }
        RouteId::GetConversation => {
            json(StatusCode::OK, &conversations::get(d.sql, d.sys, &super::seller(req)?, m.param("id")).await?)
        }
        RouteId::UpdateConversation => {
            let seller = super::seller(req)?;
            let detail = conversations::update(d.sql, d.queue, d.sys, &seller, m.param("id"), parse_json(req)?).await?;
            json(StatusCode::OK, &detail)
        }
        RouteId::GetMessageMedia => {
            let blob = conversations::media(d.sql, d.blobs, &super::seller(req)?, m.param("id")).await?;
            let mut r = super::bytes(StatusCode::OK, "application/octet-stream", blob.bytes);
            let h = r.headers_mut();
            if let Ok(v) = http::HeaderValue::from_str(&blob.content_type) {
                h.insert(http::header::CONTENT_TYPE, v);
            }
            h.insert(http::header::X_CONTENT_TYPE_OPTIONS, http::HeaderValue::from_static("nosniff"));
            // Only images are shown inline; anything else is a download, never a page.
            if !blob.content_type.starts_with("image/") {
                h.insert(http::header::CONTENT_DISPOSITION, http::HeaderValue::from_static("attachment"));
            }
            h.insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static("private, max-age=86400"));
            r
        }
        RouteId::SendMessage => {
            let seller = super::seller(req)?;
            let key = super::header(req, "idempotency-key");
            let (status, message) =
                send::send(d.sql, d.queue, d.sys, &seller, m.param("id"), key, parse_json(req)?).await?;
            json(status, &message)
        }
        _ => return Err(super::route_not_found()),
    })
}
