//! The WhatsApp sender. A message is checked (Meta's limits, the 24-hour window, the buyer's
//! STOP, the template's review), stored as a `queued` outbound row and put on the send queue
//! before the API answers 202; the queue's consumer makes the Graph call:
//!
//! - **Accepted**: the row takes Graph's `wamid` (status `accepted`); Meta's statuses then move
//!   it on (`sent`, `delivered`, `read`), also when one of them arrived first.
//! - **Retried**: a network fault, HTTP 429 or 5xx, and Graph's throttling and transient codes
//!   (130429, 131056, 131000, 131016, 80007, 4, 1, 2) come back after `RETRY_BASE_DELAY_SECONDS`
//!   × 2^(n-1) (capped at `RETRY_MAX_DELAY_SECONDS`, at least 6 s for the pair rate 131056),
//!   with full jitter over the upper half, up to [`MAX_ATTEMPTS`] calls; then `failed`.
//! - **Breaker**: one per sending number in KV (`crate::breaker`: open after 5 consecutive
//!   failures, or half of 10+ calls in 30 s, for 30 s; then one probe). While it is open messages
//!   wait without spending an attempt.
//! - **Throughput**: at most `WHATSAPP_SEND_PER_SECOND` calls per number per second (Meta's
//!   default is 80), counted in SQL; the rest wait a second.
//! - **Outside the window** (131047, synchronously or in a `failed` status): the message is
//!   `failed` and the seller's re-engagement template, when one is set and the buyer has not said
//!   STOP, is queued in its place (`replaced_by`).
//! - **Refused** otherwise (a bad parameter, a template mismatch, a blocked buyer): `failed` with
//!   Graph's code and message, for the inbox to show.
//!
//! A message is claimed with a lease before its call, so a redelivered queue message never sends
//! twice at once. Read receipts and the fetching of buyers' media (`super::media`) ride the same
//! queue and retry rules.

use super::conversations::{self, MessageView, WINDOW_MS};
use super::graph::{self, Failure};
use super::message::{Context, Envelope, Language, Outgoing, ReadReceipt, SendAnswer, Template};
use crate::accounts::SellerId;
use crate::breaker::{self, Breaker, Gate};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::log::LogCtx;
use crate::ports::{Blobs, Http, Kv, PortErrorKind, Queue, Sql, Stmt, System, Topic};
use crate::stages::StageOutcome;
use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};

/// Largest send request: a 4,096-character text of four-byte characters, escaped, fits.
pub const SEND_BODY: usize = 64 * 1024;
/// Graph calls one message may make before it is failed.
pub const MAX_ATTEMPTS: i64 = 6;
/// How long a consumer owns a message it is sending.
pub const LEASE_MS: i64 = 60_000;
/// Graph's code for a free-form message outside the customer-service window.
pub const OUTSIDE_WINDOW: i64 = 131_047;
/// Graph's pair rate limit: too many messages to one buyer in a short time.
const PAIR_RATE: i64 = 131_056;

/// What the send queue carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum Job {
    Message {
        seller: String,
        id: String,
    },
    Read {
        seller: String,
        wamid: String,
        #[serde(default)]
        attempt: u32,
    },
    /// A buyer's medium to fetch into the blob store (`super::media`).
    Media {
        seller: String,
        wamid: String,
        kind: String,
        media_id: String,
        #[serde(default)]
        attempt: u32,
    },
}

/// `POST /api/v1/inbox/conversations/{id}/messages`: one message in Graph's shape (`type` and
/// its object), optionally answering one of the buyer's.
#[derive(Debug, Deserialize)]
pub struct SendInput {
    #[serde(flatten)]
    pub message: Outgoing,
    /// The wamid of the message this one answers (shown quoted to the buyer).
    #[serde(default)]
    pub reply_to: Option<String>,
}

pub struct SendDeps<'a, S, K, B, Q, H, Y> {
    pub sql: &'a S,
    /// Buyers' media, fetched from Graph.
    pub blobs: &'a B,
    /// The breakers' shared state.
    pub kv: &'a K,
    pub queue: &'a Q,
    pub http: &'a H,
    pub sys: &'a Y,
    pub cfg: &'a Config,
}

#[derive(Deserialize)]
struct Target {
    last_inbound_at: Option<i64>,
    opted_out_at: Option<i64>,
    connected: i64,
}

