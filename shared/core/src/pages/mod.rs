//! The public storefront buyers open from a TikTok bio: the seller's page (`/s/{handle}`), a
//! product's page (`/s/{handle}/{slug}`), its QR code, and the click-to-chat redirect
//! (`/go/{code}`) that hands the buyer to WhatsApp with the product's code in the message.
//! Pages are rendered from the catalog (`html`), in the storefront's language (`i18n`), and
//! cached in two levels under the seller's catalog version (`crate::cache::html`).

pub mod clicks;
pub mod feed;
pub mod html;
pub mod i18n;
mod qr;

pub use qr::qr_svg;

use crate::accounts::SellerId;
use crate::error::ApiResult;
use crate::ports::{Sql, Stmt};
use crate::products::search::{self, SearchQuery};
use crate::products::{COLUMNS, PUBLISHED, ProductRow, ProductView};
use crate::repo::{all, opt};
use crate::storefront::{self, StorefrontView};
use serde::Deserialize;

/// Products on one storefront page: a typical seller's whole shop (50 products, the page budget)
/// is one page, so a buyer on slow data never waits for a second.
pub const PAGE_SIZE: u32 = 60;

/// What a page needs to know about the request it answers.
#[derive(Debug, Clone)]
pub struct PageCtx {
    /// `scheme://host[:port]` the buyer used: canonical and Open Graph URLs are absolute.
    pub origin: String,
    /// TikTok's in-app browser (`musical_ly`, `BytedanceWebview`): offer the real browser.
    pub in_app: bool,
    /// On Android, where an `intent:` link opens the default browser.
    pub android: bool,
    /// The page's own path, for the in-app "open in your browser" link.
    pub path: String,
}

impl PageCtx {
    pub fn absolute(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.origin)
        }
    }
    pub fn store_path(&self, handle: &str) -> String {
        format!("/s/{handle}")
    }
    pub fn product_path(&self, handle: &str, slug: &str) -> String {
        format!("/s/{handle}/{slug}")
    }
    /// Android opens an `intent:` link in the default browser; elsewhere the plain link (TikTok
    /// offers "open in browser" from its menu).
    pub fn open_in_browser(&self) -> String {
        let url = self.absolute(&self.path);
        match url.split_once("://").filter(|_| self.android) {
            Some((scheme, rest)) => {
                format!("intent://{rest}#Intent;scheme={scheme};action=android.intent.action.VIEW;end")
            }
            None => url,
        }
    }
    /// The kind of browser a page is rendered for (part of its cache key).
    pub fn browser(&self) -> &'static str {
        match (self.in_app, self.android) {
            (false, _) => "web",
            (true, true) => "in-app-android",
            (true, false) => "in-app",
        }
    }
}

/// `scheme://host[:port]` of the request as the buyer made it: Spin's `spin-full-url`, else the
/// `Host` header with the scheme Cloudflare reports (`cf-visitor`) or a proxy's
/// `x-forwarded-proto`; plain `http` locally.
pub fn origin_of(req: &crate::api::Request) -> String {
    use crate::api::header;
    if let Some(full) = header(req, "spin-full-url")
        && let Some((scheme, rest)) = full.split_once("://")
    {
        let origin = format!("{scheme}://{}", rest.split(['/', '?', '#']).next().unwrap_or(""));
        if is_origin(&origin) {
            return origin;
        }
    }
    let https = header(req, "cf-visitor").is_some_and(|v| v.contains("\"https\""))
        || header(req, "x-forwarded-proto").is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let host = header(req, "host").unwrap_or("localhost");
    let origin = format!("{}://{host}", if https { "https" } else { "http" });
    if is_origin(&origin) { origin } else { "http://localhost".to_owned() }
}

/// An origin a page may print: `http(s)://` and a host of letters, digits, dots, dashes, an
/// optional port (IPv6 in brackets).
pub fn is_origin(s: &str) -> bool {
    let Some(host) = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")) else { return false };
    !host.is_empty()
        && host.len() <= 260
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// Paths of buyers' pages, whose errors are HTML pages too.
pub fn is_page_path(path: &str) -> bool {
    path.starts_with("/s/") || path.starts_with("/go/") || path.starts_with("/feeds/")
}

/// TikTok's in-app browser, by its user agent.
pub fn is_in_app(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    ua.contains("musical_ly") || ua.contains("bytedancewebview") || ua.contains("trill_")
}

/// The seller behind a public handle (handles are stored lowercase, without `@`) and the
/// seller's catalog version, read together from SQL: a page keyed on it is never older than the
/// seller's last write, whichever isolate made it.
pub async fn seller_of(sql: &impl Sql, handle: &str) -> ApiResult<Option<(String, i64)>> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
        version: i64,
    }
    let h = handle.trim().trim_start_matches('@').to_ascii_lowercase();
    let stmt = Stmt::new(
        "SELECT s.id, COALESCE(f.catalog_version, 0) AS version FROM sellers s \
         LEFT JOIN storefronts f ON f.seller_id = s.id WHERE s.handle = ?",
    )
    .bind(h);
    Ok(opt::<Id>(sql, stmt).await?.map(|i| (i.id, i.version)))
}

