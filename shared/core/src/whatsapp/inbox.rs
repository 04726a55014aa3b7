//! Applying a verified delivery to SQL: contacts, one conversation per contact per seller,
//! messages stored once per `wamid` (a unique key, so duplicates, also concurrent ones, are
//! stored once), statuses applied monotonically, template reviews, and opt-outs.
//!
//! A change is routed by the number it was sent to (`metadata.phone_number_id`) and nothing
//! else: a delivery for one seller's number can only ever touch that seller's rows. A number no
//! seller has connected is logged and dropped.

use super::delivery::{Change, Contact, Envelope, Message, MessagesValue, Status, TemplateUpdate, is_opt_out};
use crate::ids::new_id;
use crate::log::LogCtx;
use crate::ports::{PortError, Sql, Stmt, System};
use serde::{Deserialize, Serialize};

/// What one delivery did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Messages stored for the first time.
    pub messages: usize,
    /// Messages already stored (Meta's retries and duplicates).
    pub duplicates: usize,
    pub statuses: usize,
    pub templates: usize,
    pub preferences: usize,
    /// Changes for a number (or account) no seller has: logged and dropped.
    pub dropped: usize,
    /// Entries Meta marked as errors, and statuses of kinds the hub does not track: logged.
    pub ignored: usize,
    /// Outbound messages Meta failed because the window had closed (131047), by seller and
    /// wamid: the sender queues the re-engagement template for them.
    pub outside_window: Vec<(String, String)>,
    /// Media of newly stored messages, for the sender's consumer to fetch.
    pub media: Vec<super::send::Job>,
}

/// How far a message has got; a status never moves it back.
pub fn status_rank(status: &str) -> Option<i64> {
    match status {
        "sent" => Some(1),
        "delivered" => Some(2),
        "read" => Some(3),
        "played" => Some(4),
        "failed" => Some(9),
        _ => None,
    }
}

/// A delivery that is not JSON at all: kept out of the retry loop (retrying cannot fix it).
#[derive(Debug)]
pub enum ApplyError {
    Unreadable(String),
    Store(PortError),
}

impl From<PortError> for ApplyError {
    fn from(e: PortError) -> Self {
        ApplyError::Store(e)
    }
}

impl From<crate::error::ApiError> for ApplyError {
    fn from(e: crate::error::ApiError) -> Self {
        ApplyError::Store(PortError::unavailable(e.cause.unwrap_or(e.message)))
    }
}

#[derive(Deserialize)]
struct SellerRow {
    seller_id: String,
}

/// Applies a delivery's every change.
pub async fn apply(sql: &impl Sql, sys: &impl System, log: &LogCtx, body: &[u8]) -> Result<Applied, ApplyError> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(|e| ApplyError::Unreadable(e.to_string()))?;
    let mut done = Applied::default();
    for entry in &envelope.entry {
        for change in &entry.changes {
            match change.field.as_str() {
                "messages" | "user_preferences" => messages_change(sql, sys, log, change, &mut done).await?,
                "message_template_status_update" | "template_category_update" => {
                    template_change(sql, sys, log, &entry.id, change, &mut done).await?;
                }
                other => {
                    log.clone().with("field", other).info(sys, "webhook field not handled; ignored");
                    done.ignored += 1;
                }
            }
        }
    }
    Ok(done)
}

async fn seller_of_number(sql: &impl Sql, phone_number_id: &str) -> Result<Option<String>, ApplyError> {
    if phone_number_id.is_empty() {
        return Ok(None);
    }
    let stmt = Stmt::new("SELECT seller_id FROM wa_connections WHERE phone_number_id = ?").bind(phone_number_id);
    Ok(crate::repo::opt::<SellerRow>(sql, stmt).await?.map(|r| r.seller_id))
}