/// Checks and queues one message; 202 with the queued message (200 with the earlier one when
/// the `Idempotency-Key` was used before).
pub async fn send(
    sql: &impl Sql,
    queue: &impl Queue,
    sys: &impl System,
    seller: &SellerId,
    conversation_id: &str,
    idempotency_key: Option<&str>,
    input: SendInput,
) -> ApiResult<(StatusCode, MessageView)> {
    input.message.validate()?;
    let key = idempotency_key.map(str::trim).filter(|k| !k.is_empty());
    if key.is_some_and(|k| k.len() > 255) {
        return Err(ApiError::bad_request("invalid_idempotency_key", "Idempotency-Key must be at most 255 characters"));
    }
    let target: Target = crate::repo::opt(
        sql,
        Stmt::new(
            "SELECT v.last_inbound_at, c.opted_out_at, \
             EXISTS (SELECT 1 FROM wa_connections w WHERE w.seller_id = v.seller_id) AS connected \
             FROM wa_conversations v JOIN wa_contacts c ON c.id = v.contact_id AND c.seller_id = v.seller_id \
             WHERE v.seller_id = ? AND v.id = ?",
        )
        .bind(&seller.0)
        .bind(conversation_id),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("no such conversation"))?;
    if let Some(k) = key
        && let Some(id) = existing(sql, seller, k).await?
    {
        return Ok((StatusCode::OK, conversations::message(sql, seller, &id).await?));
    }
    if target.connected == 0 {
        return Err(ApiError::conflict("whatsapp_not_connected", "connect a WhatsApp number before sending"));
    }
    let now = sys.now_ms();
    let window_open = target.last_inbound_at.is_some_and(|t| t > 0 && now < t + WINDOW_MS);
    if let Outgoing::Template { template } = &input.message {
        if target.opted_out_at.is_some() {
            return Err(ApiError::conflict(
                "buyer_opted_out",
                "the buyer said STOP: only replies to their own messages can be sent, not templates",
            ));
        }
        check_template(sql, seller, template).await?;
    } else if !window_open {
        return Err(window_closed(sql, seller).await?);
    }
    let queued = queue_message(sql, queue, sys, seller, conversation_id, &input.message, input.reply_to, key).await;
    let id = match queued {
        Ok(id) => id,
        // The same key at the same moment: the other request stored it.
        Err(e) if e.status == StatusCode::CONFLICT && key.is_some() => {
            let id = existing(sql, seller, key.unwrap_or_default()).await?.ok_or(e)?;
            return Ok((StatusCode::OK, conversations::message(sql, seller, &id).await?));
        }
        Err(e) => return Err(e),
    };
    Ok((StatusCode::ACCEPTED, conversations::message(sql, seller, &id).await?))
}

async fn existing(sql: &impl Sql, seller: &SellerId, key: &str) -> ApiResult<Option<String>> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let row: Option<Id> = crate::repo::opt(
        sql,
        Stmt::new("SELECT id FROM wa_messages WHERE seller_id = ? AND idempotency_key = ?").bind(&seller.0).bind(key),
    )
    .await?;
    Ok(row.map(|r| r.id))
}

/// 409 `window_closed`, naming the approved templates that can still reach the buyer.
async fn window_closed(sql: &impl Sql, seller: &SellerId) -> ApiResult<ApiError> {
    #[derive(Deserialize)]
    struct Name {
        name: String,
        language: String,
    }
    let approved: Vec<Name> = crate::repo::all(
        sql,
        Stmt::new("SELECT name, language FROM wa_templates WHERE seller_id = ? AND status = 'APPROVED' ORDER BY name, language")
            .bind(&seller.0),
    )
    .await?;
    let names: Vec<String> = approved.iter().map(|t| format!("{} ({})", t.name, t.language)).collect();
    let message = if names.is_empty() {
        "the buyer's last message is more than 24 hours old, so only an approved template can reach them, and this \
         number has none yet"
            .to_owned()
    } else {
        format!(
            "the buyer's last message is more than 24 hours old, so only an approved template can reach them: {}",
            names.join(", ")
        )
    };
    Ok(ApiError::conflict("window_closed", message))
}

/// A template the hub knows must be approved; one made elsewhere is left to Graph to judge.
async fn check_template(sql: &impl Sql, seller: &SellerId, t: &Template) -> ApiResult<()> {
    #[derive(Deserialize)]
    struct Known {
        status: String,
    }
    let known: Option<Known> = crate::repo::opt(
        sql,
        Stmt::new("SELECT status FROM wa_templates WHERE seller_id = ? AND name = ? AND language = ?")
            .bind(&seller.0)
            .bind(&t.name)
            .bind(&t.language.code),
    )
    .await?;
    match known {
        Some(k) if k.status != "APPROVED" => Err(ApiError::conflict(
            "template_not_approved",
            format!("template {} ({}) is {}, not APPROVED", t.name, t.language.code, k.status),
        )),
        _ => Ok(()),
    }
}

