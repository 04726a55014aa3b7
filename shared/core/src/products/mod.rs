//! Products: what a seller sells. One is made from each job that reaches `ready` (its draft),
//! or by hand. Every write is scoped by the seller, guarded by the row's version, and bumps the
//! seller's catalog version (`crate::storefront::bump`) in the same batch, so cached reads keyed
//! on that version never serve a state older than the seller's last write.

pub mod bulk;
pub mod csv;
pub mod input;
pub mod search;

use crate::accounts::SellerId;
use crate::catalog::{Draft, ThumbnailView};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::ids::new_id;
use crate::ports::{PortErrorKind, Sql, Stmt, System};
use crate::repo::opt;
use crate::storefront;
use http::StatusCode;
use input::{Money, ProductInput};
use serde::{Deserialize, Serialize};

pub const DRAFT: &str = "draft";
pub const PUBLISHED: &str = "published";
pub const ARCHIVED: &str = "archived";

/// The title a draft gets when neither the tagger nor the caption gave one.
pub const NO_TITLE: &str = "Untitled product";

/// Why a product stayed a draft.
pub const REASON_NO_PRICE: &str = "no_price";
pub const REASON_NO_TITLE: &str = "no_title";
pub const REASON_AUTO_PUBLISH_OFF: &str = "auto_publish_off";

