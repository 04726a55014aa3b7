//! Storefront analytics: what buyers do (store and product views, clicks to WhatsApp, link
//! previews; chats and orders come from the WhatsApp side), recorded one row per event, with
//! daily rollups per product and per store that triggers keep in step (migration 0012).
//!
//! No address is stored. A visitor is a hash of the client's address and user agent with that
//! day's random salt, and the salt is deleted once its day is over
//! ([`crate::maintenance::sweep`]): unique visitors can be counted within a day, and no hash can
//! be tied to an address or to the same buyer on another day. Raw events are kept
//! [`RAW_KEEP_DAYS`] days (the breakdowns read them); the rollups are kept.

use crate::accounts::SellerId;
use crate::error::{ApiError, ApiResult};
use crate::ports::{Sql, Stmt, System};
use crate::repo::{all, opt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const DAY_MS: i64 = 86_400_000;
/// How long raw events are kept; the daily rollups outlive them.
pub const RAW_KEEP_DAYS: i64 = 90;
/// The longest range one query may ask for.
pub const MAX_RANGE_DAYS: i64 = 366;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    StoreView,
    ProductView,
    Click,
    /// A link-preview or search crawler fetched a page or a link: counted apart.
    Preview,
    Chat,
    Order,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::StoreView => "store_view",
            Kind::ProductView => "product_view",
            Kind::Click => "click",
            Kind::Preview => "preview",
            Kind::Chat => "chat",
            Kind::Order => "order",
        }
    }
}

/// Which product an event is about.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// The store's own page.
    Store,
    /// A product by id.
    Product(&'a str),
    /// A published product by its slug (a product page, recorded without reading the product).
    Slug(&'a str),
}

/// What the platform tells about a request: nothing of it is stored as given.
#[derive(Debug, Clone, Copy, Default)]
pub struct Visit<'a> {
    pub user_agent: &'a str,
    pub referer: Option<&'a str>,
    /// The platform's country header (`cf-ipcountry`).
    pub country: Option<&'a str>,
    /// The client's address as the platform reports it (the gateway passes it on); only hashed.
    pub client: Option<&'a str>,
}

/// Link-preview and search crawlers, audits and scripts, by user agent (`bot/` and `bot;` catch
/// Pinterest's, Reddit's, Yandex's and the rest without matching a phone called CUBOT).
const CRAWLERS: [&str; 23] = [
    "whatsapp",
    "facebookexternalhit",
    "facebot",
    "twitterbot",
    "telegrambot",
    "slackbot",
    "discordbot",
    "linkedinbot",
    "googlebot",
    "bingbot",
    "applebot",
    "bytespider",
    "bot/",
    "bot;",
    "spider",
    "crawler",
    "externalagent",
    "lighthouse",
    "headlesschrome",
    "curl/",
    "wget/",
    "python-",
    "go-http-client",
];

/// Whether a user agent is not a buyer's browser: a crawler, an audit, a script, or none at all.
pub fn is_crawler(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    ua.trim().is_empty() || CRAWLERS.iter().any(|c| ua.contains(c))
}

/// `mobile`, `tablet` or `desktop`.
pub fn device(user_agent: &str) -> &'static str {
    let ua = user_agent.to_ascii_lowercase();
    if ua.contains("ipad") || ua.contains("tablet") {
        "tablet"
    } else if ua.contains("mobi") || ua.contains("android") || ua.contains("iphone") {
        "mobile"
    } else {
        "desktop"
    }
}

/// The host of a `Referer`, lowercased; nothing else of it is kept.
pub fn referrer_host(referer: &str) -> Option<String> {
    let rest = referer.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?;
    let host = host.split(':').next()?.to_ascii_lowercase();
    (!host.is_empty() && host.len() <= 253 && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
        .then_some(host)
}

/// A country code as the platform gives it (`cf-ipcountry`): two ASCII letters, else none.
pub fn country(header: &str) -> Option<String> {
    let c = header.trim().to_ascii_uppercase();
    (c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) && c != "XX" && c != "T1").then_some(c)
}

/// Whether a visit came from TikTok: its referrer, or TikTok's in-app browser.
pub fn from_tiktok(visit: &Visit<'_>) -> bool {
    let host = visit.referer.and_then(referrer_host);
    host.is_some_and(|h| h == "tiktok.com" || h.ends_with(".tiktok.com")) || crate::pages::is_in_app(visit.user_agent)
}