/// Stores a `queued` outbound message and puts it on the send queue; its id.
#[allow(clippy::too_many_arguments)]
async fn queue_message(
    sql: &impl Sql,
    queue: &impl Queue,
    sys: &impl System,
    seller: &SellerId,
    conversation_id: &str,
    message: &Outgoing,
    reply_to: Option<String>,
    idempotency_key: Option<&str>,
) -> ApiResult<String> {
    let id = new_id(sys, "wam")?;
    let now = sys.now_ms();
    let preview = message.preview();
    let insert = Stmt::new(
        "INSERT INTO wa_messages (id, seller_id, conversation_id, wamid, direction, type, preview, payload, reply_to, \
         status, status_rank, sent_at, created_at, updated_at, idempotency_key) \
         VALUES (?, ?, ?, ?, 'out', ?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&seller.0)
    .bind(conversation_id)
    .bind(format!("pending:{id}"))
    .bind(message.kind())
    .bind(&preview)
    .bind(serde_json::to_string(message)?)
    .bind(reply_to.filter(|r| !r.is_empty()))
    .bind(now)
    .bind(now)
    .bind(now)
    .bind(idempotency_key);
    let touch = Stmt::new(
        "UPDATE wa_conversations SET last_message_at = max(last_message_at, ?), last_preview = ?, updated_at = ? \
         WHERE seller_id = ? AND id = ?",
    )
    .bind(now)
    .bind(&preview)
    .bind(now)
    .bind(&seller.0)
    .bind(conversation_id);
    match sql.batch(vec![insert, touch]).await {
        Ok(_) => {}
        Err(e) if e.kind == PortErrorKind::Conflict => {
            return Err(ApiError::conflict("duplicate_idempotency_key", "this Idempotency-Key was used already"));
        }
        Err(e) => return Err(e.into()),
    }
    let job = Job::Message { seller: seller.0.clone(), id: id.clone() };
    if let Err(e) = queue.send(Topic::WhatsappSend, &serde_json::to_string(&job)?).await {
        // Not queued, it would never be sent: take it back and let the client retry.
        let _ = sql
            .execute(Stmt::new("DELETE FROM wa_messages WHERE seller_id = ? AND id = ?").bind(&seller.0).bind(&id))
            .await;
        return Err(e.into());
    }
    Ok(id)
}

/// Queues the read receipt (blue ticks) for one of the buyer's messages.
pub async fn queue_read(queue: &impl Queue, seller: &SellerId, wamid: &str) -> ApiResult<()> {
    let job = Job::Read { seller: seller.0.clone(), wamid: wamid.to_owned(), attempt: 0 };
    queue.send(Topic::WhatsappSend, &serde_json::to_string(&job)?).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The consumer.

/// How a Graph failure is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Transient: try again later.
    Retry,
    /// 131047: the window is closed.
    OutsideWindow,
    /// Graph refused this message for good.
    Refused,
}

pub fn verdict(f: &Failure) -> Verdict {
    match f {
        Failure::Unavailable(_) => Verdict::Retry,
        Failure::Refused { status, .. } if *status == 429 || *status >= 500 => Verdict::Retry,
        Failure::Refused { code: OUTSIDE_WINDOW, .. } => Verdict::OutsideWindow,
        Failure::Refused { code: 130_429 | PAIR_RATE | 131_000 | 131_016 | 80_007 | 4 | 1 | 2, .. } => Verdict::Retry,
        Failure::Refused { .. } => Verdict::Refused,
    }
}

/// Whether a failure says Graph (or the number's throughput) is struggling: what the breaker
/// counts. One buyer's pair limit or a refused message is Graph answering, not failing.
fn struggling(result: &Result<serde_json::Value, Failure>) -> bool {
    match result {
        Ok(_) => false,
        Err(f @ Failure::Refused { code, .. }) => verdict(f) == Verdict::Retry && *code != PAIR_RATE,
        Err(Failure::Unavailable(_)) => true,
    }
}

/// Backoff with full jitter over the upper half: `[d/2, d]` for the attempt's delay `d`.
fn backoff(sys: &impl System, cfg: &Config, attempt: u32, floor: u32) -> u32 {
    let d = cfg.retry_delay(attempt).max(floor).max(1);
    let mut b = [0u8; 2];
    let r = if sys.fill_random(&mut b).is_ok() { u32::from(u16::from_le_bytes(b)) } else { 0x8000 };
    (d / 2 + (d - d / 2) * r / 0xFFFF).max(1)
}

fn code_of(f: &Failure) -> (i64, String) {
    match f {
        Failure::Refused { code, message, status } => (*code, format!("Graph answered {status}: {message}")),
        Failure::Unavailable(why) => (0, format!("Graph unreachable: {why}")),
    }
}

pub async fn process<S: Sql, K: Kv, B: Blobs, Q: Queue, H: Http, Y: System>(
    d: &SendDeps<'_, S, K, B, Q, H, Y>,
    body: &str,
) -> StageOutcome {
    let log = LogCtx::new("whatsapp-send");
    let Ok(job) = serde_json::from_str::<Job>(body) else {
        log.error(d.sys, "unparseable send job dropped", body);
        return StageOutcome::Discarded;
    };
    let outcome = match &job {
        Job::Message { seller, id } => message(d, &log.clone().with("message", id.as_str()), &job, seller, id).await,
        Job::Read { seller, wamid, attempt } => read(d, &log, &job, seller, wamid, *attempt).await,
        Job::Media { seller, wamid, kind, media_id, attempt } => {
            let log = log.clone().with("wamid", wamid.as_str());
            media(d, &log, seller, wamid, kind, media_id, *attempt).await
        }
    };
    outcome.unwrap_or_else(|e| {
        log.warn(d.sys, "store fault while sending; retry", e.cause.as_deref().unwrap_or(&e.message));
        StageOutcome::RetryAfter(d.cfg.retry_base_delay_seconds.max(1))
    })
}

/// Puts a job back for `seconds` without spending one of its attempts.
async fn later(queue: &impl Queue, job: &Job, seconds: u32) -> StageOutcome {
    let Ok(body) = serde_json::to_string(job) else { return StageOutcome::RetryAfter(seconds) };
    match queue.send_after(Topic::WhatsappSend, &body, seconds).await {
        Ok(()) => StageOutcome::Done,
        Err(_) => StageOutcome::RetryAfter(seconds),
    }
}

/// The number's breaker and throughput allow a call now, or the seconds to wait.
async fn gate<S: Sql, K: Kv, B: Blobs, Q: Queue, H: Http, Y: System>(
    d: &SendDeps<'_, S, K, B, Q, H, Y>,
    breaker: &Breaker<'_, K, Y>,
    phone_number_id: &str,
) -> ApiResult<Option<u32>> {
    if let Gate::Open { retry_after } = breaker.gate().await {
        return Ok(Some(retry_after));
    }
    let bucket = format!("wa-send-second/{phone_number_id}");
    let wait = crate::ratelimit::hit_within(d.sql, d.sys, &bucket, d.cfg.whatsapp_send_per_second, 1000).await?;
    Ok(wait.map(|ms| u32::try_from((ms + 999) / 1000).unwrap_or(1).max(1)))
}

#[derive(Deserialize)]
struct Pending {
    status: String,
    lease_until: i64,
    payload: String,
    reply_to: Option<String>,
    wa_id: Option<String>,
    bsuid: Option<String>,
}

async fn message<S: Sql, K: Kv, B: Blobs, Q: Queue, H: Http, Y: System>(
    d: &SendDeps<'_, S, K, B, Q, H, Y>,
    log: &LogCtx,
    job: &Job,
    seller: &str,
    id: &str,
) -> ApiResult<StageOutcome> {
    let pending: Option<Pending> = crate::repo::opt(
        d.sql,
        Stmt::new(
            "SELECT m.status, m.lease_until, m.payload, m.reply_to, c.wa_id, c.bsuid FROM wa_messages m \
             JOIN wa_conversations v ON v.id = m.conversation_id AND v.seller_id = m.seller_id \
             JOIN wa_contacts c ON c.id = v.contact_id AND c.seller_id = v.seller_id \
             WHERE m.seller_id = ? AND m.id = ? AND m.direction = 'out'",
        )
        .bind(seller)
        .bind(id),
    )
    .await?;
    let Some(p) = pending else {
        log.error(d.sys, "queued message not found; nothing to send", "");
        return Ok(StageOutcome::Discarded);
    };
    let now = d.sys.now_ms();
    if p.status != "queued" {
        return Ok(StageOutcome::Done); // sent (or failed) by an earlier delivery of this job
    }
    if p.lease_until > now {
        // Another consumer is sending it; come back after its lease to see how it ended.
        return Ok(StageOutcome::RetryAfter(u32::try_from((p.lease_until - now) / 1000 + 1).unwrap_or(60)));
    }
    let Some(creds) = connected(d.sql, d.cfg, seller).await? else {
        fail(d.sql, d.sys, seller, id, 0, "no WhatsApp number is connected any more").await?;
        return Ok(not_connected());
    };
    let breaker = Breaker::keyed(d.kv, d.sys, breaker::whatsapp_key(&creds.phone_number_id));
    if let Some(wait) = gate(d, &breaker, &creds.phone_number_id).await? {
        return Ok(later(d.queue, job, wait).await);
    }
    let Some(attempt) = claim(d.sql, seller, id, now).await? else {
        return Ok(StageOutcome::RetryAfter(u32::try_from(LEASE_MS / 1000).unwrap_or(60)));
    };
    let Ok(outgoing) = serde_json::from_str::<Outgoing>(&p.payload) else {
        fail(d.sql, d.sys, seller, id, 0, "the stored message is unreadable").await?;
        return Ok(StageOutcome::Failed { code: "message_unreadable".to_owned() });
    };
    let to = p.wa_id.or(p.bsuid).unwrap_or_default();
    let envelope = Envelope::new(&to, p.reply_to.map(|message_id| Context { message_id }), outgoing);
    let body = serde_json::to_value(&envelope)?;
    let path = format!("{}/messages", creds.phone_number_id);
    let result = graph::call(d.http, d.cfg, &creds.token, Method::POST, &path, Some(&body)).await;
    breaker.record(struggling(&result)).await;
    let failure = match result {
        Ok(answer) => {
            let answer: SendAnswer = serde_json::from_value(answer).unwrap_or_default();
            let Some(wamid) = answer.wamid() else {
                // Accepted without an id: nothing to track it by, and sending again would repeat it.
                fail(d.sql, d.sys, seller, id, 0, "Graph accepted the message without an id").await?;
                return Ok(StageOutcome::Failed { code: "graph_no_wamid".to_owned() });
            };
            accepted(d.sql, d.sys, seller, id, wamid).await?;
            log.clone().with("wamid", wamid).with("attempt", attempt).info(d.sys, "message accepted by Graph");
            return Ok(StageOutcome::Done);
        }
        Err(f) => f,
    };
    let (code, title) = code_of(&failure);
    let log = log.clone().with("attempt", attempt).with("code", code);
    match verdict(&failure) {
        Verdict::Retry if attempt < MAX_ATTEMPTS => {
            let floor = if code == PAIR_RATE { 6 } else { 0 };
            let delay = backoff(d.sys, d.cfg, u32::try_from(attempt).unwrap_or(1), floor);
            release(d.sql, d.sys, seller, id, code, &title).await?;
            log.with("delay_s", delay).warn(d.sys, "Graph send failed; retrying", &title);
            let body = serde_json::to_string(job)?;
            Ok(match d.queue.send_after(Topic::WhatsappSend, &body, delay).await {
                Ok(()) => StageOutcome::Done,
                Err(_) => StageOutcome::RetryAfter(delay),
            })
        }
        Verdict::Retry => {
            fail(d.sql, d.sys, seller, id, code, &format!("gave up after {attempt} attempts: {title}")).await?;
            log.error(d.sys, "Graph send failed; retries exhausted", &title);
            Ok(StageOutcome::Failed { code: crate::stages::RETRIES_EXHAUSTED.to_owned() })
        }
        Verdict::OutsideWindow => {
            fail(d.sql, d.sys, seller, id, code, "outside the 24-hour window: the buyer has not written for a day")
                .await?;
            reengage(d.sql, d.queue, d.sys, &log, seller, id).await?;
            Ok(StageOutcome::Failed { code: "window_closed".to_owned() })
        }
        Verdict::Refused => {
            fail(d.sql, d.sys, seller, id, code, &title).await?;
            log.warn(d.sys, "Graph refused the message", &title);
            Ok(StageOutcome::Failed { code: "graph_refused".to_owned() })
        }
    }
}

/// The seller's Graph credentials; `None` once the number is disconnected.
async fn connected(sql: &impl Sql, cfg: &Config, seller: &str) -> ApiResult<Option<super::connection::Credentials>> {
    match super::connection::credentials(sql, cfg, &SellerId(seller.to_owned())).await {
        Ok(c) => Ok(Some(c)),
        Err(e) if e.status == StatusCode::NOT_FOUND => Ok(None),
        Err(e) => Err(e),
    }
}

fn not_connected() -> StageOutcome {
    StageOutcome::Failed { code: "whatsapp_not_connected".to_owned() }
}

/// Takes the lease on a queued message and counts the attempt; its number, or `None` when
/// another consumer holds it.
async fn claim(sql: &impl Sql, seller: &str, id: &str, now: i64) -> ApiResult<Option<i64>> {
    #[derive(Deserialize)]
    struct Attempts {
        attempts: i64,
    }
    let rows: Vec<Attempts> = crate::repo::all(
        sql,
        Stmt::new(
            "UPDATE wa_messages SET attempts = attempts + 1, lease_until = ?, updated_at = ? \
             WHERE seller_id = ? AND id = ? AND status = 'queued' AND lease_until <= ? RETURNING attempts",
        )
        .bind(now + LEASE_MS)
        .bind(now)
        .bind(seller)
        .bind(id)
        .bind(now),
    )
    .await?;
    Ok(rows.first().map(|r| r.attempts))
}

/// Graph's wamid replaces the placeholder. A status Meta sent about it before this write
/// (its row made by the webhook) is folded in and its row removed, in one transaction.
pub async fn accepted(sql: &impl Sql, sys: &impl System, seller: &str, id: &str, wamid: &str) -> ApiResult<()> {
    let now = sys.now_ms();
    sql.batch(vec![
        Stmt::new(
            "UPDATE wa_messages AS m SET status = p.status, status_rank = p.status_rank, status_at = p.status_at, \
             error_code = p.error_code, error_title = p.error_title \
             FROM (SELECT status, status_rank, status_at, error_code, error_title FROM wa_messages \
                   WHERE seller_id = ? AND wamid = ? AND id <> ?) AS p \
             WHERE m.seller_id = ? AND m.id = ?",
        )
        .bind(seller)
        .bind(wamid)
        .bind(id)
        .bind(seller)
        .bind(id),
        Stmt::new("DELETE FROM wa_messages WHERE seller_id = ? AND wamid = ? AND id <> ?")
            .bind(seller)
            .bind(wamid)
            .bind(id),
        Stmt::new(
            "UPDATE wa_messages SET wamid = ?, lease_until = 0, updated_at = ?, \
             status = CASE WHEN status_rank = 0 THEN 'accepted' ELSE status END, \
             status_at = CASE WHEN status_rank = 0 THEN ? ELSE status_at END, \
             error_code = CASE WHEN status_rank = 9 THEN error_code END, \
             error_title = CASE WHEN status_rank = 9 THEN error_title END \
             WHERE seller_id = ? AND id = ?",
        )
        .bind(wamid)
        .bind(now)
        .bind(now)
        .bind(seller)
        .bind(id),
    ])
    .await?;
    Ok(())
}

/// Frees a message for its next attempt, keeping the last error for the inbox to show.
async fn release(sql: &impl Sql, sys: &impl System, seller: &str, id: &str, code: i64, title: &str) -> ApiResult<()> {
    sql.execute(
        Stmt::new(
            "UPDATE wa_messages SET lease_until = 0, error_code = nullif(?, 0), error_title = ?, updated_at = ? \
             WHERE seller_id = ? AND id = ? AND status = 'queued'",
        )
        .bind(code)
        .bind(title)
        .bind(sys.now_ms())
        .bind(seller)
        .bind(id),
    )
    .await?;
    Ok(())
}

async fn fail(sql: &impl Sql, sys: &impl System, seller: &str, id: &str, code: i64, title: &str) -> ApiResult<()> {
    let now = sys.now_ms();
    sql.execute(
        Stmt::new(
            "UPDATE wa_messages SET status = 'failed', status_rank = 9, error_code = nullif(?, 0), error_title = ?, \
             lease_until = 0, status_at = ?, updated_at = ? WHERE seller_id = ? AND id = ? AND status = 'queued'",
        )
        .bind(code)
        .bind(title)
        .bind(now)
        .bind(now)
        .bind(seller)
        .bind(id),
    )
    .await?;
    Ok(())
}

/// A message that could not reach the buyer because the window had closed: the seller's
/// re-engagement template is queued in its place, once, unless the buyer said STOP, the
/// message was itself a template, or no template is set (then it stays `failed`).
pub async fn reengage(
    sql: &impl Sql,
    queue: &impl Queue,
    sys: &impl System,
    log: &LogCtx,
    seller: &str,
    id: &str,
) -> ApiResult<Option<String>> {
    #[derive(Deserialize)]
    struct Original {
        conversation_id: Option<String>,
        #[serde(rename = "type")]
        kind: String,
        replaced_by: Option<String>,
        opted_out_at: Option<i64>,
        reengagement_template: Option<String>,
        reengagement_language: Option<String>,
    }
    let original: Option<Original> = crate::repo::opt(
        sql,
        Stmt::new(
            "SELECT m.conversation_id, m.type, m.replaced_by, c.opted_out_at, w.reengagement_template, \
             w.reengagement_language FROM wa_messages m \
             JOIN wa_conversations v ON v.id = m.conversation_id AND v.seller_id = m.seller_id \
             JOIN wa_contacts c ON c.id = v.contact_id AND c.seller_id = v.seller_id \
             LEFT JOIN wa_connections w ON w.seller_id = m.seller_id \
             WHERE m.seller_id = ? AND m.id = ? AND m.direction = 'out'",
        )
        .bind(seller)
        .bind(id),
    )
    .await?;
    let Some(o) = original else { return Ok(None) };
    let (Some(conversation), Some(name), Some(language)) =
        (o.conversation_id, o.reengagement_template, o.reengagement_language)
    else {
        log.info(sys, "window closed and no re-engagement template is set; the message stays failed");
        return Ok(None);
    };
    // `unknown`: a status for a message the hub never sent (the seller's phone, another tool).
    if o.kind == "template" || o.kind == "unknown" || o.replaced_by.is_some() || o.opted_out_at.is_some() {
        return Ok(None);
    }
    let template = Outgoing::Template {
        template: Template { name, language: Language { code: language, policy: None }, components: Vec::new() },
    };
    let seller_id = SellerId(seller.to_owned());
    // One replacement per message, also when the failure is reported twice.
    let key = format!("reengage:{id}");
    if existing(sql, &seller_id, &key).await?.is_some() {
        return Ok(None);
    }
    let new = match queue_message(sql, queue, sys, &seller_id, &conversation, &template, None, Some(&key)).await {
        Ok(new) => new,
        Err(e) if e.code == "duplicate_idempotency_key" => return Ok(None),
        Err(e) => return Err(e),
    };
    sql.execute(
        Stmt::new("UPDATE wa_messages SET replaced_by = ? WHERE seller_id = ? AND id = ?")
            .bind(&new)
            .bind(seller)
            .bind(id),
    )
    .await?;
    log.clone().with("template_message", new.as_str()).info(sys, "window closed; re-engagement template queued");
    Ok(Some(new))
}

/// The re-engagement for a `failed` status with 131047 that Meta reported by webhook.
pub async fn reengage_wamid(
    sql: &impl Sql,
    queue: &impl Queue,
    sys: &impl System,
    log: &LogCtx,
    seller: &str,
    wamid: &str,
) -> ApiResult<Option<String>> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let row: Option<Id> = crate::repo::opt(
        sql,
        Stmt::new("SELECT id FROM wa_messages WHERE seller_id = ? AND wamid = ? AND direction = 'out'")
            .bind(seller)
            .bind(wamid),
    )
    .await?;
    match row {
        Some(r) => reengage(sql, queue, sys, log, seller, &r.id).await,
        None => Ok(None),
    }
}

