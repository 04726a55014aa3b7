//! The product vocabulary (data/catalog.txt) compiled into one Aho-Corasick automaton, and the
//! category rule of the guide: the category of the first-mentioned product, else of category
//! hints in the text, else of the hashtags.

use crate::text::{Doc, is_word_char};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

const CATALOG: &str = include_str!("../data/catalog.txt");
pub const DEFAULT_CATEGORY: &str = "Health & Beauty";

const PET_WORDS: [&str; 22] = [
    "cat", "cats", "dog", "dogs", "puppy", "kitten", "pet", "pets", "perro", "perros", "gato", "gatos", "cachorro",
    "kucing", "anjing", "chien", "chat", "hund", "katze", "pusa", "aso", "paka",
];

#[derive(Debug, Clone)]
pub struct Term {
    pub text: String,
    pub category: &'static str,
    /// A hint points to a category but is not a product name.
    pub hint: bool,
}

/// A vocabulary term found in the caption body.
#[derive(Debug, Clone)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub term: usize,
}

pub struct Catalog {
    pub terms: Vec<Term>,
    automaton: AhoCorasick,
}

impl Catalog {
    pub fn new() -> Self {
        let mut terms: Vec<Term> = Vec::new();
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for line in CATALOG.lines().filter(|l| !l.starts_with('#') && l.contains(':')) {
            let Some((category, list)) = line.split_once(':') else { continue };
            let category: &'static str = category.trim();
            for raw in list.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                let (hint, text) = match raw.strip_prefix('~') {
                    Some(t) => (true, t),
                    None => (false, raw),
                };
                if seen.insert(text) {
                    terms.push(Term { text: text.to_owned(), category, hint });
                }
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            // A contiguous NFA builds several times faster than a DFA and is fast enough for
            // captions of a few hundred bytes.
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .dense_depth(1)
            .build(terms.iter().map(|t| t.text.as_str()))
            .unwrap_or_else(|e| panic!("catalog automaton: {e}"));
        Self { terms, automaton }
    }

    /// Terms found in the caption body at word boundaries (plurals `s`/`es` allowed).
    pub fn find(&self, doc: &Doc) -> Vec<Hit> {
        self.find_in(&doc.body, true)
    }

    fn find_in(&self, text: &str, boundaries: bool) -> Vec<Hit> {
        let mut hits = Vec::new();
        for m in self.automaton.find_iter(text) {
            let before_ok = text[..m.start()].chars().last().is_none_or(|c| !is_word_char(c));
            let rest = &text[m.end()..];
            let tail: String = rest.chars().take_while(|c| is_word_char(*c)).collect();
            let after_ok = tail.is_empty() || tail == "s" || tail == "es";
            if !boundaries || (before_ok && after_ok) {
                hits.push(Hit {
                    start: m.start(),
                    end: m.end() + if boundaries { tail.len() } else { 0 },
                    term: m.pattern().as_usize(),
                });
            }
        }
        hits
    }

    pub fn category(&self, hits: &[Hit], doc: &Doc, hashtags: &[String]) -> &'static str {
        if let Some(h) = hits.iter().find(|h| !self.terms[h.term].hint) {
            let category = self.terms[h.term].category;
            // Toys bought for a pet are pet supplies.
            if category == "Toys & Games" && doc.words.iter().any(|w| PET_WORDS.contains(&w.as_str())) {
                return "Animals & Pet Supplies";
            }
            return category;
        }
        if let Some(h) = hits.first() {
            return self.terms[h.term].category;
        }
        let tags: String = hashtags.iter().map(|t| t.trim_start_matches('#')).collect::<Vec<_>>().join(" ");
        self.find_in(&tags, false).first().map_or(DEFAULT_CATEGORY, |h| self.terms[h.term].category)
    }
}

impl Default for Catalog {
    fn default() -> Self {
        Self::new()
    }
}
