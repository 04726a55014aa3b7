//! The outbound allow-list: every URL the hub fetches (short-link hops, oEmbed, covers) must be
//! on TikTok's own hosts over https, or on an origin the configuration names (the sandbox).

use crate::ports::{Http, OutboundRequest, OutboundResponse, PortError, PortErrorKind};

/// TikTok hosts we may call over https: web, short links and the cover CDNs.
const TIKTOK_EXACT: [&str; 5] = ["www.tiktok.com", "tiktok.com", "m.tiktok.com", "vm.tiktok.com", "vt.tiktok.com"];
const TIKTOK_CDN_SUFFIXES: [&str; 4] = [".tiktokcdn.com", ".tiktokcdn-us.com", ".tiktokcdn-eu.com", ".tiktokv.com"];

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
    o.scheme == "https"
        && o.port.is_none()
        && (TIKTOK_EXACT.contains(&o.host.as_str()) || TIKTOK_CDN_SUFFIXES.iter().any(|s| o.host.ends_with(s)))
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