async fn read<S: Sql, K: Kv, B: Blobs, Q: Queue, H: Http, Y: System>(
    d: &SendDeps<'_, S, K, B, Q, H, Y>,
    log: &LogCtx,
    job: &Job,
    seller: &str,
    wamid: &str,
    attempt: u32,
) -> ApiResult<StageOutcome> {
    let Some(creds) = connected(d.sql, d.cfg, seller).await? else { return Ok(not_connected()) };
    let breaker = Breaker::keyed(d.kv, d.sys, breaker::whatsapp_key(&creds.phone_number_id));
    if let Some(wait) = gate(d, &breaker, &creds.phone_number_id).await? {
        return Ok(later(d.queue, job, wait).await);
    }
    let body = serde_json::to_value(ReadReceipt::new(wamid, false))?;
    let path = format!("{}/messages", creds.phone_number_id);
    let result = graph::call(d.http, d.cfg, &creds.token, Method::POST, &path, Some(&body)).await;
    breaker.record(struggling(&result)).await;
    let Err(failure) = result else { return Ok(StageOutcome::Done) };
    let (code, title) = code_of(&failure);
    let log = log.clone().with("wamid", wamid).with("code", code);
    let attempt = attempt + 1;
    if verdict(&failure) == Verdict::Retry && i64::from(attempt) < MAX_ATTEMPTS {
        let next = Job::Read { seller: seller.to_owned(), wamid: wamid.to_owned(), attempt };
        return Ok(later(d.queue, &next, backoff(d.sys, d.cfg, attempt, 0)).await);
    }
    log.error(d.sys, "read receipt not delivered", &title);
    Ok(StageOutcome::Failed { code: "read_receipt_failed".to_owned() })
}

