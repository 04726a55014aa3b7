//! The read side of the inbox: a seller's conversations, newest first, and one conversation's
//! messages with their statuses and the state of the 24-hour customer-service window. Every
//! query is scoped by the seller.

use crate::accounts::SellerId;
use crate::error::{ApiError, ApiResult};
use crate::ports::{Sql, Stmt, System};
use serde::{Deserialize, Serialize};

/// The customer-service window: free-form replies are allowed this long after the buyer's last
/// message; after it only templates.
pub const WINDOW_MS: i64 = 24 * 3600 * 1000;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct ListQuery {
    /// `open` or `resolved`; both when omitted.
    pub state: Option<String>,
    /// Only conversations with unread messages.
    pub unread: Option<bool>,
    /// Matches the buyer's name, username or number, or the last message.
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 100, default 25.
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContactView {
    pub id: String,
    pub name: Option<String>,
    pub username: Option<String>,
    /// The phone number, when Meta shared it.
    pub wa_id: Option<String>,
    /// The business-scoped user id, when Meta sent one.
    pub bsuid: Option<String>,
    /// The buyer said STOP: nothing but replies they ask for.
    pub opted_out: bool,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Window {
    pub open: bool,
    /// When free-form replies stop being allowed (ms); null before any inbound message.
    pub expires_at: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConversationView {
    pub id: String,
    pub state: String,
    pub unread: i64,
    pub last_message_at: i64,
    pub last_preview: String,
    pub contact: ContactView,
    pub window: Window,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConversationPage {
    pub items: Vec<ConversationView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MessageView {
    pub id: String,
    pub wamid: String,
    /// `in` from the buyer, `out` from the seller.
    pub direction: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub preview: String,
    /// `received` for inbound; for outbound `queued` (waiting for Graph), `accepted` (Graph took
    /// it), then Meta's `sent`, `delivered`, `read`, `played`, or `failed` with the error.
    pub status: String,
    pub error_code: Option<i64>,
    pub error_title: Option<String>,
    pub reply_to: Option<String>,
    pub sent_at: i64,
    pub status_at: Option<i64>,
    /// The message object as Meta delivered it (inbound), or as the hub sends it (outbound).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Outbound, failed outside the window: the re-engagement template sent in its place.
    pub replaced_by: Option<String>,
    /// An inbound medium the hub keeps: `GET /api/v1/inbox/messages/{id}/media`.
    pub media: Option<MediaView>,
    /// Why a medium was not kept (type, size, Graph's refusal).
    pub media_error: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MediaView {
    pub content_type: String,
    pub bytes: i64,
    pub url: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConversationDetail {
    #[serde(flatten)]
    pub conversation: ConversationView,
    /// Oldest first; the latest `MESSAGES_SHOWN`.
    pub messages: Vec<MessageView>,
}

/// Messages a conversation's read shows.
pub const MESSAGES_SHOWN: i64 = 200;

#[derive(Deserialize)]
struct Row {
    id: String,
    state: String,
    unread: i64,
    last_message_at: i64,
    last_inbound_at: Option<i64>,
    last_preview: String,
    contact_id: String,
    profile_name: Option<String>,
    username: Option<String>,
    wa_id: Option<String>,
    bsuid: Option<String>,
    opted_out_at: Option<i64>,
}

impl Row {
    fn view(self, now: i64) -> ConversationView {
        let expires_at = self.last_inbound_at.filter(|t| *t > 0).map(|t| t + WINDOW_MS);
        ConversationView {
            window: Window { open: expires_at.is_some_and(|e| now < e), expires_at },
            contact: ContactView {
                id: self.contact_id,
                name: self.profile_name,
                username: self.username,
                wa_id: self.wa_id,
                bsuid: self.bsuid,
                opted_out: self.opted_out_at.is_some(),
            },
            id: self.id,
            state: self.state,
            unread: self.unread,
            last_message_at: self.last_message_at,
            last_preview: self.last_preview,
        }
    }
}

const SELECT: &str = "SELECT v.id, v.state, v.unread, v.last_message_at, v.last_inbound_at, v.last_preview, \
     v.contact_id, c.profile_name, c.username, c.wa_id, c.bsuid, c.opted_out_at \
     FROM wa_conversations v JOIN wa_contacts c ON c.id = v.contact_id AND c.seller_id = v.seller_id";

fn bad_cursor() -> ApiError {
    ApiError::bad_request("invalid_cursor", "the cursor is not one this API gave out")
}

pub async fn list(sql: &impl Sql, sys: &impl System, seller: &SellerId, q: ListQuery) -> ApiResult<ConversationPage> {
    let limit = i64::from(q.limit.unwrap_or(25));
    if !(1..=100).contains(&limit) {
        return Err(ApiError::bad_request("invalid_query", "limit must be 1 to 100"));
    }
    let mut sql_text = format!("{SELECT} WHERE v.seller_id = ?");
    let mut stmt_params: Vec<crate::ports::SqlValue> = vec![seller.0.clone().into()];
    match q.state.as_deref() {
        None | Some("") => {}
        Some(s @ ("open" | "resolved")) => {
            sql_text.push_str(" AND v.state = ?");
            stmt_params.push(s.into());
        }
        Some(_) => return Err(ApiError::bad_request("invalid_query", "state must be open or resolved")),
    }
    if q.unread == Some(true) {
        sql_text.push_str(" AND v.unread > 0");
    }
    if let Some(term) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let like = format!("%{}%", term.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        sql_text.push_str(
            " AND (c.profile_name LIKE ? ESCAPE '\\' OR c.username LIKE ? ESCAPE '\\' OR c.wa_id LIKE ? ESCAPE '\\' \
             OR v.last_preview LIKE ? ESCAPE '\\')",
        );
        for _ in 0..4 {
            stmt_params.push(like.clone().into());
        }
    }
    if let Some(cursor) = q.cursor.as_deref().filter(|c| !c.is_empty()) {
        let (at, id) = cursor.split_once('.').ok_or_else(bad_cursor)?;
        let at: i64 = at.parse().map_err(|_| bad_cursor())?;
        sql_text.push_str(" AND (v.last_message_at < ? OR (v.last_message_at = ? AND v.id < ?))");
        stmt_params.extend([at.into(), at.into(), id.into()]);
    }
    sql_text.push_str(" ORDER BY v.last_message_at DESC, v.id DESC LIMIT ?");
    stmt_params.push((limit + 1).into());
    let stmt = Stmt { sql: sql_text, params: stmt_params };
    let mut rows: Vec<Row> = crate::repo::all(sql, stmt).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(25));
    let next_cursor = more.then(|| rows.last().map(|r| format!("{}.{}", r.last_message_at, r.id))).flatten();
    let now = sys.now_ms();
    Ok(ConversationPage { items: rows.into_iter().map(|r| r.view(now)).collect(), next_cursor })
}

#[derive(Deserialize)]
struct MessageRow {
    id: String,
    wamid: String,
    direction: String,
    #[serde(rename = "type")]
    kind: String,
    preview: String,
    status: String,
    error_code: Option<i64>,
    error_title: Option<String>,
    reply_to: Option<String>,
    sent_at: i64,
    status_at: Option<i64>,
    payload: String,
    replaced_by: Option<String>,
    media_type: Option<String>,
    media_bytes: Option<i64>,
    media_error: Option<String>,
}

const MESSAGE_COLUMNS: &str = "id, wamid, direction, type, preview, status, error_code, error_title, reply_to, \
     sent_at, status_at, payload, replaced_by, media_type, media_bytes, media_error";

impl From<MessageRow> for MessageView {
    fn from(m: MessageRow) -> Self {
        MessageView {
            payload: serde_json::from_str(&m.payload).unwrap_or(serde_json::Value::Null),
            wamid: m.wamid,
            direction: m.direction,
            kind: m.kind,
            preview: m.preview,
            status: m.status,
            error_code: m.error_code,
            error_title: m.error_title,
            reply_to: m.reply_to,
            sent_at: m.sent_at,
            status_at: m.status_at,
            replaced_by: m.replaced_by,
            media: m.media_type.map(|content_type| MediaView {
                content_type,
                bytes: m.media_bytes.unwrap_or(0),
                url: format!("/api/v1/inbox/messages/{}/media", m.id),
            }),
            media_error: m.media_error,
            id: m.id,
        }
    }
}

/// One message of the seller's, by id.
pub async fn message(sql: &impl Sql, seller: &SellerId, id: &str) -> ApiResult<MessageView> {
    let stmt = Stmt::new(format!("SELECT {MESSAGE_COLUMNS} FROM wa_messages WHERE seller_id = ? AND id = ?"))
        .bind(&seller.0)
        .bind(id);
    crate::repo::opt::<MessageRow>(sql, stmt)
        .await?
        .map(MessageView::from)
        .ok_or_else(|| ApiError::not_found("no such message"))
}

pub async fn get(sql: &impl Sql, sys: &impl System, seller: &SellerId, id: &str) -> ApiResult<ConversationDetail> {
    let row: Row = crate::repo::opt(
        sql,
        Stmt::new(format!("{SELECT} WHERE v.seller_id = ? AND v.id = ?")).bind(&seller.0).bind(id),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("no such conversation"))?;
    let messages: Vec<MessageRow> = crate::repo::all(
        sql,
        Stmt::new(format!(
            "SELECT * FROM (SELECT {MESSAGE_COLUMNS} FROM wa_messages WHERE seller_id = ? AND conversation_id = ? \
             ORDER BY sent_at DESC, id DESC LIMIT ?) ORDER BY sent_at, id"
        ))
        .bind(&seller.0)
        .bind(id)
        .bind(MESSAGES_SHOWN),
    )
    .await?;
    let messages = messages.into_iter().map(MessageView::from).collect();
    Ok(ConversationDetail { conversation: row.view(sys.now_ms()), messages })
}

/// `PATCH /api/v1/inbox/conversations/{id}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversationPatch {
    /// `open` or `resolved`.
    pub state: Option<String>,
    /// `true`: the seller has read it: unread goes to 0 and the buyer's latest message gets its
    /// blue ticks (a read receipt to Graph).
    pub read: Option<bool>,
}

pub async fn update(
    sql: &impl Sql,
    queue: &impl crate::ports::Queue,
    sys: &impl System,
    seller: &SellerId,
    id: &str,
    patch: ConversationPatch,
) -> ApiResult<ConversationDetail> {
    if let Some(s) = patch.state.as_deref()
        && !matches!(s, "open" | "resolved")
    {
        return Err(ApiError::invalid_fields(vec![crate::error::FieldError {
            path: "state".to_owned(),
            message: "must be open or resolved".to_owned(),
        }]));
    }
    let now = sys.now_ms();
    let read = patch.read == Some(true);
    let changed = sql
        .execute(
            Stmt::new(
                "UPDATE wa_conversations SET state = coalesce(?, state), \
                 unread = CASE WHEN ? THEN 0 ELSE unread END, updated_at = ? WHERE seller_id = ? AND id = ?",
            )
            .bind(patch.state)
            .bind(i64::from(read))
            .bind(now)
            .bind(&seller.0)
            .bind(id),
        )
        .await?;
    if changed == 0 {
        return Err(ApiError::not_found("no such conversation"));
    }
    if read {
        #[derive(Deserialize)]
        struct Latest {
            wamid: String,
        }
        let latest: Option<Latest> = crate::repo::opt(
            sql,
            Stmt::new(
                "SELECT wamid FROM wa_messages WHERE seller_id = ? AND conversation_id = ? AND direction = 'in' \
                 AND EXISTS (SELECT 1 FROM wa_connections w WHERE w.seller_id = wa_messages.seller_id) \
                 ORDER BY sent_at DESC, id DESC LIMIT 1",
            )
            .bind(&seller.0)
            .bind(id),
        )
        .await?;
        if let Some(l) = latest {
            super::send::queue_read(queue, seller, &l.wamid).await?;
        }
    }
    get(sql, sys, seller, id).await
}

/// A kept medium's bytes, for the seller whose buyer sent it.
pub async fn media(
    sql: &impl Sql,
    blobs: &impl crate::ports::Blobs,
    seller: &SellerId,
    id: &str,
) -> ApiResult<crate::ports::Blob> {
    #[derive(Deserialize)]
    struct Key {
        media_key: Option<String>,
    }
    let key: Option<Key> = crate::repo::opt(
        sql,
        Stmt::new("SELECT media_key FROM wa_messages WHERE seller_id = ? AND id = ?").bind(&seller.0).bind(id),
    )
    .await?;
    let key = key.and_then(|k| k.media_key).ok_or_else(|| ApiError::not_found("no kept medium for this message"))?;
    blobs.get(&key).await?.ok_or_else(|| ApiError::not_found("no kept medium for this message"))
}
