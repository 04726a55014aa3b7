//! `GET /api/v1/products`: the seller's products, searched with SQLite FTS5 and filtered.
//!
//! The index (`products_fts`, migration 0008) folds case and diacritics (`unicode61
//! remove_diacritics 2`: `cafe` finds `café`), keeps prefix indexes of 2 and 3 characters (the
//! last word matches as a prefix while the seller types), and carries the seller as a token of
//! its own, so a search intersects one seller's rows inside the index. Ranking is bm25 with the
//! title weighted over tags and description. Pages are cut by a cursor on the sort key and the
//! row's integer key, so a page never repeats or skips a row.

use crate::accounts::SellerId;
use crate::error::{ApiError, ApiResult};
use crate::ports::{Sql, SqlValue, Stmt};
use crate::products::input::{AVAILABILITIES, Amount, CATEGORIES, STATUSES};
use crate::products::{COLUMNS, ProductRow, ProductView};
use crate::repo::all;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// bm25 weights per column of `products_fts`: owner, title, description, tags.
const RANK: &str = "bm25(products_fts, 0.0, 10.0, 1.0, 4.0)";

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to find in titles, tags and descriptions; the last one matches as a prefix.
    pub q: Option<String>,
    /// `draft`, `published` or `archived`.
    pub status: Option<String>,
    pub category: Option<String>,
    /// Products with this tag.
    pub tag: Option<String>,
    pub availability: Option<String>,
    /// Lowest price, inclusive (a decimal).
    pub min_price: Option<String>,
    /// Highest price, inclusive.
    pub max_price: Option<String>,
    /// `relevance` (default with `q`), `newest` (default without), `price_asc`, `price_desc`.
    pub sort: Option<String>,
    /// `next_cursor` of the previous page (with the same query).
    pub cursor: Option<String>,
    /// 1-100, default 20.
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProductPage {
    pub items: Vec<ProductView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    Relevance,
    Newest,
    PriceAsc,
    PriceDesc,
}

impl Sort {
    /// The sort key expression, its direction, and whether it is a float.
    fn key(self) -> (&'static str, bool) {
        match self {
            Sort::Relevance => (RANK, true),
            Sort::Newest => ("p.created_at", false),
            // Unpriced last; the placeholder stays exact as a JavaScript number (D1's rows
            // come through JSON), above any price `Amount` accepts (11 integer digits).
            Sort::PriceAsc => ("COALESCE(p.price_e4, 9000000000000000)", true),
            Sort::PriceDesc => ("COALESCE(p.price_e4, -1)", false),
        }
    }
}

/// The FTS5 query for the words of `q`: each quoted (so nothing the seller types is syntax),
/// all required, the last a prefix unless `q` ends in a space. None when `q` has no words.
pub fn match_expression(owner: &str, q: &str) -> Option<String> {
    let words: Vec<&str> = q.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).take(8).collect();
    let (last, rest) = words.split_last()?;
    // The seller's words match only the text columns: `sel` must not match the owner token.
    let mut expr = format!("owner : \"{owner}\" AND {{title description tags}} : (");
    for w in rest {
        expr.push_str(&format!("\"{w}\" AND "));
    }
    let prefix = if q.ends_with(char::is_whitespace) { "" } else { "*" };
    expr.push_str(&format!("\"{last}\"{prefix})"));
    Some(expr)
}

/// The seller's token in the index (the trigger's `replace(seller_id, '_', '')`).
pub fn owner_token(seller_id: &str) -> String {
    seller_id.replace('_', "")
}

fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::bad_request(code, message)
}

fn price(name: &str, v: Option<&str>) -> ApiResult<Option<i64>> {
    v.map(|s| Amount::parse(s).map(|a| a.e4).ok_or_else(|| bad("invalid_price", format!("{name} must be a decimal"))))
        .transpose()
}

fn one_of(name: &str, v: Option<&String>, allowed: &[&str]) -> ApiResult<()> {
    match v {
        Some(s) if !allowed.contains(&s.as_str()) => {
            Err(bad("invalid_query", format!("{name} must be one of {}", allowed.join(", "))))
        }
        _ => Ok(()),
    }
}

