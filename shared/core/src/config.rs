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
    pub page_limit_per_client_per_minute: u32,
    pub cors_allowed_origins: Vec<String>,
    /// Secret, Spin only: the bearer token the outbox drain and migration routes require; they
    /// answer 503 while it is missing.
    pub drain_token: Option<String>,
    /// Secret: Meta's app secret, the HMAC key of webhook signatures; deliveries are refused
    /// (401 `signature_unverifiable`) while it is missing.
    pub whatsapp_app_secret: Option<String>,
    /// Secret: the token Meta's webhook verification handshake must present.
    pub whatsapp_verify_token: Option<String>,
    /// Secret: the keys sellers' secrets are sealed with (`crate::sealed::Keyring`), validated
    /// on load; connecting a number answers 503 while it is missing.
    pub data_encryption_key: Option<String>,
    /// Graph API base (`https://graph.facebook.com`; the sandbox in local runs) and version.
    pub whatsapp_graph_url: String,
    pub whatsapp_graph_version: String,
    /// Messages one phone number sends per second at most (Meta's default throughput is 80).
    pub whatsapp_send_per_second: u32,
}

/// The host of the short-lived URLs Graph gives for buyers' media.
pub const META_MEDIA_ORIGIN: &str = "https://lookaside.fbsbx.com";

/// Shortest HS256 key accepted: the hash's own output size (RFC 7518 section 3.2).
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// What a function does, for choosing the variables it reads. A Worker or Spin component plays
/// one or more roles (the ingest Worker also consumes the metadata queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Gateway,
    Ingest,
    Metadata,
    /// The caption-parser, auto-tagger and thumbnailer stages.
    Stage,
    Drain,
    /// The WhatsApp function: webhook, connection, inbox, and the delivery queue's consumer.
    Whatsapp,
}

impl Role {
    pub const ALL: [Role; 6] = [Role::Gateway, Role::Ingest, Role::Metadata, Role::Stage, Role::Drain, Role::Whatsapp];

    /// The variables this role reads; the rest keep their defaults.
    pub const fn variables(self) -> &'static [&'static str] {
        match self {
            Role::Gateway => &[
                "JWT_SECRET",
                "JWT_ISSUER",
                "JWT_AUDIENCE",
                "TOKEN_TTL_SECONDS",
                "SUBMIT_LIMIT_PER_SELLER_PER_MINUTE",
                "SUBMIT_LIMIT_PER_CLIENT_PER_MINUTE",
                "AUTH_LIMIT_PER_CLIENT_PER_MINUTE",
                "PAGE_LIMIT_PER_CLIENT_PER_MINUTE",
                "CORS_ALLOWED_ORIGINS",
            ],
            Role::Ingest => &[],
            Role::Metadata => &[
                "TIKTOK_OEMBED_URL",
                "TIKTOK_WEB_BASE",
                "OUTBOUND_ALLOWED_ORIGINS",
                "COVER_MAX_BYTES",
                "RETRY_BASE_DELAY_SECONDS",
                "RETRY_MAX_DELAY_SECONDS",
            ],
            Role::Stage => &["RETRY_BASE_DELAY_SECONDS", "RETRY_MAX_DELAY_SECONDS"],
            Role::Drain => &["DRAIN_TOKEN"],
            Role::Whatsapp => &[
                "WHATSAPP_APP_SECRET",
                "WHATSAPP_VERIFY_TOKEN",
                "DATA_ENCRYPTION_KEY",
                "WHATSAPP_GRAPH_URL",
                "WHATSAPP_GRAPH_VERSION",
                "WHATSAPP_SEND_PER_SECOND",
                "OUTBOUND_ALLOWED_ORIGINS",
                "RETRY_BASE_DELAY_SECONDS",
                "RETRY_MAX_DELAY_SECONDS",
            ],
        }
    }
}

