//! Language (ISO 639-1) of most of a caption's words.
//!
//! Captions are short and code-mixed (Hinglish, Taglish, Spanglish), where general-purpose
//! detectors trained on long text go wrong. So: script first (Arabic, Devanagari), then a vote of
//! function words per language (lexicons in `data/lang/`, words shared by several languages split
//! their vote), with the guide's Malay/Indonesian markers; `whatlang` decides when no word votes.

use crate::text::Doc;
use std::collections::HashMap;

const LEXICONS: [(&str, &str); 13] = [
    ("en", include_str!("../data/lang/en.txt")),
    ("es", include_str!("../data/lang/es.txt")),
    ("pt", include_str!("../data/lang/pt.txt")),
    ("fr", include_str!("../data/lang/fr.txt")),
    ("id", include_str!("../data/lang/id.txt")),
    ("ms", include_str!("../data/lang/ms.txt")),
    ("tl", include_str!("../data/lang/tl.txt")),
    ("sw", include_str!("../data/lang/sw.txt")),
    ("hi", include_str!("../data/lang/hi.txt")),
    ("tr", include_str!("../data/lang/tr.txt")),
    ("de", include_str!("../data/lang/de.txt")),
    ("it", include_str!("../data/lang/it.txt")),
    ("ar", ""),
];

const MALAY_MARKERS: [&str; 9] = ["rm", "je", "ni", "tak", "kat", "sahaja", "gila", "tekan", "korang"];
const INDONESIAN_MARKERS: [&str; 10] = ["rp", "aja", "banget", "ga", "nggak", "gak", "kak", "yuk", "cuma", "udah"];

pub struct LanguageModel {
    /// word -> languages it belongs to.
    words: HashMap<String, Vec<&'static str>>,
}

impl LanguageModel {
    pub fn new() -> Self {
        let mut words: HashMap<String, Vec<&'static str>> = HashMap::new();
        for (code, list) in LEXICONS {
            for w in list.split_whitespace() {
                let langs = words.entry(w.to_lowercase()).or_default();
                if !langs.contains(&code) {
                    langs.push(code);
                }
            }
        }
        Self { words }
    }

    pub fn detect(&self, doc: &Doc) -> String {
        let (mut arabic, mut devanagari, mut latin) = (0usize, 0usize, 0usize);
        for c in doc.body.chars() {
            match c {
                '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' => arabic += 1,
                '\u{0900}'..='\u{097F}' => devanagari += 1,
                c if c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c) => latin += 1,
                _ => {}
            }
        }
        if arabic > latin {
            return "ar".into();
        }
        if devanagari > latin {
            return "hi".into();
        }
        let mut scores: HashMap<&str, f32> = HashMap::new();
        for w in &doc.words {
            if let Some(langs) = self.words.get(w.as_str()) {
                let share = 1.0 / langs.len() as f32;
                for l in langs {
                    *scores.entry(l).or_default() += share;
                }
            }
        }
        let best = scores
            .iter()
            .max_by(|a, b| a.1.partial_cmp(b.1).unwrap_or(std::cmp::Ordering::Equal).then_with(|| b.0.cmp(a.0)))
            .map(|(l, s)| (*l, *s));
        match best {
            Some((l, s)) if s >= 1.0 => {
                if l == "id" || l == "ms" {
                    return self.malay_or_indonesian(doc).into();
                }
                l.into()
            }
            _ => fallback(&doc.body),
        }
    }

    fn malay_or_indonesian(&self, doc: &Doc) -> &'static str {
        let count = |markers: &[&str]| doc.words.iter().filter(|w| markers.contains(&w.as_str())).count();
        let mut ms = count(&MALAY_MARKERS);
        let mut id = count(&INDONESIAN_MARKERS);
        if doc.nfc.contains("RM") {
            ms += 2;
        }
        if doc.nfc.contains("Rp") {
            id += 2;
        }
        if ms > id { "ms" } else { "id" }
    }
}

fn fallback(body: &str) -> String {
    use whatlang::Lang;
    let code = match whatlang::detect_lang(body) {
        Some(Lang::Spa) => "es",
        Some(Lang::Por) => "pt",
        Some(Lang::Fra) => "fr",
        Some(Lang::Ind) => "id",
        Some(Lang::Tgl) => "tl",
        Some(Lang::Hin) => "hi",
        Some(Lang::Ara) => "ar",
        Some(Lang::Tur) => "tr",
        Some(Lang::Deu) => "de",
        Some(Lang::Ita) => "it",
        _ => "en",
    };
    code.into()
}

impl Default for LanguageModel {
    fn default() -> Self {
        Self::new()
    }
}
