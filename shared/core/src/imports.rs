//! Bulk import: `POST /api/v1/products/import` takes a CSV of TikTok links (a `url` column, and
//! optional `title`, `price` and `currency` overrides for the product each link makes) and
//! answers at once with the import's id; the import queue works through the rows at the hub's
//! own pace ([`ROWS_PER_RUN`] a message, then the message sends itself again after
//! [`RUN_DELAY_SECONDS`]), so an import is never refused by the per-minute submission limit and
//! does not starve the seller's interactive submissions. Each row ends `submitted` (a new job),
//! `existing` (the seller had already submitted the video: a second run of the same file
//! imports nothing twice and changes nothing, the seller's edits included) or `failed` with why; `GET /api/v1/products/imports/{id}` reports the
//! rows with their jobs' progress.

use crate::accounts::SellerId;
use crate::error::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::ingest;
use crate::log::LogCtx;
use crate::ports::{Queue, Sql, Stmt, System, Topic};
use crate::products::input::{Amount, MAX_TITLE, is_currency};
use crate::repo::{all, opt};
use crate::stages::StageOutcome;
use http::StatusCode;
use serde::{Deserialize, Serialize};

pub const MAX_ROWS: usize = 1000;
/// Imports of one seller still working at once; another waits for one to finish (409).
pub const MAX_OPEN: usize = 3;
pub const ROWS_PER_RUN: usize = 10;
pub const RUN_DELAY_SECONDS: u32 = 1;
/// Rows per INSERT (9 parameters each) under D1's 100 bound parameters.
const INSERT_CHUNK: usize = 10;

