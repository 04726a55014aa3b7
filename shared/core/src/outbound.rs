//! The outbound allow-list: every URL the hub fetches (short-link hops, oEmbed, covers) must be
//! on TikTok's own hosts over https, or on an origin the configuration names (the sandbox).
//!
//! [`TIKTOK_HOSTS`] is the one list: the core checks every request against it, the link grammar
//! takes its web and short-link hosts from it, and a test fails when spin.toml's
//! `allowed_outbound_hosts` for the metadata component says anything else.

use crate::ports::{Http, OutboundRequest, OutboundResponse, PortError, PortErrorKind};

/// TikTok's web hosts (links, oEmbed).
pub const TIKTOK_WEB_HOSTS: [&str; 3] = ["www.tiktok.com", "tiktok.com", "m.tiktok.com"];
/// TikTok's short-link hosts.
pub const TIKTOK_SHORT_HOSTS: [&str; 2] = ["vm.tiktok.com", "vt.tiktok.com"];
/// Cover image CDNs, as `*.domain` patterns (any subdomain, not the domain itself).
pub const TIKTOK_CDN_PATTERNS: [&str; 5] =
    ["*.tiktokcdn.com", "*.tiktokcdn-us.com", "*.tiktokcdn-eu.com", "*.tiktokv.com", "*.ibyteimg.com"];

/// Every TikTok host the hub may call, over https on the default port, in Spin's
/// `allowed_outbound_hosts` host syntax.
pub fn tiktok_hosts() -> Vec<&'static str> {
    TIKTOK_WEB_HOSTS.iter().chain(TIKTOK_SHORT_HOSTS.iter()).chain(TIKTOK_CDN_PATTERNS.iter()).copied().collect()
}

fn host_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix('*') {
        // `*.tiktokcdn.com`: a subdomain, with at least one label before the suffix.
        Some(suffix) => host.len() > suffix.len() && host.ends_with(suffix),
        None => host == pattern,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: Option<u16>,
}

impl Origin {
    /// The origin of an absolute http(s) URL; `None` for anything else or for URLs with userinfo.
    pub fn of(url: &str) -> Option<Self> {
        let (scheme, rest) = url.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return None;
        }
        let authority = rest.split(['/', '?', '#']).next()?;
        if authority.is_empty() || authority.contains(['@', '\\', '%']) || !authority.is_ascii() {
            return None;
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, Some(p.parse().ok()?)),
            _ => (authority, None),
        };
        Some(Self { scheme, host: host.to_ascii_lowercase(), port })
    }
}

pub fn is_allowed(url: &str, extra: &[Origin]) -> bool {
    let Some(o) = Origin::of(url) else { return false };
    if extra.contains(&o) {
        return true;
    }
    o.scheme == "https" && o.port.is_none() && tiktok_hosts().iter().any(|p| host_matches(p, &o.host))
}

/// Wraps an [`Http`] port so that nothing outside the allow-list is ever sent.
pub struct AllowListed<'a, H> {
    pub inner: &'a H,
    pub extra: &'a [Origin],
}

impl<H: Http> Http for AllowListed<'_, H> {
    async fn send(&self, req: OutboundRequest) -> Result<OutboundResponse, PortError> {
        if !is_allowed(&req.url, self.extra) {
            return Err(PortError::new(PortErrorKind::Forbidden, format!("outbound host not allowed: {}", req.url)));
        }
        self.inner.send(req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_tiktok_and_configured_origins_only() {
        let sandbox = vec![Origin::of("http://127.0.0.1:8790").expect("origin")];
        assert!(is_allowed("https://www.tiktok.com/oembed?url=x", &[]));
        assert!(is_allowed("https://p16-sign-va.tiktokcdn.com/obj/x.jpeg?x-expires=1", &[]));
        assert!(is_allowed("https://p19-common-sign.ibyteimg.com/obj/x.jpeg", &[]));
        assert!(is_allowed("https://vm.tiktok.com/ZMabc/", &[]));
        assert!(!is_allowed("https://tiktokcdn.com/x", &[]), "a pattern allows subdomains only");
        assert!(!is_allowed("https://eviltiktokcdn.com/x", &[]));
        assert!(is_allowed("http://127.0.0.1:8790/cover/1", &sandbox));
        assert!(!is_allowed("http://127.0.0.1:8791/cover/1", &sandbox));
        assert!(!is_allowed("http://www.tiktok.com/oembed", &[]));
        assert!(!is_allowed("https://www.tiktok.com:8443/", &[]));
        assert!(!is_allowed("http://169.254.169.254/latest/meta-data", &sandbox));
        assert!(!is_allowed("https://tiktokcdn.com.evil.com/x", &[]));
        assert!(!is_allowed("https://user@www.tiktok.com/", &[]));
        assert!(!is_allowed("file:///etc/passwd", &[]));
    }
}
