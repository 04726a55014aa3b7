//! Byte patterns for phrase matching, compiled for a fast start: an edge isolate pays the build on
//! its first request. The regex crate's default literal prefilters cost several milliseconds to
//! build for large phrase alternations and save little on captions of a few hundred bytes, so these
//! patterns are built without them (ASCII word boundaries keep the lazy DFA usable).

use regex_automata::Input;
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::meta::{Config, Regex};
use regex_automata::nfa::thompson;
use regex_automata::util::syntax;
use std::sync::Mutex;

pub enum Rx {
    /// Finds match spans: forward and reverse automata.
    Spans(Regex),
    /// Only says whether and how often the pattern matches: one forward lazy DFA, about half the
    /// build cost of `Spans`.
    Ends(Box<(DFA, Mutex<Cache>)>),
}

fn syntax() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false)
}

impl Rx {
    /// A pattern whose match spans are needed.
    pub fn new(pattern: &str) -> Self {
        let pattern = &ascii_boundaries_only(pattern);
        let built = Regex::builder()
            .syntax(syntax())
            .configure(Config::new().auto_prefilter(false).onepass(false).backtrack(false).utf8_empty(false))
            .build(pattern);
        Self::Spans(built.unwrap_or_else(|e| panic!("pattern {pattern}: {e}")))
    }

    /// A pattern used only through `is_match` and `count`.
    pub fn matcher(pattern: &str) -> Self {
        let pattern = &ascii_boundaries_only(pattern);
        let built = DFA::builder()
            .syntax(syntax())
            .thompson(thompson::Config::new().utf8(false).which_captures(thompson::WhichCaptures::None))
            .build(pattern);
        let dfa = built.unwrap_or_else(|e| panic!("pattern {pattern}: {e}"));
        let cache = Mutex::new(dfa.create_cache());
        Self::Ends(Box::new((dfa, cache)))
    }

    pub fn is_match(&self, haystack: &[u8]) -> bool {
        match self {
            Self::Spans(re) => re.is_match(haystack),
            Self::Ends(..) => self.next_end(haystack, 0, true).is_some(),
        }
    }

    /// How many leftmost-first, non-overlapping matches the haystack holds.
    pub fn count(&self, haystack: &[u8]) -> usize {
        match self {
            Self::Spans(re) => re.find_iter(haystack).count(),
            Self::Ends(..) => {
                let mut n = 0;
                let mut at = 0;
                while let Some(end) = self.next_end(haystack, at, false) {
                    n += 1;
                    // The patterns never match empty; step past an empty match all the same.
                    at = if end > at { end } else { at + 1 };
                    if at > haystack.len() {
                        break;
                    }
                }
                n
            }
        }
    }

    /// Byte ranges of the matches. Only for patterns built with `new`.
    pub fn spans<'h>(&'h self, haystack: &'h [u8]) -> impl Iterator<Item = (usize, usize)> + 'h {
        let Self::Spans(re) = self else { panic!("spans of a pattern built with Rx::matcher") };
        re.find_iter(haystack).map(|m| (m.start(), m.end()))
    }

    fn next_end(&self, haystack: &[u8], from: usize, earliest: bool) -> Option<usize> {
        let Self::Ends(ends) = self else { return None };
        let (dfa, cache) = &**ends;
        let input = Input::new(haystack).range(from..).earliest(earliest);
        let mut cache = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Without quit bytes or a cache-clear limit (neither is configured) the lazy DFA cannot fail.
        let found = dfa.try_search_fwd(&mut cache, &input).unwrap_or_else(|e| panic!("lazy DFA: {e}"));
        found.map(|m| m.offset())
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
        assert!(Rx::matcher(r"\bótim[oa]\b").is_match("produto ótimo!".as_bytes()));
        assert!(!Rx::matcher(r"\bdm\b").is_match("admin".as_bytes()));
    }

    #[test]
    fn forward_only_matchers_count_like_full_regexes() {
        let patterns = [r"\blove\b|\bso\s+good\b|\bbest\b", r"\bb+\b|ab", r"x*y", r"\d+"];
        let haystacks = ["I love it, so good, the best, love love", "ab b bb abab bbb", "xxy y xy", "10 200 3,5", ""];
        for p in patterns {
            let (full, fwd) = (Rx::new(p), Rx::matcher(p));
            for h in haystacks {
                assert_eq!(fwd.count(h.as_bytes()), full.count(h.as_bytes()), "{p} on {h}");
                assert_eq!(fwd.is_match(h.as_bytes()), full.is_match(h.as_bytes()), "{p} on {h}");
            }
        }
        assert_eq!(Rx::matcher(r"\blove\b").count(b"love, love and lovely love"), 3);
    }
}