/// Public product codes: no vowels (no words by accident), no 0/O, 1/I/L.
const CODE_ALPHABET: &[u8] = b"23456789BCDFGHJKMNPQRSTVWXZ";
const CODE_LEN: usize = 7;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PriceView {
    /// Exact decimal string.
    pub amount: String,
    /// ISO 4217.
    pub currency: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SeoView {
    pub title: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SourceView {
    pub job_id: String,
    pub video_id: Option<String>,
    pub video_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ProductView {
    pub id: String,
    /// Short public code (7 characters of `23456789BCDFGHJKMNPQRSTVWXZ`): storefront and WhatsApp.
    pub code: String,
    /// Unique per seller.
    pub slug: String,
    pub title: String,
    pub description: String,
    pub price: Option<PriceView>,
    pub compare_at_price: Option<PriceView>,
    /// `draft`, `published` or `archived`.
    pub status: String,
    /// Why a new product stayed a draft: `no_price`, `no_title` or `auto_publish_off`.
    pub status_reason: Option<String>,
    /// `in_stock`, `out_of_stock` or `preorder`.
    pub availability: String,
    /// Google product taxonomy, top level.
    pub category: String,
    /// The deeper taxonomy path, when known.
    pub category_path: Option<String>,
    pub tags: Vec<String>,
    pub seo: SeoView,
    pub images: Vec<ThumbnailView>,
    /// The video and job it was made from; none for a product made by hand.
    pub source: Option<SourceView>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ProductView {
    /// The strong ETag of this version.
    pub fn etag(&self) -> String {
        format!("\"{}-v{}\"", self.id, self.version)
    }
}

/// Every column a view is read from, for `SELECT {COLUMNS} FROM products p`.
pub const COLUMNS: &str = "p.seq, p.id, p.seller_id, p.code, p.slug, p.title, p.description, p.price, p.price_e4, \
    p.compare_at_price, p.currency, p.status, p.status_reason, p.availability, p.category, p.category_path, p.tags, \
    p.seo_title, p.seo_description, p.images, p.job_id, p.video_id, p.video_url, p.version, p.created_at, p.updated_at";

#[derive(Debug, Deserialize)]
pub struct ProductRow {
    pub seq: i64,
    pub id: String,
    pub seller_id: String,
    pub code: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub price: Option<String>,
    pub price_e4: Option<i64>,
    pub compare_at_price: Option<String>,
    pub currency: Option<String>,
    pub status: String,
    pub status_reason: Option<String>,
    pub availability: String,
    pub category: String,
    pub category_path: Option<String>,
    pub tags: String,
    pub seo_title: String,
    pub seo_description: String,
    pub images: String,
    pub job_id: Option<String>,
    pub video_id: Option<String>,
    pub video_url: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ProductRow {
    pub fn view(self) -> ProductView {
        let money = |amount: Option<String>| {
            amount.zip(self.currency.clone()).map(|(amount, currency)| PriceView { amount, currency })
        };
        ProductView {
            price: money(self.price),
            compare_at_price: money(self.compare_at_price),
            tags: serde_json::from_str(&self.tags).unwrap_or_default(),
            images: serde_json::from_str(&self.images).unwrap_or_default(),
            source: self.job_id.map(|job_id| SourceView { job_id, video_id: self.video_id, video_url: self.video_url }),
            seo: SeoView { title: self.seo_title, description: self.seo_description },
            id: self.id,
            code: self.code,
            slug: self.slug,
            title: self.title,
            description: self.description,
            status: self.status,
            status_reason: self.status_reason,
            availability: self.availability,
            category: self.category,
            category_path: self.category_path,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

pub fn not_found() -> ApiError {
    ApiError::not_found("no such product")
}

/// A new public code.
pub fn new_code(sys: &impl System) -> ApiResult<String> {
    let mut rnd = [0u8; CODE_LEN];
    sys.fill_random(&mut rnd)?;
    Ok(rnd.iter().map(|b| char::from(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()])).collect())
}

/// Whether `s` could be a product code (before any lookup).
pub fn is_code(s: &str) -> bool {
    s.len() == CODE_LEN && s.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

/// Latin letters with diacritics and ligatures, folded to ASCII for slugs (no Unicode tables in
/// the Workers that assemble products: the thumbnailer's size budget is tight).
const FOLDS: &[(&str, &str)] = &[
    ("ÀÁÂÃÄÅàáâãäåĀāĂăĄą", "a"),
    ("ÇçĆćĈĉĊċČč", "c"),
    ("ĎďĐđÐð", "d"),
    ("ÈÉÊËèéêëĒēĔĕĖėĘęĚě", "e"),
    ("ĜĝĞğĠġĢģ", "g"),
    ("ĤĥĦħ", "h"),
    ("ÌÍÎÏìíîïĨĩĪīĬĭĮįİı", "i"),
    ("Ĵĵ", "j"),
    ("Ķķ", "k"),
    ("ĹĺĻļĽľĿŀŁł", "l"),
    ("ÑñŃńŅņŇňŉ", "n"),
    ("ÒÓÔÕÖØòóôõöøŌōŎŏŐő", "o"),
    ("ŔŕŖŗŘř", "r"),
    ("ŚśŜŝŞşŠšſ", "s"),
    ("ŢţŤťŦŧȚț", "t"),
    ("ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų", "u"),
    ("Ŵŵ", "w"),
    ("ÝýÿŶŷŸ", "y"),
    ("ŹźŻżŽž", "z"),
    ("ß", "ss"),
    ("Ææ", "ae"),
    ("Œœ", "oe"),
    ("Þþ", "th"),
];

/// The slug a title gives: ASCII letters and digits, accents folded, runs of anything else one
/// `-`; `product` when nothing is left (a title in another script).
pub fn slug_of(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        let folded: Option<String> = if c.is_ascii_alphanumeric() {
            Some(c.to_ascii_lowercase().to_string())
        } else {
            FOLDS.iter().find(|(from, _)| from.contains(c)).map(|(_, to)| (*to).to_owned())
        };
        match folded {
            Some(s) => out.push_str(&s),
            None if !out.is_empty() && !out.ends_with('-') => out.push('-'),
            None => {}
        }
        if out.len() >= 60 {
            break;
        }
    }
    let s = out.trim_end_matches('-').to_owned();
    if input::is_slug(&s) { s } else { "product".to_owned() }
}

pub async fn row(sql: &impl Sql, seller: &SellerId, id: &str) -> ApiResult<ProductRow> {
    opt(
        sql,
        Stmt::new(format!("SELECT {COLUMNS} FROM products p WHERE p.id = ? AND p.seller_id = ?"))
            .bind(id)
            .bind(&seller.0),
    )
    .await?
    .ok_or_else(not_found)
}

pub async fn get(sql: &impl Sql, seller: &SellerId, id: &str) -> ApiResult<ProductView> {
    Ok(row(sql, seller, id).await?.view())
}

/// A product by its public code, whoever sells it: `(seller id, view)`.
pub async fn by_code(sql: &impl Sql, code: &str) -> ApiResult<Option<(String, ProductView)>> {
    if !is_code(code) {
        return Ok(None);
    }
    let row: Option<ProductRow> =
        opt(sql, Stmt::new(format!("SELECT {COLUMNS} FROM products p WHERE p.code = ?")).bind(code)).await?;
    Ok(row.map(|r| (r.seller_id.clone(), r.view())))
}

/// Why a product with this title and price cannot be published, if it cannot.
pub fn unpublishable(title: &str, price: Option<&str>) -> Option<&'static str> {
    if title.trim().is_empty() || title == NO_TITLE {
        Some(REASON_NO_TITLE)
    } else if price.is_none() {
        Some(REASON_NO_PRICE)
    } else {
        None
    }
}

fn refuse_publish(reason: &str) -> ApiError {
    let (path, message) = if reason == REASON_NO_PRICE {
        ("price", "a published product needs a price")
    } else {
        ("title", "a published product needs a title")
    };
    ApiError::invalid_fields(vec![FieldError { path: path.to_owned(), message: message.to_owned() }])
}

fn slug_taken(e: crate::ports::PortError) -> ApiError {
    if e.kind == PortErrorKind::Conflict {
        ApiError::conflict("slug_taken", "another of your products has this slug")
    } else {
        e.into()
    }
}

/// `POST /api/v1/products`: a product made by hand, without a video. Published at once when
/// the storefront's auto-publish is on and it has a title and a price.
pub async fn create(sql: &impl Sql, sys: &impl System, seller: &SellerId, body: &[u8]) -> ApiResult<ProductView> {
    let i = input::parse(body, true)?;
    let title = i.title.clone().unwrap_or_default();
    let price: Option<Money> = i.price.clone().flatten();
    let settings = storefront::settings_row(sql, seller).await?;
    let (status, reason) = match i.status.as_deref() {
        Some(PUBLISHED) => match unpublishable(&title, price.as_ref().map(|p| p.amount.text.as_str())) {
            Some(reason) => return Err(refuse_publish(reason)),
            None => (PUBLISHED, None),
        },
        Some(other) => (if other == ARCHIVED { ARCHIVED } else { DRAFT }, None),
        None => initial_status(settings.auto_publish != 0, &title, price.as_ref().map(|p| p.amount.text.as_str())),
    };
    let id = new_id(sys, "prd")?;
    let now = sys.now_ms();
    let slug = i.slug.clone().unwrap_or_else(|| slug_of(&title));
    let code = new_code(sys)?;
    let was = i.compare_at_price.clone().flatten();
    check_compare_at(
        price.as_ref().map(|p| (p.amount.e4, p.currency.as_str())),
        was.as_ref().map(|w| (w.amount.e4, w.currency.as_str())),
    )?;
    sql.batch(vec![
        Stmt::new(
            "INSERT INTO products (id, seller_id, code, slug, title, description, price, price_e4, compare_at_price, \
             currency, status, status_reason, availability, category, category_path, tags, seo_title, seo_description, \
             images, images_from, created_at, updated_at) \
             SELECT ?, ?, ?, CASE WHEN EXISTS (SELECT 1 FROM products WHERE seller_id = ? AND slug = ?) AND ? THEN ? ELSE ? END, \
             ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', 'upload', ?, ?",
        )
        .bind(id.as_str())
        .bind(&seller.0)
        .bind(code.as_str())
        .bind(&seller.0)
        .bind(slug.as_str())
        // A chosen slug that is taken is refused (409); a derived one gets the code appended.
        .bind(i64::from(i.slug.is_none()))
        .bind(format!("{slug}-{}", code.to_ascii_lowercase()))
        .bind(slug.as_str())
        .bind(title.as_str())
        .bind(i.description.clone().unwrap_or_default())
        .bind(price.as_ref().map(|p| p.amount.text.clone()))
        .bind(price.as_ref().map(|p| p.amount.e4))
        .bind(was.as_ref().map(|p| p.amount.text.clone()))
        .bind(price.as_ref().map(|p| p.currency.clone()).or(settings.currency.clone()))
        .bind(status)
        .bind(reason)
        .bind(i.availability.clone().unwrap_or_else(|| "in_stock".to_owned()))
        .bind(i.category.clone().unwrap_or_else(|| crate::catalog::UNCATEGORIZED.to_owned()))
        .bind(i.category_path.clone().flatten())
        .bind(serde_json::to_string(&i.tags.clone().unwrap_or_default())?)
        .bind(i.seo_title.clone().unwrap_or_else(|| title.chars().take(input::MAX_SEO_TITLE).collect()))
        .bind(i.seo_description.clone().unwrap_or_default())
        .bind(now)
        .bind(now),
        storefront::bump(&seller.0, now),
    ])
    .await
    .map_err(slug_taken)?;
    get(sql, seller, &id).await
}

fn initial_status(auto_publish: bool, title: &str, price: Option<&str>) -> (&'static str, Option<&'static str>) {
    match unpublishable(title, price) {
        Some(reason) => (DRAFT, Some(reason)),
        None if auto_publish => (PUBLISHED, None),
        None => (DRAFT, Some(REASON_AUTO_PUBLISH_OFF)),
    }
}

/// The statements that make a ready job's product from its draft, in the batch that marks the
/// job ready. The product is made once per job (`jobs.product_id` remembers it, so a product the
/// seller deleted stays deleted); when the job completes again (a retry, a new cover) only the
/// renditions are refreshed, and only while the seller has not uploaded images of their own.
pub fn from_job(job_id: &str, seller_id: &str, draft: &Draft, product_id: &str, code: &str, now: i64) -> Vec<Stmt> {
    let price = draft.price.as_deref().and_then(input::Amount::parse);
    let slug = slug_of(&draft.title);
    let category = if input::CATEGORIES.contains(&draft.category.as_str()) {
        draft.category.clone()
    } else {
        crate::catalog::UNCATEGORIZED.to_owned()
    };
    let reason_no = unpublishable(&draft.title, price.as_ref().map(|p| p.text.as_str()));
    let images = serde_json::to_string(&draft.thumbnails).unwrap_or_else(|_| "[]".into());
    let insert = Stmt::new(
        "INSERT INTO products (id, seller_id, code, slug, title, description, price, price_e4, currency, status, \
         status_reason, category, tags, seo_title, seo_description, images, images_from, job_id, video_id, video_url, \
         created_at, updated_at) \
         SELECT ?, j.seller_id, ?, CASE WHEN EXISTS (SELECT 1 FROM products WHERE seller_id = j.seller_id AND slug = ?) \
         THEN ? ELSE ? END, ?, COALESCE(v.caption, ''), ?, ?, ?, \
         CASE WHEN ? IS NULL AND COALESCE(s.auto_publish, 1) = 1 THEN 'published' ELSE 'draft' END, \
         CASE WHEN ? IS NOT NULL THEN ? WHEN COALESCE(s.auto_publish, 1) = 1 THEN NULL ELSE ? END, \
         ?, ?, ?, ?, ?, 'video', j.id, j.video_id, j.canonical_url, ?, ? \
         FROM jobs j LEFT JOIN videos v ON v.job_id = j.id AND v.seller_id = j.seller_id \
         LEFT JOIN storefronts s ON s.seller_id = j.seller_id \
         WHERE j.id = ? AND j.seller_id = ? AND j.product_id IS NULL \
         ON CONFLICT (job_id) DO NOTHING",
    )
    .bind(product_id)
    .bind(code)
    .bind(slug.as_str())
    .bind(format!("{slug}-{}", code.to_ascii_lowercase()))
    .bind(slug.as_str())
    .bind(draft.title.as_str())
    .bind(price.as_ref().map(|p| p.text.clone()))
    .bind(price.as_ref().map(|p| p.e4))
    .bind(draft.currency.clone().filter(|_| price.is_some()))
    .bind(reason_no)
    .bind(reason_no)
    .bind(reason_no)
    .bind(REASON_AUTO_PUBLISH_OFF)
    .bind(category)
    .bind(serde_json::to_string(&draft.tags).unwrap_or_else(|_| "[]".into()))
    .bind(draft.seo.title.as_str())
    .bind(draft.seo.description.as_str())
    .bind(images.as_str())
    .bind(now)
    .bind(now)
    .bind(job_id)
    .bind(seller_id);
    let refresh = Stmt::new(
        "UPDATE products SET images = ?, version = version + 1, updated_at = ? WHERE job_id = ? AND seller_id = ? \
         AND images_from = 'video' AND images != ?",
    )
    .bind(images.as_str())
    .bind(now)
    .bind(job_id)
    .bind(seller_id)
    .bind(images.as_str());
    let remember = Stmt::new(
        "UPDATE jobs SET product_id = (SELECT id FROM products WHERE job_id = ? AND seller_id = ?) \
         WHERE id = ? AND seller_id = ? AND product_id IS NULL",
    )
    .bind(job_id)
    .bind(seller_id)
    .bind(job_id)
    .bind(seller_id);
    vec![insert, refresh, remember]
}

/// A compare-at price ("was") must come with a price below it, in the same currency.
fn check_compare_at(price: Option<(i64, &str)>, was: Option<(i64, &str)>) -> ApiResult<()> {
    let fail = |path: &str, message: &str| {
        Err(ApiError::invalid_fields(vec![FieldError { path: path.to_owned(), message: message.to_owned() }]))
    };
    match (price, was) {
        (_, None) => Ok(()),
        (None, Some(_)) => fail("compare_at_price", "needs a price"),
        (Some((_, pc)), Some((_, wc))) if pc != wc => fail("compare_at_price.currency", "must be the price's currency"),
        (Some((p, _)), Some((w, _))) if w <= p => fail("compare_at_price.amount", "must be more than the price"),
        _ => Ok(()),
    }
}

/// Checks `If-Match` against the current version: 412 when it names another.
fn check_if_match(current: &ProductView, if_match: Option<&str>) -> ApiResult<()> {
    match if_match {
        None => Ok(()),
        Some(tags) if tags.trim() == "*" || tags.split(',').any(|t| t.trim() == current.etag()) => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            format!("the product changed since you read it (now {}); read it again", current.etag()),
        )),
    }
}

/// `PATCH /api/v1/products/{id}`: the fields sent are set; with `If-Match`, only if the product
/// is still at that version (412 otherwise).
pub async fn patch(
    sql: &impl Sql,
    sys: &impl System,
    seller: &SellerId,
    id: &str,
    if_match: Option<&str>,
    body: &[u8],
) -> ApiResult<ProductView> {
    let i: ProductInput = input::parse(body, false)?;
    let current = row(sql, seller, id).await?;
    let currency = current.currency.clone();
    let before = current.view();
    check_if_match(&before, if_match)?;
    let title = i.title.clone().unwrap_or_else(|| before.title.clone());
    let price: Option<Money> = match &i.price {
        Some(p) => p.clone(),
        None => before
            .price
            .as_ref()
            .and_then(|p| input::Amount::parse(&p.amount).map(|amount| Money { amount, currency: p.currency.clone() })),
    };
    let was: Option<String> = match &i.compare_at_price {
        Some(p) => p.as_ref().map(|m| m.amount.text.clone()),
        None => before.compare_at_price.as_ref().map(|p| p.amount.clone()),
    };
    // The product as it will be: a compare-at price needs a price below it, in its currency.
    let was_e4: Option<(i64, String)> = match &i.compare_at_price {
        Some(w) => w.as_ref().map(|m| (m.amount.e4, m.currency.clone())),
        None => before.compare_at_price.as_ref().and_then(|w| {
            input::Amount::parse(&w.amount)
                .map(|a| (a.e4, before.price.as_ref().map_or_else(|| w.currency.clone(), |p| p.currency.clone())))
        }),
    };
    check_compare_at(
        price.as_ref().map(|p| (p.amount.e4, p.currency.as_str())),
        was_e4.as_ref().map(|(e4, c)| (*e4, c.as_str())),
    )?;
    let status = i.status.clone().unwrap_or_else(|| before.status.clone());
    if status == PUBLISHED
        && let Some(reason) = unpublishable(&title, price.as_ref().map(|p| p.amount.text.as_str()))
    {
        return Err(refuse_publish(reason));
    }
    let reason = if status == before.status && i.title.is_none() && i.price.is_none() {
        before.status_reason.clone()
    } else {
        None
    };
    let now = sys.now_ms();
    let changed = sql
        .batch(vec![
            Stmt::new(
                "UPDATE products SET title = ?, description = ?, price = ?, price_e4 = ?, compare_at_price = ?, \
                 currency = ?, status = ?, status_reason = ?, availability = ?, category = ?, category_path = ?, \
                 tags = ?, seo_title = ?, seo_description = ?, slug = ?, version = version + 1, updated_at = ? \
                 WHERE id = ? AND seller_id = ? AND version = ?",
            )
            .bind(title.as_str())
            .bind(i.description.clone().unwrap_or(before.description))
            .bind(price.as_ref().map(|p| p.amount.text.clone()))
            .bind(price.as_ref().map(|p| p.amount.e4))
            .bind(was.filter(|_| price.is_some()))
            .bind(price.as_ref().map(|p| p.currency.clone()).or(currency))
            .bind(status.as_str())
            .bind(reason)
            .bind(i.availability.clone().unwrap_or(before.availability))
            .bind(i.category.clone().unwrap_or(before.category))
            .bind(i.category_path.clone().unwrap_or(before.category_path))
            .bind(serde_json::to_string(&i.tags.clone().unwrap_or(before.tags))?)
            .bind(i.seo_title.clone().unwrap_or(before.seo.title))
            .bind(i.seo_description.clone().unwrap_or(before.seo.description))
            .bind(i.slug.clone().unwrap_or(before.slug))
            .bind(now)
            .bind(id)
            .bind(&seller.0)
            .bind(before.version),
            storefront::bump(&seller.0, now),
        ])
        .await
        .map_err(slug_taken)?;
    if changed.first().copied().unwrap_or(0) == 0 {
        // Another write landed between the read and this one.
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            "the product changed while this edit was made; read it again",
        ));
    }
    get(sql, seller, id).await
}

/// Publishes (checking the rule) or unpublishes one product.
pub async fn set_published(
    sql: &impl Sql,
    sys: &impl System,
    seller: &SellerId,
    id: &str,
    publish: bool,
) -> ApiResult<ProductView> {
    let before = get(sql, seller, id).await?;
    if publish && let Some(reason) = unpublishable(&before.title, before.price.as_ref().map(|p| p.amount.as_str())) {
        return Err(refuse_publish(reason));
    }
    let status = if publish { PUBLISHED } else { DRAFT };
    if before.status == status {
        return Ok(before);
    }
    let now = sys.now_ms();
    // Guarded on the version read: an edit in between (a price cleared) is not published over.
    let changed = sql
        .batch(vec![
            Stmt::new(
                "UPDATE products SET status = ?, status_reason = NULL, version = version + 1, updated_at = ? \
                 WHERE id = ? AND seller_id = ? AND version = ?",
            )
            .bind(status)
            .bind(now)
            .bind(id)
            .bind(&seller.0)
            .bind(before.version),
            storefront::bump(&seller.0, now),
        ])
        .await?;
    if changed.first().copied().unwrap_or(0) == 0 {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            "the product changed while it was being published; read it again",
        ));
    }
    get(sql, seller, id).await
}

