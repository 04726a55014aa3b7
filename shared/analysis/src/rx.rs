//! Byte patterns for phrase matching, compiled for a fast start: an edge isolate pays the build on
//! its first request. The regex crate's default literal prefilters cost several milliseconds to
//! build for large phrase alternations and save little on captions of a few hundred bytes, so these
//! patterns are built without them (ASCII word boundaries keep the lazy DFA usable).

use regex_automata::meta::{Config, Regex};
use regex_automata::util::syntax;

pub struct Rx(Regex);

impl Rx {
    pub fn new(pattern: &str) -> Self {
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