/// The names the given roles read, each once.
pub fn variables_of(roles: &[Role]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for name in roles.iter().flat_map(|r| r.variables().iter().copied()) {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// A variable that is set but unusable: the function refuses to serve rather than run on a
/// silent default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration variable {variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

impl ConfigError {
    /// The answer every request gets while the configuration is unusable; the variable is named
    /// in the log, not to the caller.
    pub fn api_error(&self) -> crate::error::ApiError {
        let mut e = crate::error::ApiError::new(
            http::StatusCode::SERVICE_UNAVAILABLE,
            "config_invalid",
            "the hub is misconfigured; the operator has been told which setting",
        );
        e.cause = Some(self.to_string());
        e
    }
}

impl Config {
    /// Reads the variables of `roles` through `get`, validating each: a malformed number, an
    /// origin that is not `scheme://host[:port]` or a JWT secret under
    /// [`MIN_JWT_SECRET_BYTES`] is an error naming the variable. Variables of other roles are
    /// not asked for and keep their defaults.
    pub fn load(roles: &[Role], get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let names = variables_of(roles);
        let text = |name: &'static str| {
            if !names.contains(&name) {
                return None;
            }
            get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
        };
        let num = |name: &'static str, default: u32| -> Result<u32, ConfigError> {
            match text(name) {
                None => Ok(default),
                Some(v) => v.parse::<u32>().map_err(|_| ConfigError {
                    variable: name,
                    reason: format!("{v:?} is not a whole number from 0 to {}", u32::MAX),
                }),
            }
        };
        let list = |name: &'static str| -> Vec<String> {
            text(name)
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default()
        };
        let origin = |name: &'static str, value: &str| {
            Origin::of(value).ok_or_else(|| ConfigError {
                variable: name,
                reason: format!("{value:?} is not an origin such as https://example.com"),
            })
        };
        let jwt_secret = text("JWT_SECRET");
        if let Some(secret) = &jwt_secret
            && secret.len() < MIN_JWT_SECRET_BYTES
        {
            return Err(ConfigError {
                variable: "JWT_SECRET",
                reason: format!("{} bytes; at least {MIN_JWT_SECRET_BYTES} are required", secret.len()),
            });
        }
        let tiktok_web_base = text("TIKTOK_WEB_BASE").map(|v| v.trim_end_matches('/').to_owned());
        let tiktok_oembed_url = text("TIKTOK_OEMBED_URL").unwrap_or_else(|| "https://www.tiktok.com/oembed".to_owned());
        let mut outbound = Vec::new();
        for o in list("OUTBOUND_ALLOWED_ORIGINS") {
            outbound.push(origin("OUTBOUND_ALLOWED_ORIGINS", &o)?);
        }
        // The configured endpoints are trusted by definition.
        outbound.push(origin("TIKTOK_OEMBED_URL", &tiktok_oembed_url)?);
        if let Some(base) = &tiktok_web_base {
            outbound.push(origin("TIKTOK_WEB_BASE", base)?);
        }
        let whatsapp_graph_url = text("WHATSAPP_GRAPH_URL")
            .map_or_else(|| "https://graph.facebook.com".to_owned(), |v| v.trim_end_matches('/').to_owned());
        // Only the WhatsApp function may reach Graph: other roles' allow-lists stay TikTok's.
        if names.contains(&"WHATSAPP_GRAPH_URL") {
            outbound.push(origin("WHATSAPP_GRAPH_URL", &whatsapp_graph_url)?);
            // Where Graph's media URLs point (`crate::whatsapp::media`).
            outbound.push(origin("WHATSAPP_GRAPH_URL", META_MEDIA_ORIGIN)?);
        }
        let whatsapp_graph_version = text("WHATSAPP_GRAPH_VERSION").unwrap_or_else(|| "v23.0".to_owned());
        if !whatsapp_graph_version.starts_with('v')
            || !whatsapp_graph_version[1..].chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            return Err(ConfigError {
                variable: "WHATSAPP_GRAPH_VERSION",
                reason: format!("{whatsapp_graph_version:?} is not a Graph version such as v23.0"),
            });
        }
        let data_encryption_key = text("DATA_ENCRYPTION_KEY");
        if let Some(keys) = &data_encryption_key {
            crate::sealed::Keyring::parse(keys)
                .map_err(|e| ConfigError { variable: "DATA_ENCRYPTION_KEY", reason: e.to_string() })?;
        }
        let cors = list("CORS_ALLOWED_ORIGINS");
        let cfg = Self {
            jwt_secret,
            jwt_issuer: text("JWT_ISSUER").unwrap_or_else(|| "linkhub".to_owned()),
            jwt_audience: text("JWT_AUDIENCE").unwrap_or_else(|| "linkhub-api".to_owned()),
            token_ttl_seconds: u64::from(num("TOKEN_TTL_SECONDS", 86_400)?),
            tiktok_oembed_url,
            tiktok_web_base,
            outbound_allowed_origins: outbound,
            cover_max_bytes: num("COVER_MAX_BYTES", 5 * 1024 * 1024)? as usize,
            retry_base_delay_seconds: num("RETRY_BASE_DELAY_SECONDS", 5)?,
            retry_max_delay_seconds: num("RETRY_MAX_DELAY_SECONDS", 300)?,
            submit_limit_per_seller_per_minute: num("SUBMIT_LIMIT_PER_SELLER_PER_MINUTE", 30)?,
            submit_limit_per_client_per_minute: num("SUBMIT_LIMIT_PER_CLIENT_PER_MINUTE", 60)?,
            auth_limit_per_client_per_minute: num("AUTH_LIMIT_PER_CLIENT_PER_MINUTE", 20)?,
            page_limit_per_client_per_minute: num("PAGE_LIMIT_PER_CLIENT_PER_MINUTE", 300)?,
            cors_allowed_origins: if cors.is_empty() { vec!["*".to_owned()] } else { cors },
            drain_token: text("DRAIN_TOKEN"),
            whatsapp_app_secret: text("WHATSAPP_APP_SECRET"),
            whatsapp_verify_token: text("WHATSAPP_VERIFY_TOKEN"),
            data_encryption_key,
            whatsapp_graph_url,
            whatsapp_graph_version,
            whatsapp_send_per_second: num("WHATSAPP_SEND_PER_SECOND", 80)?.max(1),
        };
        if cfg.token_ttl_seconds == 0 {
            return Err(ConfigError { variable: "TOKEN_TTL_SECONDS", reason: "must be more than 0".into() });
        }
        Ok(cfg)
    }

    /// Every role's variables (native tools and tests, which play every part).
    pub fn load_all(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Self::load(&Role::ALL, get)
    }

    /// Backoff for the n-th attempt (1-based): base * 2^(n-1), capped.
    pub fn retry_delay(&self, attempt: u32) -> u32 {
        let exp = attempt.saturating_sub(1).min(16);
        self.retry_base_delay_seconds.saturating_mul(1 << exp).min(self.retry_max_delay_seconds)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::cell::RefCell;

    fn with(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::load_all(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    /// Spin asks for declared names only; a name read here but missing there would silently
    /// keep its default on Spin.
    #[test]
    fn every_name_read_is_listed_and_each_role_asks_only_for_its_own() {
        for role in Role::ALL {
            let asked = RefCell::new(Vec::new());
            let _ = Config::load(&[role], |name| {
                asked.borrow_mut().push(name.to_owned());
                None
            });
            for name in asked.into_inner() {
                assert!(role.variables().contains(&name.as_str()), "{role:?} asked for {name}, which it does not use");
            }
        }
    }

    #[test]
    fn malformed_values_name_their_variable_instead_of_falling_back() {
        let e = with(&[("SUBMIT_LIMIT_PER_SELLER_PER_MINUTE", "thirty")]).unwrap_err();
        assert_eq!(e.variable, "SUBMIT_LIMIT_PER_SELLER_PER_MINUTE");
        assert_eq!(with(&[("COVER_MAX_BYTES", "-1")]).unwrap_err().variable, "COVER_MAX_BYTES");
        assert_eq!(
            with(&[("OUTBOUND_ALLOWED_ORIGINS", "not a url")]).unwrap_err().variable,
            "OUTBOUND_ALLOWED_ORIGINS"
        );
        assert_eq!(with(&[("TOKEN_TTL_SECONDS", "0")]).unwrap_err().variable, "TOKEN_TTL_SECONDS");
        let cfg = with(&[("SUBMIT_LIMIT_PER_SELLER_PER_MINUTE", " 7 ")]).unwrap();
        assert_eq!(cfg.submit_limit_per_seller_per_minute, 7);
        assert_eq!(e.api_error().status, http::StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(e.api_error().code, "config_invalid");
    }

    #[test]
    fn a_short_jwt_secret_is_refused_and_a_missing_one_leaves_auth_unconfigured() {
        assert_eq!(with(&[("JWT_SECRET", "short-secret")]).unwrap_err().variable, "JWT_SECRET");
        assert!(with(&[("JWT_SECRET", &"k".repeat(MIN_JWT_SECRET_BYTES))]).unwrap().jwt_secret.is_some());
        assert!(with(&[]).unwrap().jwt_secret.is_none());
    }

    #[test]
    fn whatsapp_settings_are_validated_and_the_graph_is_allowed_outbound() {
        let e = with(&[("DATA_ENCRYPTION_KEY", "k1:notbase64!")]).unwrap_err();
        assert_eq!(e.variable, "DATA_ENCRYPTION_KEY");
        assert!(!e.to_string().contains("notbase64"), "the key itself is never echoed: {e}");
        assert_eq!(with(&[("WHATSAPP_GRAPH_VERSION", "23")]).unwrap_err().variable, "WHATSAPP_GRAPH_VERSION");
        let cfg = with(&[("WHATSAPP_GRAPH_URL", "http://127.0.0.1:8790/")]).unwrap();
        assert_eq!(cfg.whatsapp_graph_url, "http://127.0.0.1:8790");
        assert!(crate::outbound::is_allowed("http://127.0.0.1:8790/v23.0/1", &cfg.outbound_allowed_origins));
        let metadata = Config::load(&[Role::Metadata], |_| None).unwrap();
        assert!(!crate::outbound::is_allowed(
            "https://graph.facebook.com/v23.0/me",
            &metadata.outbound_allowed_origins
        ));
        let whatsapp = Config::load(&[Role::Whatsapp], |_| None).unwrap();
        assert!(crate::outbound::is_allowed("https://graph.facebook.com/v23.0/me", &whatsapp.outbound_allowed_origins));
        let cfg = with(&[]).unwrap();
        assert_eq!(
            (cfg.whatsapp_graph_url.as_str(), cfg.whatsapp_graph_version.as_str()),
            ("https://graph.facebook.com", "v23.0")
        );
        assert!(cfg.whatsapp_app_secret.is_none() && cfg.data_encryption_key.is_none());
    }

    #[test]
    fn a_role_ignores_variables_it_does_not_use() {
        let cfg =
            Config::load(&[Role::Drain], |name| (name == "SUBMIT_LIMIT_PER_SELLER_PER_MINUTE").then(|| "x".to_owned()));
        assert!(cfg.is_ok());
    }
}