pub async fn search(sql: &impl Sql, seller: &SellerId, q: SearchQuery) -> ApiResult<ProductPage> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(bad("invalid_limit", "limit must be between 1 and 100"));
    }
    one_of("status", q.status.as_ref(), &STATUSES)?;
    one_of("category", q.category.as_ref(), &CATEGORIES)?;
    one_of("availability", q.availability.as_ref(), &AVAILABILITIES)?;
    let (min, max) = (price("min_price", q.min_price.as_deref())?, price("max_price", q.max_price.as_deref())?);
    let expr = q.q.as_deref().and_then(|text| match_expression(&owner_token(&seller.0), text));
    let sort = match (q.sort.as_deref(), expr.is_some()) {
        (None | Some("relevance"), true) => Sort::Relevance,
        (None | Some("newest") | Some("relevance"), false) | (Some("newest"), true) => Sort::Newest,
        (Some("price_asc"), _) => Sort::PriceAsc,
        (Some("price_desc"), _) => Sort::PriceDesc,
        _ => return Err(bad("invalid_sort", "sort must be relevance, newest, price_asc or price_desc")),
    };
    let (key, ascending) = sort.key();
    let mut sql_text = match &expr {
        Some(_) => format!(
            "SELECT {COLUMNS}, {key} AS sort_key FROM products_fts JOIN products p ON p.seq = products_fts.rowid \
             WHERE products_fts MATCH ? AND p.seller_id = ?"
        ),
        None => format!("SELECT {COLUMNS}, {key} AS sort_key FROM products p WHERE p.seller_id = ?"),
    };
    let mut params: Vec<SqlValue> = Vec::new();
    if let Some(e) = &expr {
        params.push(e.clone().into());
    }
    params.push(seller.0.clone().into());
    let mut filter = |clause: &str, values: Vec<SqlValue>| {
        sql_text.push_str(" AND ");
        sql_text.push_str(clause);
        params.extend(values);
    };
    if let Some(s) = &q.status {
        filter("p.status = ?", vec![s.clone().into()]);
    }
    if let Some(c) = &q.category {
        filter("p.category = ?", vec![c.clone().into()]);
    }
    if let Some(a) = &q.availability {
        filter("p.availability = ?", vec![a.clone().into()]);
    }
    if let Some(t) = &q.tag {
        filter("EXISTS (SELECT 1 FROM json_each(p.tags) WHERE value = ?)", vec![t.to_lowercase().into()]);
    }
    if let Some(m) = min {
        filter("p.price_e4 >= ?", vec![m.into()]);
    }
    if let Some(m) = max {
        filter("p.price_e4 <= ?", vec![m.into()]);
    }
    if let Some(c) = &q.cursor {
        let (k, seq) = decode_cursor(c, ascending)?;
        let (cmp, seq_cmp) = if ascending { (">", ">") } else { ("<", "<") };
        filter(&format!("({key} {cmp} ? OR ({key} = ? AND p.seq {seq_cmp} ?))"), vec![k.clone(), k, seq.into()]);
    }
    let dir = if ascending { "ASC" } else { "DESC" };
    sql_text.push_str(&format!(" ORDER BY sort_key {dir}, p.seq {dir} LIMIT ?"));
    params.push(i64::from(limit + 1).into());
    let mut stmt = Stmt::new(sql_text);
    stmt.params = params;
    #[derive(Deserialize)]
    struct Hit {
        #[serde(flatten)]
        row: ProductRow,
        sort_key: Value,
    }
    let mut hits: Vec<Hit> = all(sql, stmt).await?;
    let more = hits.len() > limit as usize;
    hits.truncate(limit as usize);
    let next_cursor = if more { hits.last().map(|h| encode_cursor(&h.sort_key, h.row.seq)) } else { None };
    Ok(ProductPage { items: hits.into_iter().map(|h| h.row.view()).collect(), next_cursor })
}

fn encode_cursor(key: &Value, seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::json!([key, seq]).to_string())
}

fn decode_cursor(c: &str, float_key: bool) -> ApiResult<(SqlValue, i64)> {
    let invalid = || bad("invalid_cursor", "cursor is not one this API returned for this query");
    let bytes = URL_SAFE_NO_PAD.decode(c).map_err(|_| invalid())?;
    let v: (Value, i64) = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    let key = match (&v.0, float_key) {
        (Value::Number(n), _) if n.is_i64() => n.as_i64().map(SqlValue::Int),
        (Value::Number(n), true) => n.as_f64().map(SqlValue::Real),
        _ => None,
    };
    Ok((key.ok_or_else(invalid)?, v.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_seller_types_is_words_never_syntax() {
        let cols = "owner : \"sel1\" AND {title description tags} : ";
        assert_eq!(match_expression("sel1", "café sué").unwrap(), format!("{cols}(\"café\" AND \"sué\"*)"));
        assert_eq!(match_expression("sel1", "serum ").unwrap(), format!("{cols}(\"serum\")"));
        assert_eq!(
            match_expression("sel1", "a\" OR owner : * NEAR(").unwrap(),
            format!("{cols}(\"a\" AND \"OR\" AND \"owner\" AND \"NEAR\"*)")
        );
        assert!(match_expression("sel1", " -- ** ").is_none());
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let c = encode_cursor(&serde_json::json!(-3.25), 42);
        assert_eq!(decode_cursor(&c, true).ok(), Some((SqlValue::Real(-3.25), 42)));
        assert!(decode_cursor("not-a-cursor", true).is_err());
    }
}