async fn messages_change(
    sql: &impl Sql,
    sys: &impl System,
    log: &LogCtx,
    change: &Change,
    done: &mut Applied,
) -> Result<(), ApplyError> {
    // A value that does not have the shape Meta documents (a `null` where a list goes) is not
    // guessed at: the delivery is kept and recorded for an operator, never half-applied.
    let value: MessagesValue = serde_json::from_value(change.value.clone())
        .map_err(|e| ApplyError::Unreadable(format!("a {} change: {e}", change.field)))?;
    let number = value.metadata.phone_number_id.as_str();
    let Some(seller) = seller_of_number(sql, number).await? else {
        log.clone().with("phone_number_id", number).warn(sys, "no seller has this number; change dropped", "");
        done.dropped += 1;
        return Ok(());
    };
    let log = log.clone().with("seller_id", seller.as_str());
    for e in &value.errors {
        log.warn(sys, "Meta reported an error in a delivery", &e.describe());
        done.ignored += 1;
    }
    for raw in &value.messages {
        let Some(m) = Message::read(raw) else {
            log.warn(sys, "a message without an id; ignored", "");
            done.ignored += 1;
            continue;
        };
        if inbound(sql, sys, &seller, &value.contacts, &m).await? {
            done.messages += 1;
            if super::media::is_media_kind(&m.kind)
                && let Some(id) = m.raw[m.kind.as_str()]["id"].as_str().filter(|id| !id.is_empty())
            {
                done.media.push(super::send::Job::Media {
                    seller: seller.clone(),
                    wamid: m.wamid.clone(),
                    kind: m.kind.clone(),
                    media_id: id.to_owned(),
                    attempt: 0,
                });
            }
        } else {
            done.duplicates += 1;
        }
    }
    for s in &value.statuses {
        if status(sql, sys, &seller, &value.contacts, s).await? {
            done.statuses += 1;
            if s.status == "failed" && s.errors.iter().any(|e| e.code == Some(super::send::OUTSIDE_WINDOW)) {
                done.outside_window.push((seller.clone(), s.id.clone()));
            }
        } else {
            log.clone().with("status", s.status.as_str()).info(sys, "status of a kind not tracked; ignored");
            done.ignored += 1;
        }
    }
    for p in &value.user_preferences {
        let out = match p.value.as_str() {
            "stop" => true,
            "resume" => false,
            _ => continue,
        };
        let name = profile_for(&value.contacts, &p.wa_id, &p.user_id);
        if let Some(contact) = contact(sql, sys, &seller, &p.user_id, &p.wa_id, name.as_ref()).await? {
            let at = p.timestamp.map_or_else(|| sys.now_ms(), |t| t * 1000);
            sql.execute(opt_change(&seller, &contact, out, at, sys.now_ms())).await?;
            done.preferences += 1;
        }
    }
    Ok(())
}

/// Opts a contact out (or back in) as of `at`, Meta's time of the buyer's word: a later word
/// wins whatever order deliveries are applied in, so a STOP retried late never undoes a START
/// sent after it.
fn opt_change(seller: &str, contact: &str, out: bool, at: i64, now: i64) -> Stmt {
    Stmt::new(
        "UPDATE wa_contacts SET opted_out_at = CASE WHEN ? THEN ? END, opt_changed_at = ?, updated_at = ? \
         WHERE id = ? AND seller_id = ? AND ? >= coalesce(opt_changed_at, 0)",
    )
    .bind(i64::from(out))
    .bind(at)
    .bind(at)
    .bind(now)
    .bind(contact)
    .bind(seller)
    .bind(at)
}

trait OnlyIfInserted {
    /// The statement, taking effect only when the message row `id` was inserted in the same batch.
    fn and_then_exists(self, id: &str) -> Stmt;
}

impl OnlyIfInserted for Stmt {
    fn and_then_exists(self, id: &str) -> Stmt {
        Stmt { sql: format!("{} AND EXISTS (SELECT 1 FROM wa_messages WHERE id = ?)", self.sql), ..self }.bind(id)
    }
}

/// The `contacts` element that describes this sender: matched by BSUID or phone, else the only
/// one given, provided it names no other buyer (a different phone or BSUID): one buyer's
/// identity must never be pinned on another's.
fn profile_for(contacts: &[Contact], wa_id: &str, user_id: &str) -> Option<Contact> {
    let matches =
        |c: &&Contact| (!user_id.is_empty() && c.user_id == user_id) || (!wa_id.is_empty() && c.wa_id == wa_id);
    let differs = |ours: &str, theirs: &str| !ours.is_empty() && !theirs.is_empty() && ours != theirs;
    let lone = match contacts {
        [only] if !differs(wa_id, &only.wa_id) && !differs(user_id, &only.user_id) => Some(only),
        _ => None,
    };
    contacts.iter().find(matches).or(lone).cloned()
}

