//! Normalisation shared by every stage.

use unicode_normalization::UnicodeNormalization;

pub struct Doc {
    /// NFC text with Arabic-Indic digits read as ASCII digits.
    pub nfc: String,
    /// `nfc` lower-cased, with hashtags, @mentions and URLs blanked out (same byte length is not
    /// guaranteed; used for phrase matching only).
    pub body: String,
    /// Lower-case word tokens of `body`.
    pub words: Vec<String>,
}

pub fn arabic_digits(c: char) -> char {
    match c {
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        _ => c,
    }
}

impl Doc {
    pub fn new(caption: &str) -> Self {
        let nfc: String = caption.nfc().map(arabic_digits).collect();
        let body = strip_tags(&nfc).to_lowercase();
        let words = tokens(&body);
        Self { nfc, body, words }
    }
}

/// Removes hashtags and @handles (context, not content) and URLs' scheme noise.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    let mut prev: Option<char> = None;
    while let Some(c) = chars.next() {
        let starts_tag = (c == '#' || c == '@')
            && !prev.is_some_and(|p| p.is_alphanumeric())
            && chars.peek().is_some_and(|n| n.is_alphanumeric() || *n == '_');
        if starts_tag {
            while chars.peek().is_some_and(|n| n.is_alphanumeric() || *n == '_' || (c == '@' && *n == '.')) {
                chars.next();
            }
            out.push(' ');
            prev = Some(' ');
            continue;
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

pub fn tokens(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '’' || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}
