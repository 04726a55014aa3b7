//! Byte patterns for phrase matching, compiled for a fast start: an edge isolate pays the build on
//! its first request. The regex crate's default literal prefilters cost several milliseconds to
//! build for large phrase alternations and save little on captions of a few hundred bytes, so these
//! patterns are built without them (ASCII word boundaries keep the lazy DFA usable).

use regex_automata::meta::{Config, Regex};
use regex_automata::util::syntax;

pub struct Rx(Regex);

impl Rx {
    pub fn new(pattern: &str) -> Self {
        let pattern = &ascii_boundaries_only(pattern);
        let built = Regex::builder()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(Config::new().auto_prefilter(false).onepass(false).backtrack(false).utf8_empty(false))
            .build(pattern);
        Self(built.unwrap_or_else(|e| panic!("pattern {pattern}: {e}")))
    }

    pub fn is_match(&self, haystack: &[u8]) -> bool {
        self.0.is_match(haystack)
    }

    pub fn count(&self, haystack: &[u8]) -> usize {
        self.0.find_iter(haystack).count()
    }

    /// Byte ranges of the matches.
    pub fn spans<'h>(&'h self, haystack: &'h [u8]) -> impl Iterator<Item = (usize, usize)> + 'h {
        self.0.find_iter(haystack).map(|m| (m.start(), m.end()))
    }
}

/// `\b` is an ASCII word boundary here; next to a non-ASCII letter (`sauvé\b`, `\bótimo`,
/// `sınırlı\b`) it could never match, so it is dropped there.
fn ascii_boundaries_only(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' && chars.get(i + 1) == Some(&'b') {
            let escaped = i > 0 && chars[i - 1] == '\\' && (i < 2 || chars[i - 2] != '\\');
            let before_non_ascii = i > 0 && !chars[i - 1].is_ascii();
            let after_non_ascii = chars.get(i + 2).is_some_and(|c| !c.is_ascii());
            if !escaped && (before_non_ascii || after_non_ascii) {
                i += 2;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_next_to_non_ascii_letters_still_match() {
        assert!(Rx::new(r"\bm'a\s+sauvé\b").is_match("ce sac m'a sauvé pendant".as_bytes()));
        assert!(Rx::new(r"\bstoklar\s+sınırlı\b").is_match("sepete ekle, stoklar sınırlı ⏳".as_bytes()));
        assert!(Rx::new(r"\bótim[oa]\b").is_match("produto ótimo!".as_bytes()));
        assert!(!Rx::new(r"\bdm\b").is_match("admin".as_bytes()));
    }
}
