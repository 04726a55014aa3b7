//! TikTok links: the shapes sellers paste, checked before any I/O and canonicalised.
//!
//! The grammar accepted is deliberately narrow and is checked on the raw text rather than through a
//! general URL parser: general parsers normalise (IDNA, percent-decoding, backslashes, numeric IPs),
//! and every normalisation is a way for `tiktok.com.evil.com`-style tricks to slip through. Anything
//! outside the grammar is refused with its own error code.

use std::fmt;

/// Longest input we look at; real TikTok links with tracking parameters stay well under this.
pub const MAX_URL_LEN: usize = 2048;

const WEB_HOSTS: [&str; 3] = crate::outbound::TIKTOK_WEB_HOSTS;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TikTokLink {
    /// `/@user/video/<id>`; `user` is `None` for shapes that carry only the id.
    Video {
        user: Option<String>,
        id: String,
    },
    Photo {
        user: String,
        id: String,
    },
    /// A short link that must be resolved by following redirects.
    Short {
        host: ShortHost,
        code: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShortHost {
    /// `vm.tiktok.com/<code>`
    Vm,
    /// `vt.tiktok.com/<code>`
    Vt,
    /// `www.tiktok.com/t/<code>`
    WebT,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    Empty,
    TooLong,
    Malformed,
    NotHttps,
    UserInfo,
    Port,
    IpLiteral,
    IdnHost,
    EncodedHost,
    EncodedPath,
    HostNotTikTok,
    NotAVideo,
}

impl LinkError {
    pub fn code(self) -> &'static str {
        match self {
            LinkError::Empty => "url_empty",
            LinkError::TooLong => "url_too_long",
            LinkError::Malformed => "url_malformed",
            LinkError::NotHttps => "url_not_https",
            LinkError::UserInfo => "url_userinfo",
            LinkError::Port => "url_port",
            LinkError::IpLiteral => "url_ip_literal",
            LinkError::IdnHost => "url_idn_host",
            LinkError::EncodedHost => "url_encoded_host",
            LinkError::EncodedPath => "url_encoded_path",
            LinkError::HostNotTikTok => "url_host_not_tiktok",
            LinkError::NotAVideo => "url_not_a_video",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            LinkError::Empty => "the url is empty",
            LinkError::TooLong => "the url is longer than 2048 characters",
            LinkError::Malformed => "the url is not a well-formed link",
            LinkError::NotHttps => "only https TikTok links are accepted",
            LinkError::UserInfo => "links with a user name or password before the host are refused",
            LinkError::Port => "links with an explicit port are refused",
            LinkError::IpLiteral => "links to an IP address are refused; use a tiktok.com link",
            LinkError::IdnHost => "internationalised or look-alike host names are refused",
            LinkError::EncodedHost => "percent-encoded host names are refused",
            LinkError::EncodedPath => "percent-encoded paths are refused",
            LinkError::HostNotTikTok => "the link is not on tiktok.com",
            LinkError::NotAVideo => "the link is not a TikTok video or photo post",
        }
    }
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl TikTokLink {
    /// Parses what a seller pasted. A missing scheme is taken as https.
    pub fn parse(input: &str) -> Result<Self, LinkError> {
        if input.len() > MAX_URL_LEN {
            return Err(LinkError::TooLong);
        }
        let s = input.trim();
        if s.is_empty() {
            return Err(LinkError::Empty);
        }
        if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(LinkError::Malformed);
        }
        let rest = strip_scheme(s)?;
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        let host = check_authority(authority)?;
        if tail.contains('\\') {
            return Err(LinkError::Malformed);
        }
        // Query and fragment (tracking parameters) are dropped.
        let path = tail.split(['?', '#']).next().unwrap_or("");
        if !path.is_ascii() {
            return Err(LinkError::Malformed);
        }
        if path.contains('%') {
            return Err(LinkError::EncodedPath);
        }
        parse_path(&host, path)
    }

    /// The one URL we store and fetch for this post.
    pub fn canonical_url(&self) -> String {
        match self {
            TikTokLink::Video { user, id } => {
                format!("https://www.tiktok.com/@{}/video/{id}", user.as_deref().unwrap_or(""))
            }
            TikTokLink::Photo { user, id } => format!("https://www.tiktok.com/@{user}/photo/{id}"),
            TikTokLink::Short { host, code } => match host {
                ShortHost::Vm => format!("https://vm.tiktok.com/{code}/"),
                ShortHost::Vt => format!("https://vt.tiktok.com/{code}/"),
                ShortHost::WebT => format!("https://www.tiktok.com/t/{code}/"),
            },
        }
    }

    pub fn video_id(&self) -> Option<&str> {
        match self {
            TikTokLink::Video { id, .. } | TikTokLink::Photo { id, .. } => Some(id),
            TikTokLink::Short { .. } => None,
        }
    }

    /// The per-seller uniqueness key: the video id when known, else the short code.
    pub fn dedupe_key(&self) -> String {
        match self {
            TikTokLink::Video { id, .. } | TikTokLink::Photo { id, .. } => format!("video:{id}"),
            TikTokLink::Short { host, code } => {
                let h = match host {
                    ShortHost::Vm => "vm",
                    ShortHost::Vt => "vt",
                    ShortHost::WebT => "t",
                };
                format!("short:{h}:{code}")
            }
        }
    }

    pub fn is_short(&self) -> bool {
        matches!(self, TikTokLink::Short { .. })
    }

    pub fn kind(&self) -> &'static str {
        match self {
            TikTokLink::Video { .. } => "video",
            TikTokLink::Photo { .. } => "photo",
            TikTokLink::Short { .. } => "short",
        }
    }
}