/// One event as it will be stored, taken from a request when it happens; owned, so a platform
/// can write it after the answer has gone (Workers' `waitUntil`): a buyer never waits on
/// analytics. A crawler's is a [`Kind::Preview`] whatever it fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    seller_id: String,
    kind: Kind,
    /// `None` for the store's page; else an id, or a slug to be resolved when written.
    product: Option<(String, bool)>,
    at: i64,
    referrer_host: Option<String>,
    country: Option<String>,
    device: &'static str,
    from_tiktok: bool,
    /// The client's address and user agent, only ever hashed with the day's salt.
    client: Option<(String, String)>,
}

impl Event {
    pub fn new(seller_id: &str, kind: Kind, subject: Subject<'_>, visit: &Visit<'_>, at: i64) -> Event {
        Event {
            seller_id: seller_id.to_owned(),
            kind: if is_crawler(visit.user_agent) { Kind::Preview } else { kind },
            product: match subject {
                Subject::Store => None,
                Subject::Product(id) => Some((id.to_owned(), false)),
                Subject::Slug(slug) => Some((slug.to_owned(), true)),
            },
            at,
            referrer_host: visit.referer.and_then(referrer_host),
            country: visit.country.and_then(country),
            device: device(visit.user_agent),
            from_tiktok: from_tiktok(visit),
            client: visit.client.filter(|c| !c.is_empty()).map(|c| (c.to_owned(), visit.user_agent.to_owned())),
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }
}

/// Writes one event. A product's is written only while the product is there (a product page's
/// slug is resolved to its published product here): a view written after an unpublish, or a
/// click after a delete, is not counted against the store.
pub async fn record(sql: &impl Sql, sys: &impl System, event: &Event) -> ApiResult<()> {
    let today = day(event.at);
    // An event of a day that is over (written late) uses that day's salt only if it is still
    // there: a salt is never made again for a past day, so the sweep's deletion holds.
    let fresh = today >= day(sys.now_ms());
    let visitor = match &event.client {
        Some((client, user_agent)) => {
            salt(sql, sys, &today, fresh).await?.map(|salt| visitor_hash(&salt, &event.seller_id, client, user_agent))
        }
        None => None,
    };
    let (product_sql, from) = match event.product {
        None => ("NULL", ""),
        Some((_, false)) => ("p.id", " FROM products p WHERE p.seller_id = ? AND p.id = ?"),
        Some((_, true)) => ("p.id", " FROM products p WHERE p.seller_id = ? AND p.slug = ? AND p.status = 'published'"),
    };
    let mut stmt = Stmt::new(format!(
        "INSERT INTO events (seller_id, product_id, kind, at, day, referrer_host, country, device, visitor, \
         from_tiktok) SELECT ?, {product_sql}, ?, ?, ?, ?, ?, ?, ?, ?{from}"
    ))
    .bind(event.seller_id.as_str())
    .bind(event.kind.name())
    .bind(event.at)
    .bind(today)
    .bind(event.referrer_host.clone())
    .bind(event.country.clone())
    .bind(event.device)
    .bind(visitor)
    .bind(i64::from(event.from_tiktok));
    if let Some((p, _)) = &event.product {
        stmt = stmt.bind(event.seller_id.as_str()).bind(p.as_str());
    }
    sql.execute(stmt).await?;
    Ok(())
}

fn visitor_hash(salt: &str, seller_id: &str, client: &str, user_agent: &str) -> String {
    let mut h = Sha256::new();
    for part in [salt, seller_id, client, user_agent] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// The day's salt: made at random by whichever request first needs it (when `make` is set),
/// the same for all; `None` for a day whose salt is gone. Read from SQL each time (one indexed
/// read, written after the answer on Workers): a copy held in memory would outlive the sweep's
/// deletion.
async fn salt(sql: &impl Sql, sys: &impl System, day: &str, make: bool) -> ApiResult<Option<String>> {
    #[derive(Deserialize)]
    struct Salt {
        salt: String,
    }
    let read = || opt::<Salt>(sql, Stmt::new("SELECT salt FROM analytics_salts WHERE day = ?").bind(day));
    if let Some(Salt { salt }) = read().await? {
        return Ok(Some(salt));
    }
    if !make {
        return Ok(None);
    }
    let mut bytes = [0u8; 16];
    sys.fill_random(&mut bytes)?;
    let fresh: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    sql.execute(Stmt::new("INSERT OR IGNORE INTO analytics_salts (day, salt) VALUES (?, ?)").bind(day).bind(fresh))
        .await?;
    // Whichever request inserted first won: everyone uses its salt.
    match read().await? {
        Some(Salt { salt }) => Ok(Some(salt)),
        None => Err(ApiError::internal("the day's salt vanished")),
    }
}

/// The sweep's part: salts of days that are over, and raw events past [`RAW_KEEP_DAYS`].
pub fn sweep_statements(now_ms: i64) -> Vec<Stmt> {
    vec![
        Stmt::new("DELETE FROM analytics_salts WHERE day < ?").bind(day(now_ms)),
        Stmt::new("DELETE FROM events WHERE at < ?").bind(now_ms - RAW_KEEP_DAYS * DAY_MS),
    ]
}

/// `YYYY-MM-DD` (UTC) of a millisecond timestamp.
pub fn day(ms: i64) -> String {
    civil(ms.div_euclid(DAY_MS))
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01), Howard Hinnant's civil-from-days.
fn civil(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The day number of `YYYY-MM-DD`, when it is a real date.
fn day_number(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || d < 1 {
        return None;
    }
    // Days from civil (Hinnant).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let n = era * 146_097 + doe - 719_468;
    // 2026-02-30 would come out as March 2nd: only dates that read back the same are real.
    (civil(n) == s).then_some(n)
}

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD`, both UTC days and both included; by default the last 30
/// days to today.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct RangeQuery {
    /// First day (UTC, `YYYY-MM-DD`), included; default 29 days before `to`.
    pub from: Option<String>,
    /// Last day (UTC, `YYYY-MM-DD`), included; default today.
    pub to: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct BreakdownQuery {
    /// `referrer`, `country` or `device`.
    pub by: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A checked range of days.
struct Range {
    from: i64,
    to: i64,
}

impl Range {
    fn parse(sys: &impl System, from: Option<&str>, to: Option<&str>) -> ApiResult<Range> {
        let bad = |name: &str| ApiError::bad_request("invalid_query", format!("{name} must be a date, YYYY-MM-DD"));
        let to = match to {
            Some(t) => day_number(t).ok_or_else(|| bad("to"))?,
            None => sys.now_ms().div_euclid(DAY_MS),
        };
        let from = match from {
            Some(f) => day_number(f).ok_or_else(|| bad("from"))?,
            None => to - 29,
        };
        if from > to {
            return Err(ApiError::bad_request("invalid_query", "from must not be after to"));
        }
        if to - from + 1 > MAX_RANGE_DAYS {
            return Err(ApiError::bad_request("invalid_query", format!("at most {MAX_RANGE_DAYS} days at a time")));
        }
        Ok(Range { from, to })
    }

    fn bounds(&self) -> (String, String) {
        (civil(self.from), civil(self.to))
    }
}

/// Counts for one day or a whole range. Visitors are distinct within each day (the salt changes
/// daily), so a range's are the sum of its days'.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct Counts {
    /// Store and product page views.
    pub views: u64,
    /// Distinct visitors of the pages.
    pub visitors: u64,
    pub store_views: u64,
    pub product_views: u64,
    /// Taps on "Order on WhatsApp".
    pub clicks: u64,
    pub click_visitors: u64,
    /// Page and link fetches by link-preview and search crawlers (never views or clicks).
    pub previews: u64,
    /// Views that came from TikTok (its referrer or its in-app browser).
    pub from_tiktok: u64,
    pub chats: u64,
    pub orders: u64,
    /// Distinct visitors of product pages (a product's own `visitors`).
    #[serde(skip)]
    product_view_visitors: u64,
}

impl Counts {
    fn add(&mut self, kind: &str, events: u64, visitors: u64) {
        match kind {
            "view" => {
                self.views += events;
                self.visitors += visitors;
            }
            "store_view" => self.store_views += events,
            "product_view" => {
                self.product_views += events;
                self.product_view_visitors += visitors;
            }
            "click" => {
                self.clicks += events;
                self.click_visitors += visitors;
            }
            "preview" => self.previews += events,
            "video" => self.from_tiktok += events,
            "chat" => self.chats += events,
            "order" => self.orders += events,
            _ => {}
        }
    }

    fn funnel(&self) -> Vec<FunnelStep> {
        [
            ("video", self.from_tiktok),
            ("view", self.views),
            ("click", self.clicks),
            ("chat", self.chats),
            ("order", self.orders),
        ]
        .into_iter()
        .map(|(step, count)| FunnelStep { step, count })
        .collect()
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DayCounts {
    pub day: String,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FunnelStep {
    /// `video` (views that came from TikTok), `view`, `click`, `chat`, `order`.
    pub step: &'static str,
    pub count: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProductCounts {
    pub id: String,
    pub title: String,
    pub code: String,
    pub views: u64,
    pub clicks: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Overview {
    pub from: String,
    pub to: String,
    pub totals: Counts,
    /// Clicks per product view (0 with no views).
    pub click_through_rate: f64,
    pub funnel: Vec<FunnelStep>,
    /// Every day of the range, days without events included.
    pub days: Vec<DayCounts>,
    /// The most viewed products of the range (at most 10).
    pub top_products: Vec<ProductCounts>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProductAnalytics {
    pub id: String,
    pub title: String,
    pub code: String,
    /// The TikTok video the product came from.
    pub video_url: Option<String>,
    pub from: String,
    pub to: String,
    pub totals: Counts,
    pub click_through_rate: f64,
    pub funnel: Vec<FunnelStep>,
    pub days: Vec<DayCounts>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BreakdownRow {
    /// The referrer's host, country code or device class; `null` when unknown (a direct visit,
    /// no country from the platform).
    pub key: Option<String>,
    pub views: u64,
    pub clicks: u64,
    /// Distinct visitors, per day, summed.
    pub visitors: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Breakdown {
    pub by: &'static str,
    pub from: String,
    pub to: String,
    /// Breakdowns read raw events, kept this many days: earlier days count nothing.
    pub raw_days_kept: i64,
    /// Most views first, at most 50.
    pub rows: Vec<BreakdownRow>,
}

#[derive(Deserialize)]
struct StatRow {
    day: String,
    kind: String,
    events: i64,
    visitors: i64,
}

fn n(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// The totals and per-day series of one rollup key ('*' for the store).
async fn series(sql: &impl Sql, seller: &str, key: &str, range: &Range) -> ApiResult<(Counts, Vec<DayCounts>)> {
    let (from, to) = range.bounds();
    let rows: Vec<StatRow> = all(
        sql,
        Stmt::new(
            "SELECT day, kind, events, visitors FROM daily_stats WHERE seller_id = ? AND product_id = ? \
             AND day BETWEEN ? AND ?",
        )
        .bind(seller)
        .bind(key)
        .bind(from)
        .bind(to),
    )
    .await?;
    let mut by_day: BTreeMap<String, Counts> = (range.from..=range.to).map(|d| (civil(d), Counts::default())).collect();
    let mut totals = Counts::default();
    for r in rows {
        totals.add(&r.kind, n(r.events), n(r.visitors));
        if let Some(c) = by_day.get_mut(&r.day) {
            c.add(&r.kind, n(r.events), n(r.visitors));
        }
    }
    Ok((totals, by_day.into_iter().map(|(day, counts)| DayCounts { day, counts }).collect()))
}

fn rate(clicks: u64, views: u64) -> f64 {
    if views == 0 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let r = clicks as f64 / views as f64;
    (r * 10_000.0).round() / 10_000.0
}

/// `GET /api/v1/analytics/overview`.
pub async fn overview(sql: &impl Sql, sys: &impl System, seller: &SellerId, q: &RangeQuery) -> ApiResult<Overview> {
    let range = Range::parse(sys, q.from.as_deref(), q.to.as_deref())?;
    let (totals, days) = series(sql, &seller.0, "*", &range).await?;
    let (from, to) = range.bounds();
    #[derive(Deserialize)]
    struct Top {
        id: String,
        title: String,
        code: String,
        views: i64,
        clicks: i64,
    }
    let top: Vec<Top> = all(
        sql,
        Stmt::new(
            "SELECT p.id, p.title, p.code, \
             SUM(CASE WHEN s.kind = 'product_view' THEN s.events ELSE 0 END) AS views, \
             SUM(CASE WHEN s.kind = 'click' THEN s.events ELSE 0 END) AS clicks \
             FROM daily_stats s JOIN products p ON p.id = s.product_id AND p.seller_id = s.seller_id \
             WHERE s.seller_id = ? AND s.day BETWEEN ? AND ? AND s.kind IN ('product_view', 'click') \
             GROUP BY p.id ORDER BY views DESC, clicks DESC, p.id LIMIT 10",
        )
        .bind(&seller.0)
        .bind(from.as_str())
        .bind(to.as_str()),
    )
    .await?;
    Ok(Overview {
        click_through_rate: rate(totals.clicks, totals.product_views),
        funnel: totals.funnel(),
        totals,
        days,
        from,
        to,
        top_products: top
            .into_iter()
            .map(|t| ProductCounts { id: t.id, title: t.title, code: t.code, views: n(t.views), clicks: n(t.clicks) })
            .collect(),
    })
}

/// `GET /api/v1/analytics/products/{id}`: another seller's product is 404.
pub async fn product(
    sql: &impl Sql,
    sys: &impl System,
    seller: &SellerId,
    id: &str,
    q: &RangeQuery,
) -> ApiResult<ProductAnalytics> {
    let range = Range::parse(sys, q.from.as_deref(), q.to.as_deref())?;
    #[derive(Deserialize)]
    struct P {
        title: String,
        code: String,
        video_url: Option<String>,
    }
    let p: P = opt(
        sql,
        Stmt::new("SELECT title, code, video_url FROM products WHERE id = ? AND seller_id = ?")
            .bind(id)
            .bind(&seller.0),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("no such product"))?;
    let (mut totals, mut days) = series(sql, &seller.0, id, &range).await?;
    // A product's views and visitors are its product views' (its rows hold no store-wide `view`).
    let fill = |c: &mut Counts| {
        c.views = c.product_views;
        c.visitors = c.product_view_visitors;
    };
    fill(&mut totals);
    days.iter_mut().for_each(|d| fill(&mut d.counts));
    let (from, to) = range.bounds();
    Ok(ProductAnalytics {
        id: id.to_owned(),
        title: p.title,
        code: p.code,
        video_url: p.video_url,
        from,
        to,
        click_through_rate: rate(totals.clicks, totals.product_views),
        funnel: totals.funnel(),
        totals,
        days,
    })
}

/// `GET /api/v1/analytics/breakdown?by=referrer|country|device`, from the raw events.
pub async fn breakdown(
    sql: &impl Sql,
    sys: &impl System,
    seller: &SellerId,
    q: &BreakdownQuery,
) -> ApiResult<Breakdown> {
    let (by, column) = match q.by.as_deref() {
        Some("referrer") => ("referrer", "referrer_host"),
        Some("country") => ("country", "country"),
        Some("device") => ("device", "device"),
        _ => return Err(ApiError::bad_request("invalid_query", "by must be referrer, country or device")),
    };
    let range = Range::parse(sys, q.from.as_deref(), q.to.as_deref())?;
    let (from, to) = range.bounds();
    #[derive(Deserialize)]
    struct Row {
        key: Option<String>,
        views: i64,
        clicks: i64,
        visitors: i64,
    }
    let rows: Vec<Row> = all(
        sql,
        Stmt::new(format!(
            "SELECT {column} AS key, \
             SUM(kind IN ('store_view', 'product_view')) AS views, SUM(kind = 'click') AS clicks, \
             COUNT(DISTINCT day || ':' || visitor) AS visitors \
             FROM events WHERE seller_id = ? AND day BETWEEN ? AND ? \
             AND kind IN ('store_view', 'product_view', 'click') \
             GROUP BY {column} ORDER BY views DESC, clicks DESC, key LIMIT 50"
        ))
        .bind(&seller.0)
        .bind(from.as_str())
        .bind(to.as_str()),
    )
    .await?;
    Ok(Breakdown {
        by,
        from,
        to,
        raw_days_kept: RAW_KEEP_DAYS,
        rows: rows
            .into_iter()
            .map(|r| BreakdownRow { key: r.key, views: n(r.views), clicks: n(r.clicks), visitors: n(r.visitors) })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_dates_both_ways() {
        assert_eq!(day(0), "1970-01-01");
        assert_eq!(day(951_782_400_000), "2000-02-29");
        assert_eq!(day(1_795_000_000_000), "2026-11-18");
        assert_eq!(day(-1), "1969-12-31");
        for n in [-800, 0, 11_016, 20_775, 40_000] {
            assert_eq!(day_number(&civil(n)), Some(n));
        }
        assert_eq!(day_number("2026-02-29"), None, "2026 is no leap year");
        assert_eq!(day_number("2024-02-29"), Some(19_782));
        assert_eq!(day_number("2026-13-01"), None);
        assert_eq!(day_number("2026-1-01"), None);
        assert_eq!(day_number("yesterday!"), None);
    }

    #[test]
    fn visits_keep_only_coarse_facts() {
        assert_eq!(referrer_host("https://user:pw@WWW.TikTok.com:443/@shop?x=1").as_deref(), Some("www.tiktok.com"));
        assert_eq!(referrer_host("not a url"), None);
        assert_eq!(referrer_host("https://<script>/"), None);
        assert_eq!(country(" ng ").as_deref(), Some("NG"));
        assert_eq!(country("XX"), None);
        assert_eq!(country("<script>"), None);
        assert_eq!(device("Mozilla/5.0 (iPad; CPU OS 17_0)"), "tablet");
        assert_eq!(device("Mozilla/5.0 (Linux; Android 14) Mobile"), "mobile");
        assert_eq!(device("Mozilla/5.0 (X11; Linux x86_64)"), "desktop");
        assert!(is_crawler("WhatsApp/2.23.20.0 A"));
        assert!(is_crawler("facebookexternalhit/1.1"));
        assert!(!is_crawler("Mozilla/5.0 (Linux; Android 14) Mobile"));
        // Audits, scripts and generic bots are not buyers; a phone named CUBOT is one.
        for ua in [
            "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 Chrome/136.0 Mobile Safari/537.36 Chrome-Lighthouse",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/156.0 Safari/537.36",
            "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
            "Pinterestbot/1.0 (+http://www.pinterest.com/bot.html)",
            "meta-externalagent/1.1",
            "curl/8.5.0",
            "python-requests/2.32",
            "",
        ] {
            assert!(is_crawler(ua), "{ua:?}");
        }
        assert!(!is_crawler(
            "Mozilla/5.0 (Linux; Android 12; CUBOT KingKong 7) AppleWebKit/537.36 Mobile Safari/537.36"
        ));
    }

    #[test]
    fn tiktok_visits_are_told_by_referrer_or_in_app_browser() {
        let v = |referer, ua| from_tiktok(&Visit { user_agent: ua, referer, ..Visit::default() });
        assert!(v(Some("https://www.tiktok.com/@shop"), "Mozilla/5.0"));
        assert!(v(Some("https://tiktok.com/"), "Mozilla/5.0"));
        assert!(!v(Some("https://nottiktok.com/"), "Mozilla/5.0"));
        assert!(v(None, "Mozilla/5.0 (iPhone) musical_ly_32.9.0 BytedanceWebview/d8a21c6"));
        assert!(!v(None, "Mozilla/5.0"));
    }

    #[test]
    fn a_visitor_hash_depends_on_the_salt() {
        let a = visitor_hash("salt1", "s1", "203.0.113.9", "ua");
        assert_eq!(a, visitor_hash("salt1", "s1", "203.0.113.9", "ua"));
        assert_ne!(a, visitor_hash("salt2", "s1", "203.0.113.9", "ua"), "another day, another visitor");
        assert_ne!(a, visitor_hash("salt1", "s2", "203.0.113.9", "ua"), "another store, another visitor");
        assert_eq!(a.len(), 24);
    }

    #[test]
    fn click_through_rates_are_rounded_and_safe_with_no_views() {
        assert!((rate(0, 0) - 0.0).abs() < f64::EPSILON);
        assert!((rate(1, 3) - 0.3333).abs() < 1e-9);
    }
}