pub async fn delete(sql: &impl Sql, sys: &impl System, seller: &SellerId, id: &str) -> ApiResult<()> {
    let now = sys.now_ms();
    let changed = sql
        .batch(vec![
            Stmt::new("DELETE FROM products WHERE id = ? AND seller_id = ?").bind(id).bind(&seller.0),
            storefront::bump(&seller.0, now),
        ])
        .await?;
    if changed.first().copied().unwrap_or(0) == 0 { Err(not_found()) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii_and_never_empty() {
        assert_eq!(slug_of("Sérum Vitamina C — 30ml"), "serum-vitamina-c-30ml");
        assert_eq!(slug_of("मेहंदी"), "product");
        assert!(input::is_slug(&slug_of(&"long title ".repeat(20))));
    }

    #[test]
    fn the_publishing_rule_needs_a_title_and_a_price() {
        assert_eq!(initial_status(true, "Glow serum", Some("10")), (PUBLISHED, None));
        assert_eq!(initial_status(true, "Glow serum", None), (DRAFT, Some(REASON_NO_PRICE)));
        assert_eq!(initial_status(true, NO_TITLE, Some("10")), (DRAFT, Some(REASON_NO_TITLE)));
        assert_eq!(initial_status(false, "Glow serum", Some("10")), (DRAFT, Some(REASON_AUTO_PUBLISH_OFF)));
    }

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        assert!(is_code("BX7K2QM"));
        assert!(!is_code("BX7K2Q0") && !is_code("bx7k2qm") && !is_code("BX7K2Q"));
    }
}