/// The storefront page's query: words, a category, a cursor.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct StoreQuery {
    pub q: Option<String>,
    pub category: Option<String>,
    pub cursor: Option<String>,
}

/// Renders the seller's page: header, search, category chips, a page of published products.
pub async fn store_page(sql: &impl Sql, ctx: &PageCtx, seller_id: &str, query: &StoreQuery) -> ApiResult<String> {
    let seller = SellerId(seller_id.to_owned());
    let store: StorefrontView = storefront::get(sql, &seller).await?;
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let category = query.category.as_deref().filter(|c| !c.is_empty());
    let page = search::search(
        sql,
        &seller,
        SearchQuery {
            q: q.map(str::to_owned),
            status: Some(PUBLISHED.to_owned()),
            category: category.map(str::to_owned),
            cursor: query.cursor.clone(),
            limit: Some(PAGE_SIZE),
            ..Default::default()
        },
    )
    .await?;
    let categories = categories(sql, seller_id).await?;
    let mut next = None;
    if let Some(cursor) = &page.next_cursor {
        let mut params: Vec<(&str, &str)> = Vec::new();
        if let Some(q) = q {
            params.push(("q", q));
        }
        if let Some(c) = category {
            params.push(("category", c));
        }
        params.push(("cursor", cursor));
        let qs = serde_urlencoded::to_string(&params).unwrap_or_default();
        next = Some(format!("{}?{qs}", ctx.store_path(&store.handle)));
    }
    let data = html::StoreData {
        store: &store,
        products: &page.items,
        categories: &categories,
        q: q.unwrap_or(""),
        category,
        next,
        paged: query.cursor.is_some(),
    };
    Ok(html::store_page(ctx, &data).into_string())
}

async fn categories(sql: &impl Sql, seller_id: &str) -> ApiResult<Vec<(String, i64)>> {
    #[derive(Deserialize)]
    struct C {
        category: String,
        n: i64,
    }
    let rows: Vec<C> = all(
        sql,
        Stmt::new(
            "SELECT category, COUNT(*) AS n FROM products WHERE seller_id = ? AND status = ? \
             GROUP BY category ORDER BY n DESC, category LIMIT 12",
        )
        .bind(seller_id)
        .bind(PUBLISHED),
    )
    .await?;
    Ok(rows.into_iter().map(|c| (c.category, c.n)).collect())
}

/// A published product by the seller and slug.
pub async fn published_by_slug(sql: &impl Sql, seller_id: &str, slug: &str) -> ApiResult<Option<ProductView>> {
    let row: Option<ProductRow> = opt(
        sql,
        Stmt::new(format!("SELECT {COLUMNS} FROM products p WHERE p.seller_id = ? AND p.slug = ? AND p.status = ?"))
            .bind(seller_id)
            .bind(slug)
            .bind(PUBLISHED),
    )
    .await?;
    Ok(row.map(ProductRow::view))
}

/// Renders a product's page, or `None` when it is not published (an HTML 404).
pub async fn product_page(sql: &impl Sql, ctx: &PageCtx, seller_id: &str, slug: &str) -> ApiResult<Option<String>> {
    let Some(product) = published_by_slug(sql, seller_id, slug).await? else { return Ok(None) };
    let store = storefront::get(sql, &SellerId(seller_id.to_owned())).await?;
    Ok(Some(html::product_page(ctx, &store, &product).into_string()))
}

/// Most products a feed lists (newest first).
pub const FEED_LIMIT: u32 = 5_000;

/// The seller's Meta catalog feed, as CSV or as RSS 2.0 XML.
pub async fn feed(sql: &impl Sql, ctx: &PageCtx, seller_id: &str, xml: bool) -> ApiResult<String> {
    let store = storefront::get(sql, &SellerId(seller_id.to_owned())).await?;
    let rows: Vec<ProductRow> = all(
        sql,
        Stmt::new(format!(
            "SELECT {COLUMNS} FROM products p WHERE p.seller_id = ? AND p.status = ? ORDER BY p.seq DESC LIMIT ?"
        ))
        .bind(seller_id)
        .bind(PUBLISHED)
        .bind(i64::from(FEED_LIMIT)),
    )
    .await?;
    let items: Vec<feed::Item> =
        rows.into_iter().map(ProductRow::view).filter_map(|p| feed::item(ctx, &store, &p)).collect();
    if xml { feed::xml(ctx, &store, &items) } else { feed::csv(&items) }
}

/// The language a page that belongs to no storefront (an unknown handle) speaks: the first of
/// the buyer's `Accept-Language` the storefront languages have, else English.
pub fn language_for(accept_language: &str) -> &'static str {
    for part in accept_language.split(',') {
        let tag = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        let primary = tag.split('-').next().unwrap_or("");
        if let Some(l) = storefront::LANGUAGES.iter().find(|l| **l == primary) {
            return l;
        }
    }
    "en"
}

/// The HTML 404 page in `language`.
pub fn not_found(language: &str) -> String {
    let t = i18n::text(language);
    html::error_page(t, 404, t.not_found, t.not_found_body).into_string()
}