/// Finds or makes the seller's contact for a BSUID and/or phone number; `None` when both are
/// empty. The key is the BSUID when known, else the wa_id; a contact keeps its key for life.
async fn contact(
    sql: &impl Sql,
    sys: &impl System,
    seller: &str,
    bsuid: &str,
    wa_id: &str,
    profile: Option<&Contact>,
) -> Result<Option<String>, ApplyError> {
    let bsuid = if bsuid.is_empty() { profile.map_or("", |c| c.user_id.as_str()) } else { bsuid };
    let wa_id = if wa_id.is_empty() { profile.map_or("", |c| c.wa_id.as_str()) } else { wa_id };
    let (name, username) = profile.map_or(("", ""), |c| (c.profile.name.as_str(), c.profile.username.as_str()));
    if bsuid.is_empty() && wa_id.is_empty() {
        return Ok(None);
    }
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let now = sys.now_ms();
    let found: Option<Id> = crate::repo::opt(
        sql,
        Stmt::new(
            "SELECT id FROM wa_contacts WHERE seller_id = ? AND ((? <> '' AND bsuid = ?) OR (? <> '' AND wa_id = ?)) \
             ORDER BY created_at LIMIT 1",
        )
        .bind(seller)
        .bind(bsuid)
        .bind(bsuid)
        .bind(wa_id)
        .bind(wa_id),
    )
    .await?;
    if let Some(Id { id }) = found {
        sql.execute(
            Stmt::new(
                "UPDATE wa_contacts SET bsuid = coalesce(nullif(?, ''), bsuid), wa_id = coalesce(nullif(?, ''), wa_id), \
                 profile_name = coalesce(nullif(?, ''), profile_name), username = coalesce(nullif(?, ''), username), \
                 updated_at = ? WHERE id = ? AND seller_id = ?",
            )
            .bind(bsuid)
            .bind(wa_id)
            .bind(name)
            .bind(username)
            .bind(now)
            .bind(&id)
            .bind(seller),
        )
        .await?;
        return Ok(Some(id));
    }
    let key = if bsuid.is_empty() { wa_id } else { bsuid };
    let rows: Vec<Id> = crate::repo::all(
        sql,
        Stmt::new(
            "INSERT INTO wa_contacts (id, seller_id, key, bsuid, wa_id, profile_name, username, created_at, updated_at) \
             VALUES (?, ?, ?, nullif(?, ''), nullif(?, ''), nullif(?, ''), nullif(?, ''), ?, ?) \
             ON CONFLICT (seller_id, key) DO UPDATE SET updated_at = excluded.updated_at RETURNING id",
        )
        .bind(new_id(sys, "wac")?)
        .bind(seller)
        .bind(key)
        .bind(bsuid)
        .bind(wa_id)
        .bind(name)
        .bind(username)
        .bind(now)
        .bind(now),
    )
    .await?;
    Ok(rows.into_iter().next().map(|r| r.id))
}

/// The seller's one conversation with a contact, made on first contact.
async fn conversation(
    sql: &impl Sql,
    sys: &impl System,
    seller: &str,
    contact: &str,
    at: i64,
) -> Result<String, ApplyError> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let now = sys.now_ms();
    let rows: Vec<Id> = crate::repo::all(
        sql,
        Stmt::new(
            "INSERT INTO wa_conversations (id, seller_id, contact_id, last_message_at, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (seller_id, contact_id) DO UPDATE SET updated_at = wa_conversations.updated_at RETURNING id",
        )
        .bind(new_id(sys, "wcv")?)
        .bind(seller)
        .bind(contact)
        .bind(at)
        .bind(now)
        .bind(now),
    )
    .await?;
    rows.into_iter()
        .next()
        .map(|r| r.id)
        .ok_or_else(|| ApplyError::Store(PortError::unavailable("conversation upsert returned no row")))
}

