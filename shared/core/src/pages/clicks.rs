//! Click-to-chat: `GET /go/{code}` records the click and answers 302 to
//! `https://wa.me/<digits>?text=<message>`, the message in the storefront's language with the
//! product's title, price and code (`[P7K2QX7]`, which the WhatsApp webhook looks for). The
//! target is built from the seller's stored number only: nothing in the request chooses it.
//! Link-preview crawlers (WhatsApp's, Facebook's...) are recorded apart, not as clicks. No
//! address is stored: the referrer's host, the country the platform gives, a device class.

use super::html::clean;
use super::i18n;
use crate::error::ApiResult;
use crate::ports::{Sql, Stmt, System};
use crate::products::ProductView;
use crate::storefront::StorefrontView;

/// Link-preview and search crawlers, by user agent.
const CRAWLERS: [&str; 12] = [
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
];

pub fn is_crawler(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    CRAWLERS.iter().any(|c| ua.contains(c))
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
    (!host.is_empty() && host.len() <= 253).then_some(host)
}

/// A country code as the platform gives it (`cf-ipcountry`): two ASCII letters, else none.
pub fn country(header: &str) -> Option<String> {
    let c = header.trim().to_ascii_uppercase();
    (c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) && c != "XX" && c != "T1").then_some(c)
}

/// The click-to-chat URL for a product: the seller's number, digits only, and the message.
pub fn whatsapp_url(store: &StorefrontView, product: &ProductView) -> Option<String> {
    let digits: String = store.whatsapp.as_deref()?.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 8 {
        return None;
    }
    let t = i18n::text(&store.language);
    let title: String = clean(&product.title).chars().take(80).collect();
    let price = product.price.as_ref().map(|p| i18n::price(&p.amount, &p.currency, &store.language));
    let mut message = t.message.replace("{title}", title.trim()).replace("{code}", &product.code);
    message = match price {
        Some(price) => message.replace("{price}", &price),
        // No price: drop the parenthesis that would hold it.
        None => message.replace(" ({price})", "").replace("({price})", ""),
    };
    // Percent-encoded with %20 for spaces: wa.me shows a `+` as a plus.
    let text = serde_urlencoded::to_string([("text", message.as_str())]).ok()?.replace('+', "%20");
    Some(format!("https://wa.me/{digits}?{text}"))
}

/// Where a click came from.
pub struct Visit<'a> {
    pub user_agent: &'a str,
    pub referer: Option<&'a str>,
    pub country: Option<&'a str>,
}

/// Records one event (`click`, or `preview` for a crawler) for the product.
pub async fn record(
    sql: &impl Sql,
    sys: &impl System,
    seller_id: &str,
    product: &ProductView,
    visit: &Visit<'_>,
) -> ApiResult<()> {
    let now = sys.now_ms();
    let kind = if is_crawler(visit.user_agent) { "preview" } else { "click" };
    sql.execute(
        Stmt::new(
            "INSERT INTO events (seller_id, product_id, kind, at, day, referrer_host, country, device) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(seller_id)
        .bind(product.id.as_str())
        .bind(kind)
        .bind(now)
        .bind(day(now))
        .bind(visit.referer.and_then(referrer_host))
        .bind(visit.country.and_then(country))
        .bind(device(visit.user_agent)),
    )
    .await?;
    Ok(())
}

/// `YYYY-MM-DD` (UTC) of a millisecond timestamp.
pub fn day(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    // Howard Hinnant's civil-from-days.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_dates() {
        assert_eq!(day(0), "1970-01-01");
        assert_eq!(day(951_782_400_000), "2000-02-29");
        assert_eq!(day(1_795_000_000_000), "2026-11-18");
    }

    #[test]
    fn visits_keep_only_coarse_facts() {
        assert_eq!(referrer_host("https://user:pw@WWW.TikTok.com:443/@shop?x=1").as_deref(), Some("www.tiktok.com"));
        assert_eq!(referrer_host("not a url"), None);
        assert_eq!(country(" ng ").as_deref(), Some("NG"));
        assert_eq!(country("XX"), None);
        assert_eq!(country("<script>"), None);
        assert!(is_crawler("WhatsApp/2.23.20.0 A") && is_crawler("facebookexternalhit/1.1"));
        assert!(!is_crawler("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) musical_ly_32.0"));
        assert_eq!(device("Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari"), "mobile");
        assert_eq!(device("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)"), "tablet");
        assert_eq!(device("Mozilla/5.0 (X11; Linux x86_64)"), "desktop");
    }
}