#[allow(clippy::too_many_arguments)]
async fn media<S: Sql, K: Kv, B: Blobs, Q: Queue, H: Http, Y: System>(
    d: &SendDeps<'_, S, K, B, Q, H, Y>,
    log: &LogCtx,
    seller: &str,
    wamid: &str,
    kind: &str,
    media_id: &str,
    attempt: u32,
) -> ApiResult<StageOutcome> {
    use super::media::{self, Fetched};
    let Some(creds) = connected(d.sql, d.cfg, seller).await? else {
        media::record(d.sql, d.sys, seller, wamid, &Fetched::Refused("the number was disconnected".to_owned())).await?;
        return Ok(not_connected());
    };
    match media::fetch(d.http, d.blobs, d.cfg, &creds.token, seller, wamid, kind, media_id).await {
        Ok(fetched) => {
            media::record(d.sql, d.sys, seller, wamid, &fetched).await?;
            match &fetched {
                Fetched::Kept { bytes, .. } => {
                    log.clone().with("bytes", *bytes).info(d.sys, "medium kept");
                    Ok(StageOutcome::Done)
                }
                Fetched::Refused(why) => {
                    log.warn(d.sys, "medium not kept", why);
                    Ok(StageOutcome::Failed { code: "media_refused".to_owned() })
                }
            }
        }
        Err(media::Transient(failure)) => {
            let (_, title) = code_of(&failure);
            let attempt = attempt + 1;
            if i64::from(attempt) < MAX_ATTEMPTS {
                log.clone().with("attempt", attempt).warn(d.sys, "medium not fetched yet; retrying", &title);
                let next = Job::Media {
                    seller: seller.to_owned(),
                    wamid: wamid.to_owned(),
                    kind: kind.to_owned(),
                    media_id: media_id.to_owned(),
                    attempt,
                };
                return Ok(later(d.queue, &next, backoff(d.sys, d.cfg, attempt, 0)).await);
            }
            media::record(d.sql, d.sys, seller, wamid, &Fetched::Refused(format!("gave up: {title}"))).await?;
            log.error(d.sys, "medium not fetched; retries exhausted", &title);
            Ok(StageOutcome::Failed { code: crate::stages::RETRIES_EXHAUSTED.to_owned() })
        }
    }
}