pub const PENDING: &str = "pending";
pub const SUBMITTED: &str = "submitted";
pub const EXISTING: &str = "existing";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportMessage {
    pub v: u32,
    pub import_id: String,
    pub seller_id: String,
    pub request_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportRowView {
    /// The row of the file (the header, when there is one, is row 1; blank lines do not count).
    pub line: i64,
    pub url: String,
    /// `pending`, `submitted`, `existing` or `failed`.
    pub state: String,
    pub job_id: Option<String>,
    /// The job's status once submitted.
    pub job_status: Option<String>,
    pub product_id: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportView {
    pub id: String,
    pub total: i64,
    pub pending: i64,
    pub submitted: i64,
    pub existing: i64,
    pub failed: i64,
    /// Rows whose work is over: failed, or their job ended (ready, failed or duplicate).
    pub finished: i64,
    /// Every row finished.
    pub done: bool,
    pub created_at: i64,
    pub rows: Vec<ImportRowView>,
}

/// One parsed CSV line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub line: i64,
    pub url: String,
    pub title: Option<String>,
    pub price: Option<String>,
    pub currency: Option<String>,
    /// Why the line cannot be imported, if it cannot.
    pub error: Option<String>,
}

/// Parses the CSV: a header naming `url` (or `link`), and optionally `title`, `price`,
/// `currency`; or, without a header, links in the first column. Lines are checked here (link
/// grammar, price, currency); a bad line becomes a failed row, never a refused file.
pub fn parse(body: &[u8], default_currency: Option<&str>) -> ApiResult<Vec<Line>> {
    let text = std::str::from_utf8(body).map_err(|_| ApiError::bad_request("invalid_csv", "the CSV is not UTF-8"))?;
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let mut records = reader.records();
    let first = match records.next() {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Err(ApiError::bad_request("invalid_csv", format!("the CSV is malformed: {e}"))),
        None => return Err(ApiError::bad_request("empty_csv", "the CSV has no lines")),
    };
    let names: Vec<String> = first.iter().map(str::to_ascii_lowercase).collect();
    let has_header = names.iter().any(|n| n == "url" || n == "link");
    let column = |name: &str| names.iter().position(|n| n == name);
    let (url_at, title_at, price_at, currency_at) = if has_header {
        (column("url").or_else(|| column("link")).unwrap_or(0), column("title"), column("price"), column("currency"))
    } else {
        (0, None, None, None)
    };
    let mut out: Vec<Line> = Vec::new();
    let mut all_records: Vec<csv::StringRecord> = Vec::new();
    if !has_header {
        all_records.push(first);
    }
    for r in records {
        all_records.push(r.map_err(|e| ApiError::bad_request("invalid_csv", format!("the CSV is malformed: {e}")))?);
    }
    for (i, r) in all_records.iter().enumerate() {
        let get = |at: Option<usize>| at.and_then(|a| r.get(a)).filter(|s| !s.is_empty()).map(str::to_owned);
        let Some(url) = get(Some(url_at)) else { continue };
        let line = r.position().map_or(i as u64 + 1, csv::Position::line);
        let line = i64::try_from(line).unwrap_or(i64::MAX);
        let title = get(title_at);
        let price = get(price_at);
        let currency = get(currency_at).map(|c| c.to_ascii_uppercase()).or(default_currency.map(str::to_owned));
        let mut error = crate::tiktok::TikTokLink::parse(&url).err().map(|e| e.message().to_string());
        if error.is_none() && title.as_ref().is_some_and(|t| t.chars().count() > MAX_TITLE) {
            error = Some(format!("title: at most {MAX_TITLE} characters"));
        }
        let amount = price.as_deref().map(Amount::parse);
        if error.is_none() && matches!(amount, Some(None)) {
            error = Some("price: a decimal of at most 4 places (12.50)".to_owned());
        }
        if error.is_none() && price.is_some() && !currency.as_deref().is_some_and(is_currency) {
            error = Some(
                "currency: an ISO 4217 code is needed with a price (a currency column, or the storefront's)".into(),
            );
        }
        out.push(Line {
            line,
            url,
            title,
            price: amount.flatten().map(|a| a.text),
            currency: currency.filter(|_| price.is_some()),
            error,
        });
    }
    if out.is_empty() {
        return Err(ApiError::bad_request("empty_csv", "the CSV has no links"));
    }
    if out.len() > MAX_ROWS {
        return Err(ApiError::bad_request("too_many_rows", format!("at most {MAX_ROWS} links per import")));
    }
    Ok(out)
}

/// Stores the import and its rows and queues its first run: 202 with the import as it stands.
pub async fn create(
    sql: &impl Sql,
    queue: &impl Queue,
    sys: &impl System,
    seller: &SellerId,
    body: &[u8],
    request_id: &str,
) -> ApiResult<(StatusCode, ImportView)> {
    let settings = crate::storefront::settings_row(sql, seller).await?;
    let lines = parse(body, settings.currency.as_deref())?;
    let open: Vec<serde_json::Value> = all(
        sql,
        Stmt::new("SELECT DISTINCT import_id FROM import_rows WHERE seller_id = ? AND state = ? LIMIT ?")
            .bind(&seller.0)
            .bind(PENDING)
            .bind(i64::try_from(MAX_OPEN).unwrap_or(3)),
    )
    .await?;
    if open.len() >= MAX_OPEN {
        return Err(ApiError::conflict(
            "too_many_imports",
            format!("{MAX_OPEN} of your imports are still working; send this one when one has finished"),
        ));
    }
    let id = new_id(sys, "imp")?;
    let now = sys.now_ms();
    let mut stmts = vec![
        Stmt::new("INSERT INTO imports (id, seller_id, total, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
            .bind(id.as_str())
            .bind(&seller.0)
            .bind(i64::try_from(lines.len()).unwrap_or(i64::MAX))
            .bind(now)
            .bind(now),
    ];
    for chunk in lines.chunks(INSERT_CHUNK) {
        let mut stmt = Stmt::new(format!(
            "INSERT INTO import_rows (import_id, seller_id, line, url, title, price, currency, state, error) VALUES {}",
            vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ")
        ));
        for l in chunk {
            stmt = stmt
                .bind(id.as_str())
                .bind(&seller.0)
                .bind(l.line)
                .bind(l.url.as_str())
                .bind(l.title.clone())
                .bind(l.price.clone())
                .bind(l.currency.clone())
                .bind(if l.error.is_some() { FAILED } else { PENDING })
                .bind(l.error.clone());
        }
        stmts.push(stmt);
    }
    sql.batch(stmts).await?;
    let msg =
        ImportMessage { v: 1, import_id: id.clone(), seller_id: seller.0.clone(), request_id: request_id.to_owned() };
    if let Err(e) = queue.send(Topic::Import, &serde_json::to_string(&msg)?).await {
        // Nothing would work the rows: they fail with why, and the file can be sent again.
        sql.execute(fail_pending(&id, &seller.0, "the import could not be queued; send the file again")).await?;
        return Err(e.into());
    }
    Ok((StatusCode::ACCEPTED, get(sql, seller, &id).await?))
}

fn fail_pending(import_id: &str, seller_id: &str, why: &str) -> Stmt {
    Stmt::new("UPDATE import_rows SET state = ?, error = ? WHERE import_id = ? AND seller_id = ? AND state = ?")
        .bind(FAILED)
        .bind(why)
        .bind(import_id)
        .bind(seller_id)
        .bind(PENDING)
}

pub async fn get(sql: &impl Sql, seller: &SellerId, id: &str) -> ApiResult<ImportView> {
    #[derive(Deserialize)]
    struct Head {
        total: i64,
        created_at: i64,
    }
    let head: Head = opt(
        sql,
        Stmt::new("SELECT total, created_at FROM imports WHERE id = ? AND seller_id = ?").bind(id).bind(&seller.0),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("no such import"))?;
    let rows: Vec<ImportRowView> = all(
        sql,
        Stmt::new(
            "SELECT r.line, r.url, r.state, r.job_id, j.status AS job_status, p.id AS product_id, r.error \
             FROM import_rows r LEFT JOIN jobs j ON j.id = r.job_id AND j.seller_id = r.seller_id \
             LEFT JOIN products p ON p.job_id = r.job_id AND p.seller_id = r.seller_id \
             WHERE r.import_id = ? AND r.seller_id = ? ORDER BY r.line",
        )
        .bind(id)
        .bind(&seller.0),
    )
    .await?;
    let count = |state: &str| i64::try_from(rows.iter().filter(|r| r.state == state).count()).unwrap_or(0);
    let ended = |r: &ImportRowView| {
        r.state == FAILED
            || r.job_status.as_deref().is_some_and(|s| {
                s == crate::jobs::status::READY
                    || s == crate::jobs::status::FAILED
                    || s == crate::jobs::status::DUPLICATE
            })
    };
    let finished = i64::try_from(rows.iter().filter(|r| ended(r)).count()).unwrap_or(0);
    Ok(ImportView {
        id: id.to_owned(),
        total: head.total,
        pending: count(PENDING),
        submitted: count(SUBMITTED),
        existing: count(EXISTING),
        failed: count(FAILED),
        finished,
        done: finished == head.total,
        created_at: head.created_at,
        rows,
    })
}

/// The title and price a seller's import asked for, for the product the job makes.
pub async fn overrides(
    sql: &impl Sql,
    job_id: &str,
    seller_id: &str,
) -> ApiResult<Option<(Option<String>, Option<String>, Option<String>)>> {
    #[derive(Deserialize)]
    struct O {
        title: Option<String>,
        price: Option<String>,
        currency: Option<String>,
    }
    let o: Option<O> = opt(
        sql,
        Stmt::new(
            "SELECT title, price, currency FROM import_rows WHERE job_id = ? AND seller_id = ? \
             AND (title IS NOT NULL OR price IS NOT NULL) ORDER BY import_id DESC LIMIT 1",
        )
        .bind(job_id)
        .bind(seller_id),
    )
    .await?;
    Ok(o.map(|o| (o.title, o.price, o.currency)))
}

pub struct ImportDeps<'a, S, Q, Y> {
    pub sql: &'a S,
    pub queue: &'a Q,
    pub sys: &'a Y,
}

/// One run of an import: submits the next rows, then sends the message again while rows are
/// left. A storage fault is a retry; a row's own problem fails the row.
pub async fn process<S: Sql, Q: Queue, Y: System>(d: &ImportDeps<'_, S, Q, Y>, body: &str) -> StageOutcome {
    let log = LogCtx::new("import");
    let Ok(msg) = serde_json::from_str::<ImportMessage>(body) else {
        log.error(d.sys, "unparseable import message dropped", body);
        return StageOutcome::Discarded;
    };
    let log = log.with("import_id", msg.import_id.as_str()).with("seller_id", msg.seller_id.as_str());
    match run(d, &msg).await {
        Ok(true) => match d.queue.send_after(Topic::Import, body, RUN_DELAY_SECONDS).await {
            Ok(()) => StageOutcome::Done,
            Err(e) => {
                log.warn(d.sys, "the next run could not be queued; retry", &e.to_string());
                StageOutcome::RetryAfter(RUN_DELAY_SECONDS)
            }
        },
        Ok(false) => {
            log.info(d.sys, "import worked through");
            StageOutcome::Done
        }
        Err(e) => {
            log.warn(d.sys, "transient failure; retry", e.cause.as_deref().unwrap_or(&e.message));
            StageOutcome::RetryAfter(2)
        }
    }
}

/// Submits up to [`ROWS_PER_RUN`] pending rows; true when rows are left.
async fn run<S: Sql, Q: Queue, Y: System>(d: &ImportDeps<'_, S, Q, Y>, msg: &ImportMessage) -> ApiResult<bool> {
    #[derive(Deserialize)]
    struct Pending {
        line: i64,
        url: String,
    }
    let seller = SellerId(msg.seller_id.clone());
    let rows: Vec<Pending> = all(
        d.sql,
        Stmt::new(
            "SELECT line, url FROM import_rows WHERE import_id = ? AND seller_id = ? AND state = ? \
             ORDER BY line LIMIT ?",
        )
        .bind(msg.import_id.as_str())
        .bind(&seller.0)
        .bind(PENDING)
        .bind(i64::try_from(ROWS_PER_RUN + 1).unwrap_or(11)),
    )
    .await?;
    let more = rows.len() > ROWS_PER_RUN;
    for row in rows.into_iter().take(ROWS_PER_RUN) {
        let (state, job_id, error) =
            match ingest::submit(d.sql, d.queue, d.sys, &seller, &row.url, &msg.request_id).await {
                Ok((status, resp)) if status == StatusCode::ACCEPTED => (SUBMITTED, Some(resp.job_id), None),
                Ok((_, resp)) => (EXISTING, Some(resp.job_id), None),
                Err(e) if e.status.is_server_error() => return Err(e),
                Err(e) => (FAILED, None, Some(e.message)),
            };
        let stmts = vec![
            Stmt::new(
                "UPDATE import_rows SET state = ?, job_id = ?, error = ? WHERE import_id = ? AND seller_id = ? AND line = ? \
                 AND state = ?",
            )
            .bind(state)
            .bind(job_id.clone())
            .bind(error)
            .bind(msg.import_id.as_str())
            .bind(&seller.0)
            .bind(row.line)
            .bind(PENDING),
            Stmt::new("UPDATE imports SET updated_at = ? WHERE id = ? AND seller_id = ?")
                .bind(d.sys.now_ms())
                .bind(msg.import_id.as_str())
                .bind(&seller.0),
        ];
        d.sql.batch(stmts).await?;
    }
    Ok(more)
}

/// The import message ran out of retries: its pending rows fail with why, so the import ends.
pub async fn dead_letter(sql: &impl Sql, sys: &impl System, body: &str) -> StageOutcome {
    let Ok(msg) = serde_json::from_str::<ImportMessage>(body) else { return StageOutcome::Discarded };
    match sql
        .execute(fail_pending(
            &msg.import_id,
            &msg.seller_id,
            "the import stopped after repeated faults; send the file again",
        ))
        .await
    {
        Ok(_) => {
            LogCtx::new("import").with("import_id", msg.import_id.as_str()).warn(sys, "import dead-lettered", "");
            StageOutcome::Done
        }
        Err(_) => StageOutcome::RetryAfter(5),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_header_picks_columns_and_bad_lines_fail_alone() {
        let csv = "Title,URL,price\n\
                   Serum,https://www.tiktok.com/@a/video/7301000000000000001,24.99\n\
                   ,https://example.com/not-tiktok,\n\
                   \"Wrap, striped\",https://vm.tiktok.com/ZMabc1234/,12.345678\n";
        let lines = parse(csv.as_bytes(), Some("USD")).unwrap();
        assert_eq!(lines.iter().map(|l| l.line).collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(
            (lines[0].title.as_deref(), lines[0].price.as_deref(), lines[0].currency.as_deref()),
            (Some("Serum"), Some("24.99"), Some("USD"))
        );
        assert!(lines[0].error.is_none());
        assert!(lines[1].error.is_some(), "not a TikTok link");
        assert_eq!(lines[2].title.as_deref(), Some("Wrap, striped"));
        assert!(lines[2].error.as_deref().unwrap().starts_with("price"));
    }

    #[test]
    fn links_alone_need_no_header_and_a_price_needs_a_currency() {
        let lines = parse(b"https://www.tiktok.com/@a/video/7301000000000000001\n\nhttps://www.tiktok.com/@a/video/7301000000000000002\n", None).unwrap();
        assert_eq!(lines.iter().map(|l| l.line).collect::<Vec<_>>(), vec![1, 2], "blank lines skipped");
        let priced = parse(b"url,price\nhttps://www.tiktok.com/@a/video/7301000000000000001,10\n", None).unwrap();
        assert!(priced[0].error.as_deref().unwrap().starts_with("currency"));
        assert_eq!(parse(b"", None).err().unwrap().code, "empty_csv");
    }
}
