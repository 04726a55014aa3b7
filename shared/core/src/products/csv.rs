//! `GET /api/v1/products/export.csv`: the seller's catalog as CSV (RFC 4180, written by the `csv`
//! crate), for spreadsheets.
//! A cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or
//! a carriage return) is prefixed with `'` (OWASP's advice against CSV injection).

use crate::accounts::SellerId;
use crate::error::ApiResult;
use crate::ports::{Sql, Stmt};
use crate::products::{COLUMNS, ProductRow};
use crate::repo::all;

pub const HEADER: [&str; 14] = [
    "id",
    "code",
    "slug",
    "title",
    "status",
    "availability",
    "price",
    "compare_at_price",
    "currency",
    "category",
    "tags",
    "description",
    "video_url",
    "updated_at",
];

/// A cell a spreadsheet would run as a formula, prefixed so it reads as text.
pub fn neutralise(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() }
}

fn line(out: &mut csv::Writer<Vec<u8>>, cells: &[&str]) -> ApiResult<()> {
    out.write_record(cells.iter().map(|c| neutralise(c)))
        .map_err(|e| crate::error::ApiError::internal(format!("csv: {e}")))
}

/// Pages through the seller's products by their integer key, 500 at a time.
pub async fn export(sql: &impl Sql, seller: &SellerId) -> ApiResult<String> {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    line(&mut out, &HEADER)?;
    let mut after = 0i64;
    loop {
        let rows: Vec<ProductRow> = all(
            sql,
            Stmt::new(format!(
                "SELECT {COLUMNS} FROM products p WHERE p.seller_id = ? AND p.seq > ? ORDER BY p.seq LIMIT 500"
            ))
            .bind(&seller.0)
            .bind(after),
        )
        .await?;
        let Some(last) = rows.last().map(|r| r.seq) else { break };
        for r in rows {
            let tags: Vec<String> = serde_json::from_str(&r.tags).unwrap_or_default();
            let updated = r.updated_at.to_string();
            line(
                &mut out,
                &[
                    &r.id,
                    &r.code,
                    &r.slug,
                    &r.title,
                    &r.status,
                    &r.availability,
                    r.price.as_deref().unwrap_or(""),
                    r.compare_at_price.as_deref().unwrap_or(""),
                    r.currency.as_deref().unwrap_or(""),
                    &r.category,
                    &tags.join(" "),
                    &r.description,
                    r.video_url.as_deref().unwrap_or(""),
                    &updated,
                ],
            )?;
        }
        after = last;
    }
    let bytes = out.into_inner().map_err(|e| crate::error::ApiError::internal(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| crate::error::ApiError::internal(format!("csv: {e}")))
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"http://evil\")"), "'=HYPERLINK(\"http://evil\")");
        assert_eq!(neutralise("+234 801"), "'+234 801");
        assert_eq!(neutralise("-5"), "'-5");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("plain"), "plain");
    }
}