/// A send job whose queue retries ran out (store faults all along): the message is failed, so
/// the inbox shows it instead of a message forever queued.
pub async fn dead_letter(sql: &impl Sql, sys: &impl System, body: &str) -> StageOutcome {
    let log = LogCtx::new("whatsapp-send");
    match serde_json::from_str::<Job>(body) {
        Ok(Job::Message { seller, id }) => {
            match fail(sql, sys, &seller, &id, 0, "could not be sent: the hub's stores kept failing").await {
                Ok(()) => {
                    log.with("message", id.as_str()).error(sys, "send dead-lettered; message failed", "");
                    StageOutcome::Failed { code: crate::stages::RETRIES_EXHAUSTED.to_owned() }
                }
                Err(_) => StageOutcome::RetryAfter(30),
            }
        }
        Ok(Job::Read { wamid, .. }) => {
            log.with("wamid", wamid.as_str()).error(sys, "read receipt dead-lettered", "");
            StageOutcome::Failed { code: crate::stages::RETRIES_EXHAUSTED.to_owned() }
        }
        Ok(Job::Media { seller, wamid, .. }) => {
            let why = super::media::Fetched::Refused("not fetched: the hub's stores kept failing".to_owned());
            match super::media::record(sql, sys, &seller, &wamid, &why).await {
                Ok(()) => StageOutcome::Failed { code: crate::stages::RETRIES_EXHAUSTED.to_owned() },
                Err(_) => StageOutcome::RetryAfter(30),
            }
        }
        Err(_) => {
            log.error(sys, "unparseable dead-lettered send job dropped", body);
            StageOutcome::Discarded
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_sorted_by_what_graph_meant() {
        let refused = |status: u16, code: i64| Failure::Refused { status, code, message: String::new() };
        assert_eq!(verdict(&Failure::Unavailable("reset".into())), Verdict::Retry);
        assert_eq!(verdict(&refused(500, 1)), Verdict::Retry);
        assert_eq!(verdict(&refused(429, 0)), Verdict::Retry);
        assert_eq!(verdict(&refused(400, 130_429)), Verdict::Retry);
        assert_eq!(verdict(&refused(400, 131_056)), Verdict::Retry);
        assert_eq!(verdict(&refused(400, 131_047)), Verdict::OutsideWindow);
        assert_eq!(verdict(&refused(400, 100)), Verdict::Refused);
        assert_eq!(verdict(&refused(401, 190)), Verdict::Refused);
        assert_eq!(verdict(&refused(400, 132_000)), Verdict::Refused);
        // The breaker counts Graph struggling, not one buyer's pair limit or a refusal.
        assert!(struggling(&Err(refused(503, 0))));
        assert!(struggling(&Err(refused(400, 130_429))));
        assert!(!struggling(&Err(refused(400, 131_056))));
        assert!(!struggling(&Err(refused(400, 100))));
    }
}
