//! Configuration: every variable and secret the hub reads, with its default. Platforms hand the
//! core a lookup function over their own environment (Worker vars/secrets, Spin variables, process
//! environment), so names and defaults live in one place.

use crate::outbound::Origin;

#[derive(Debug, Clone)]
pub struct Config {
    /// Secret. HS256 key for session tokens; auth routes answer 503 while it is missing.
    pub jwt_secret: Option<String>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub token_ttl_seconds: u64,
    /// TikTok oEmbed endpoint (the sandbox in local runs).
    pub tiktok_oembed_url: String,
    /// Where short-link hops are sent: `None` for TikTok itself, or a base such as the sandbox,
    /// which receives `{base}/{host}/{path}` for each hop.
    pub tiktok_web_base: Option<String>,
    /// Extra origins (`scheme://host[:port]`) outbound calls may reach, e.g. the sandbox.
    pub outbound_allowed_origins: Vec<Origin>,
    pub cover_max_bytes: usize,
    pub retry_base_delay_seconds: u32,
    pub retry_max_delay_seconds: u32,
    pub submit_limit_per_seller_per_minute: u32,
    pub submit_limit_per_client_per_minute: u32,
    pub auth_limit_per_client_per_minute: u32,
    pub cors_allowed_origins: Vec<String>,
    /// Enables the `/api/v1/_contract` route that runs the port contract suites (tests only).
    pub contract_route_enabled: bool,
    /// Secret, Spin only: the bearer token the outbox drain and migration routes require; they
    /// answer 503 while it is missing.
    pub drain_token: Option<String>,
}

/// Every name read, for the README and for platforms that must declare variables up front.
pub const VARIABLES: [&str; 16] = [
    "JWT_SECRET",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "TOKEN_TTL_SECONDS",
    "TIKTOK_OEMBED_URL",
    "TIKTOK_WEB_BASE",
    "OUTBOUND_ALLOWED_ORIGINS",
    "COVER_MAX_BYTES",
    "RETRY_BASE_DELAY_SECONDS",
    "RETRY_MAX_DELAY_SECONDS",
    "SUBMIT_LIMIT_PER_SELLER_PER_MINUTE",
    "SUBMIT_LIMIT_PER_CLIENT_PER_MINUTE",
    "AUTH_LIMIT_PER_CLIENT_PER_MINUTE",
    "CORS_ALLOWED_ORIGINS",
    "DRAIN_TOKEN",
    "CONTRACT_ROUTE",
];

impl Config {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let num = |name: &str, default: u64| text(name).and_then(|v| v.parse().ok()).unwrap_or(default);
        let list = |name: &str| -> Vec<String> {
            text(name)
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default()
        };
        let tiktok_web_base = text("TIKTOK_WEB_BASE").map(|v| v.trim_end_matches('/').to_owned());
        let tiktok_oembed_url = text("TIKTOK_OEMBED_URL").unwrap_or_else(|| "https://www.tiktok.com/oembed".to_owned());
        let mut outbound: Vec<Origin> = list("OUTBOUND_ALLOWED_ORIGINS").iter().filter_map(|o| Origin::of(o)).collect();
        // The configured endpoints are trusted by definition.
        outbound.extend(Origin::of(&tiktok_oembed_url));
        outbound.extend(tiktok_web_base.as_deref().and_then(Origin::of));
        let cors = list("CORS_ALLOWED_ORIGINS");
        Self {
            jwt_secret: text("JWT_SECRET"),
            jwt_issuer: text("JWT_ISSUER").unwrap_or_else(|| "linkhub".to_owned()),
            jwt_audience: text("JWT_AUDIENCE").unwrap_or_else(|| "linkhub-api".to_owned()),
            token_ttl_seconds: num("TOKEN_TTL_SECONDS", 86_400),
            tiktok_oembed_url,
            tiktok_web_base,
            outbound_allowed_origins: outbound,
            cover_max_bytes: usize::try_from(num("COVER_MAX_BYTES", 5 * 1024 * 1024)).unwrap_or(usize::MAX),
            retry_base_delay_seconds: u32::try_from(num("RETRY_BASE_DELAY_SECONDS", 5)).unwrap_or(5),
            retry_max_delay_seconds: u32::try_from(num("RETRY_MAX_DELAY_SECONDS", 300)).unwrap_or(300),
            submit_limit_per_seller_per_minute: u32::try_from(num("SUBMIT_LIMIT_PER_SELLER_PER_MINUTE", 30))
                .unwrap_or(30),
            submit_limit_per_client_per_minute: u32::try_from(num("SUBMIT_LIMIT_PER_CLIENT_PER_MINUTE", 60))
                .unwrap_or(60),
            auth_limit_per_client_per_minute: u32::try_from(num("AUTH_LIMIT_PER_CLIENT_PER_MINUTE", 20)).unwrap_or(20),
            cors_allowed_origins: if cors.is_empty() { vec!["*".to_owned()] } else { cors },
            contract_route_enabled: text("CONTRACT_ROUTE").as_deref() == Some("enabled"),
            drain_token: text("DRAIN_TOKEN"),
        }
    }

    /// Backoff for the n-th attempt (1-based): base * 2^(n-1), capped.
    pub fn retry_delay(&self, attempt: u32) -> u32 {
        let exp = attempt.saturating_sub(1).min(16);
        self.retry_base_delay_seconds.saturating_mul(1 << exp).min(self.retry_max_delay_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// Spin asks for each name in `VARIABLES` up front; a name read here but missing there would
    /// silently keep its default on Spin.
    #[test]
    fn every_name_read_is_listed_in_variables() {
        let asked = RefCell::new(Vec::new());
        let _ = Config::from_lookup(|name| {
            asked.borrow_mut().push(name.to_owned());
            None
        });
        for name in asked.into_inner() {
            assert!(VARIABLES.contains(&name.as_str()), "{name} is read but not in VARIABLES");
        }
    }
}