/// Stores an inbound message; `false` when its wamid was already stored for this seller.
async fn inbound(
    sql: &impl Sql,
    sys: &impl System,
    seller: &str,
    contacts: &[Contact],
    m: &Message,
) -> Result<bool, ApplyError> {
    let now = sys.now_ms();
    let at = m.timestamp.map_or(now, |t| t * 1000);
    let profile = profile_for(contacts, &m.from, &m.from_user_id);
    let contact_id = contact(sql, sys, seller, &m.from_user_id, &m.from, profile.as_ref()).await?;
    let conversation_id = match &contact_id {
        Some(c) => Some(conversation(sql, sys, seller, c, at).await?),
        None => None,
    };
    let id = new_id(sys, "wam")?;
    // Edits and deletions change what the list shows, not what is unread.
    let counts = i64::from(!matches!(m.kind.as_str(), "edit" | "revoke" | "system"));
    let mut stmts = vec![
        Stmt::new(
            "INSERT INTO wa_messages (id, seller_id, conversation_id, wamid, direction, type, preview, payload, reply_to, \
             status, status_rank, error_code, error_title, sent_at, created_at, updated_at) \
             VALUES (?, ?, ?, ?, 'in', ?, ?, ?, ?, 'received', 0, ?, ?, ?, ?, ?) \
             ON CONFLICT (seller_id, wamid) DO NOTHING",
        )
        .bind(&id)
        .bind(seller)
        .bind(conversation_id.clone())
        .bind(&m.wamid)
        .bind(&m.kind)
        .bind(&m.preview)
        .bind(m.raw.to_string())
        .bind(m.reply_to.clone())
        .bind(m.error.as_ref().and_then(|e| e.code))
        .bind(m.error.as_ref().map(|e| e.title.clone()).filter(|t| !t.is_empty()))
        .bind(at)
        .bind(now)
        .bind(now),
    ];
    // Everything below runs only when the insert above took place: the EXISTS on the new
    // row's id is false for a duplicate, in the same transaction.
    if let Some(conv) = &conversation_id {
        stmts.push(
            Stmt::new(
                "UPDATE wa_conversations SET unread = unread + ?, \
                 last_preview = CASE WHEN ? >= last_message_at THEN ? ELSE last_preview END, \
                 last_message_at = max(last_message_at, ?), last_inbound_at = max(coalesce(last_inbound_at, 0), ?), \
                 state = 'open', updated_at = ? \
                 WHERE id = ? AND seller_id = ? AND EXISTS (SELECT 1 FROM wa_messages WHERE id = ?)",
            )
            .bind(counts)
            .bind(at)
            .bind(&m.preview)
            .bind(at)
            .bind(at)
            .bind(now)
            .bind(conv)
            .bind(seller)
            .bind(&id),
        );
    }
    // A typed STOP or START, or the "Stop promotions" button of a marketing template.
    let said = match m.kind.as_str() {
        "text" => m.raw["text"]["body"].as_str(),
        "button" => m.raw["button"]["text"].as_str(),
        _ => None,
    }
    .unwrap_or("");
    let opt = if is_opt_out(said) {
        Some(true)
    } else if super::delivery::is_opt_in(said) {
        Some(false)
    } else {
        None
    };
    if let (Some(contact), Some(out)) = (&contact_id, opt) {
        stmts.push(opt_change(seller, contact, out, at, now).and_then_exists(&id));
    }
    let original = |kind: &str| m.raw[kind]["original_message_id"].as_str().unwrap_or("").to_owned();
    let edited = match m.kind.as_str() {
        "edit" => Some((original("edit"), m.preview.trim_start_matches("[edited] ").to_owned())),
        "revoke" => Some((original("revoke"), m.preview.clone())),
        _ => None,
    };
    if let Some((wamid, preview)) = edited.filter(|(w, _)| !w.is_empty()) {
        stmts.push(
            Stmt::new(
                "UPDATE wa_messages SET preview = ?, updated_at = ? WHERE seller_id = ? AND wamid = ? AND direction = 'in' \
                 AND EXISTS (SELECT 1 FROM wa_messages WHERE id = ?)",
            )
            .bind(preview)
            .bind(now)
            .bind(seller)
            .bind(wamid)
            .bind(&id),
        );
    }
    let changed = sql.batch(stmts).await?;
    Ok(changed.first().copied().unwrap_or(0) == 1)
}

