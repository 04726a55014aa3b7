//! `GET /api/v1/products/export.csv`: the seller's catalog as CSV (RFC 4180), for spreadsheets.
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

/// One cell, neutralised and quoted when it needs to be.
pub fn cell(value: &str) -> String {
    let neutral =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    if neutral.contains([',', '"', '\n', '\r']) { format!("\"{}\"", neutral.replace('"', "\"\"")) } else { neutral }
}

fn line(cells: &[&str]) -> String {
    let mut out = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

/// Pages through the seller's products by their integer key, 500 at a time.
pub async fn export(sql: &impl Sql, seller: &SellerId) -> ApiResult<String> {
    let mut out = line(&HEADER);
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
            out.push_str(&line(&[
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
            ]));
        }
        after = last;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formulas_are_neutralised_and_quotes_escaped() {
        assert_eq!(cell("=HYPERLINK(\"http://evil\")"), "\"'=HYPERLINK(\"\"http://evil\"\")\"");
        assert_eq!(cell("+234 801"), "'+234 801");
        assert_eq!(cell("-5"), "'-5");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("Glow, serum"), "\"Glow, serum\"");
        assert_eq!(cell("plain"), "plain");
    }
}
