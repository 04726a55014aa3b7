//! `POST /api/v1/products/bulk`: publish, unpublish, archive or delete many products at once.
//! Ids go to SQL in chunks that keep every statement under D1's 100 bound parameters; each chunk
//! is read (which rows will change), then changed in one batch with the seller's catalog version,
//! and every id the seller sent is answered: changed, or why not.

use crate::accounts::SellerId;
use crate::error::{ApiError, ApiResult};
use crate::ports::{Sql, SqlValue, Stmt, System};
use crate::products::{ARCHIVED, DRAFT, NO_TITLE, PUBLISHED, REASON_NO_PRICE, REASON_NO_TITLE};
use crate::repo::all;
use crate::storefront;
use serde::{Deserialize, Serialize};

/// D1 binds at most 100 parameters per statement; a chunk leaves room for the others.
pub const CHUNK: usize = 90;
pub const MAX_IDS: usize = 500;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BulkRequest {
    pub ids: Vec<String>,
    /// `publish`, `unpublish`, `archive` or `delete`.
    pub action: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BulkSkipped {
    pub id: String,
    /// `not_found`, `no_price`, `no_title` or `unchanged` (already so).
    pub reason: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BulkResult {
    pub action: String,
    pub changed: Vec<String>,
    pub skipped: Vec<BulkSkipped>,
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

fn with_ids(mut stmt: Stmt, ids: &[String]) -> Stmt {
    stmt.params.extend(ids.iter().map(|i| SqlValue::Text(i.clone())));
    stmt
}

pub async fn run(sql: &impl Sql, sys: &impl System, seller: &SellerId, req: BulkRequest) -> ApiResult<BulkResult> {
    let mut ids: Vec<String> = Vec::new();
    for id in req.ids {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() || ids.len() > MAX_IDS {
        return Err(ApiError::bad_request("invalid_ids", format!("send 1 to {MAX_IDS} product ids")));
    }
    let (to, guard) = match req.action.as_str() {
        "delete" => ("", ""),
        "publish" => (PUBLISHED, "AND price IS NOT NULL AND title != '' AND title != ?"),
        "unpublish" => (DRAFT, "AND ? IS NOT NULL"),
        "archive" => (ARCHIVED, "AND ? IS NOT NULL"),
        _ => {
            return Err(ApiError::bad_request(
                "invalid_action",
                "action must be publish, unpublish, archive or delete",
            ));
        }
    };
    let now = sys.now_ms();
    let mut changed: Vec<String> = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let marks = placeholders(chunk.len());
        // What this chunk changes, then the change and the catalog version in one batch: a
        // cached read never outlives the write it missed.
        let (select, write) = if to.is_empty() {
            (
                Stmt::new(format!("SELECT id FROM products WHERE seller_id = ? AND id IN ({marks})")).bind(&seller.0),
                Stmt::new(format!("DELETE FROM products WHERE seller_id = ? AND id IN ({marks})")).bind(&seller.0),
            )
        } else {
            (
                Stmt::new(format!(
                    "SELECT id FROM products WHERE seller_id = ? AND status != ? {guard} AND id IN ({marks})"
                ))
                .bind(&seller.0)
                .bind(to)
                .bind(NO_TITLE),
                Stmt::new(format!(
                    "UPDATE products SET status = ?, status_reason = NULL, version = version + 1, updated_at = ? \
                     WHERE seller_id = ? AND status != ? {guard} AND id IN ({marks})"
                ))
                .bind(to)
                .bind(now)
                .bind(&seller.0)
                .bind(to)
                .bind(NO_TITLE),
            )
        };
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        let rows: Vec<Id> = all(sql, with_ids(select, chunk)).await?;
        if rows.is_empty() {
            continue;
        }
        sql.batch(vec![with_ids(write, chunk), storefront::bump(&seller.0, now)]).await?;
        changed.extend(rows.into_iter().map(|r| r.id));
    }
    let rest: Vec<String> = ids.iter().filter(|i| !changed.contains(i)).cloned().collect();
    let skipped = reasons(sql, seller, &rest, req.action == "publish").await?;
    Ok(BulkResult { action: req.action, changed, skipped })
}

/// Why each of `ids` did not change.
async fn reasons(sql: &impl Sql, seller: &SellerId, ids: &[String], publishing: bool) -> ApiResult<Vec<BulkSkipped>> {
    #[derive(Deserialize)]
    struct Row {
        id: String,
        title: String,
        price: Option<String>,
    }
    let mut found: Vec<Row> = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let stmt = Stmt::new(format!(
            "SELECT id, title, price FROM products WHERE seller_id = ? AND id IN ({})",
            placeholders(chunk.len())
        ))
        .bind(&seller.0);
        found.extend(all::<Row>(sql, with_ids(stmt, chunk)).await?);
    }
    Ok(ids
        .iter()
        .map(|id| {
            let reason = match found.iter().find(|r| &r.id == id) {
                None => "not_found",
                Some(r) if publishing && r.price.is_none() => REASON_NO_PRICE,
                Some(r) if publishing && (r.title.is_empty() || r.title == NO_TITLE) => REASON_NO_TITLE,
                Some(_) => "unchanged",
            };
            BulkSkipped { id: id.clone(), reason: reason.to_owned() }
        })
        .collect())
}