/// Applies a status; `false` for a status the hub does not track (payments, placeholders).
async fn status(
    sql: &impl Sql,
    sys: &impl System,
    seller: &str,
    contacts: &[Contact],
    s: &Status,
) -> Result<bool, ApplyError> {
    let Some(rank) = status_rank(&s.status) else { return Ok(false) };
    if s.id.is_empty() {
        return Ok(false);
    }
    let now = sys.now_ms();
    let at = s.timestamp.map_or(now, |t| t * 1000);
    let group = s.recipient_type == "group";
    let conversation_id = if group {
        None
    } else {
        let profile = profile_for(contacts, &s.recipient_id, &s.recipient_user_id);
        match contact(sql, sys, seller, &s.recipient_user_id, &s.recipient_id, profile.as_ref()).await? {
            Some(c) => Some(conversation(sql, sys, seller, &c, at).await?),
            None => None,
        }
    };
    let error = s.errors.first();
    sql.execute(
        Stmt::new(
            "INSERT INTO wa_messages (id, seller_id, conversation_id, wamid, direction, type, status, status_rank, \
             error_code, error_title, sent_at, status_at, created_at, updated_at) \
             VALUES (?, ?, ?, ?, 'out', 'unknown', ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (seller_id, wamid) DO UPDATE SET \
             status = CASE WHEN excluded.status_rank > wa_messages.status_rank THEN excluded.status ELSE wa_messages.status END, \
             status_at = CASE WHEN excluded.status_rank > wa_messages.status_rank THEN excluded.status_at ELSE wa_messages.status_at END, \
             status_rank = max(wa_messages.status_rank, excluded.status_rank), \
             error_code = coalesce(wa_messages.error_code, excluded.error_code), \
             error_title = coalesce(wa_messages.error_title, excluded.error_title), \
             conversation_id = coalesce(wa_messages.conversation_id, excluded.conversation_id), \
             updated_at = excluded.updated_at",
        )
        .bind(new_id(sys, "wam")?)
        .bind(seller)
        .bind(conversation_id)
        .bind(&s.id)
        .bind(&s.status)
        .bind(rank)
        .bind(error.and_then(|e| e.code))
        .bind(error.map(|e| e.title.clone()).filter(|t| !t.is_empty()))
        .bind(at)
        .bind(at)
        .bind(now)
        .bind(now),
    )
    .await?;
    Ok(true)
}

/// A template's review (or category) update, for every seller on that business account.
async fn template_change(
    sql: &impl Sql,
    sys: &impl System,
    log: &LogCtx,
    waba_id: &str,
    change: &Change,
    done: &mut Applied,
) -> Result<(), ApplyError> {
    let t: TemplateUpdate = serde_json::from_value(change.value.clone())
        .map_err(|e| ApplyError::Unreadable(format!("a {} change: {e}", change.field)))?;
    if t.message_template_name.is_empty() {
        log.clone().with("waba_id", waba_id).warn(sys, "template update without a template name; ignored", "");
        done.ignored += 1;
        return Ok(());
    }
    let category = if t.new_category.is_empty() { t.message_template_category.clone() } else { t.new_category.clone() };
    // Only templates a seller made through the hub are updated, on the sellers connected to
    // that business account, and where both ids are known they must agree: a WABA id typed
    // into another seller's connection never brings that account's templates into it.
    let changed = sql
        .execute(
            Stmt::new(
                "UPDATE wa_templates SET status = coalesce(nullif(?, ''), status), \
                 reason = CASE WHEN ? <> '' THEN nullif(?, 'NONE') ELSE reason END, \
                 category = coalesce(nullif(?, ''), category), updated_at = ? \
                 WHERE seller_id IN (SELECT seller_id FROM wa_connections WHERE waba_id = ?) \
                 AND name = ? AND language = ? AND (graph_id IS NULL OR ? = '' OR graph_id = ?)",
            )
            .bind(&t.event)
            .bind(&t.event)
            .bind(&t.reason)
            .bind(&category)
            .bind(sys.now_ms())
            .bind(waba_id)
            .bind(&t.message_template_name)
            .bind(&t.message_template_language)
            .bind(&t.message_template_id)
            .bind(&t.message_template_id),
        )
        .await?;
    if changed == 0 {
        log.clone().with("waba_id", waba_id).with("template", t.message_template_name.as_str()).warn(
            sys,
            "template update for no template a seller made here; dropped",
            "",
        );
        done.dropped += 1;
    }
    done.templates += usize::try_from(changed).unwrap_or(0);
    Ok(())
}