fn strip_scheme(s: &str) -> Result<&str, LinkError> {
    if let Some(i) = s.find("://") {
        let scheme = &s[..i];
        if scheme.eq_ignore_ascii_case("https") {
            return Ok(&s[i + 3..]);
        }
        if scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) && !scheme.is_empty() {
            return Err(LinkError::NotHttps);
        }
        return Err(LinkError::Malformed);
    }
    if let Some(i) = s.find(':') {
        let scheme = &s[..i];
        let after = &s[i + 1..];
        // `host:port/...` has digits after the colon; `javascript:...`, `data:...` do not.
        let looks_like_port = after.chars().next().is_some_and(|c| c.is_ascii_digit());
        if !looks_like_port
            && !scheme.contains(['/', '.', '@'])
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-".contains(c))
        {
            return Err(LinkError::NotHttps);
        }
    }
    Ok(s.strip_prefix("//").unwrap_or(s))
}

fn check_authority(authority: &str) -> Result<String, LinkError> {
    if authority.is_empty() {
        return Err(LinkError::Malformed);
    }
    if authority.contains('@') {
        return Err(LinkError::UserInfo);
    }
    if authority.contains('%') {
        return Err(LinkError::EncodedHost);
    }
    if authority.starts_with('[') {
        return Err(LinkError::IpLiteral);
    }
    if authority.contains(':') {
        return Err(LinkError::Port);
    }
    if !authority.is_ascii() {
        return Err(LinkError::IdnHost);
    }
    let host = authority.to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    let last = labels.last().copied().unwrap_or("");
    let numeric = |l: &str| {
        !l.is_empty()
            && (l.chars().all(|c| c.is_ascii_digit())
                || (l.starts_with("0x") && l[2..].chars().all(|c| c.is_ascii_hexdigit())))
    };
    if numeric(last) {
        return Err(LinkError::IpLiteral);
    }
    if labels.iter().any(|l| l.starts_with("xn--")) {
        return Err(LinkError::IdnHost);
    }
    if !host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
        return Err(LinkError::Malformed);
    }
    Ok(host)
}

fn parse_path(host: &str, path: &str) -> Result<TikTokLink, LinkError> {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    let segs: Vec<&str> = trimmed.split('/').skip(1).collect();
    if segs.iter().any(|s| s.is_empty()) && !segs.is_empty() {
        return Err(LinkError::NotAVideo);
    }
    match host {
        "vm.tiktok.com" | "vt.tiktok.com" => {
            let host = if host.starts_with("vm") { ShortHost::Vm } else { ShortHost::Vt };
            match segs.as_slice() {
                [code] if is_short_code(code) => Ok(TikTokLink::Short { host, code: (*code).to_owned() }),
                _ => Err(LinkError::NotAVideo),
            }
        }
        h if WEB_HOSTS.contains(&h) => match segs.as_slice() {
            [user, "video", id] if is_user(user) && is_video_id(id) => Ok(TikTokLink::Video {
                // `/@/video/<id>` is our own canonical form for links that carry no user.
                user: Some(user[1..].to_owned()).filter(|u| !u.is_empty()),
                id: (*id).to_owned(),
            }),
            [user, "photo", id] if is_user(user) && user.len() > 1 && is_video_id(id) => {
                Ok(TikTokLink::Photo { user: user[1..].to_owned(), id: (*id).to_owned() })
            }
            ["embed", "v2", id] | ["embed", id] if is_video_id(id) => {
                Ok(TikTokLink::Video { user: None, id: (*id).to_owned() })
            }
            ["v", file] => {
                let id = file.strip_suffix(".html").unwrap_or(file);
                if is_video_id(id) {
                    Ok(TikTokLink::Video { user: None, id: id.to_owned() })
                } else {
                    Err(LinkError::NotAVideo)
                }
            }
            ["t", code] if is_short_code(code) => {
                Ok(TikTokLink::Short { host: ShortHost::WebT, code: (*code).to_owned() })
            }
            _ => Err(LinkError::NotAVideo),
        },
        _ => Err(LinkError::HostNotTikTok),
    }
}

fn is_user(seg: &str) -> bool {
    seg.strip_prefix('@')
        .is_some_and(|u| u.len() <= 64 && u.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_'))
}

fn is_video_id(s: &str) -> bool {
    (10..=20).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit())
}

fn is_short_code(s: &str) -> bool {
    (5..=20).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
#[path = "tiktok_tests.rs"]
mod tests;
