//! Tags, keywords and SEO text for the product draft.

use crate::text::Doc;
use crate::{Price, Seo};
use unicode_normalization::UnicodeNormalization;

const FILLER: &str = "this that these those with from your have just only about really there their they them what when \
    which will would could should into over more most very also then than here been were because while every after \
    before still even much many some like love best price link order shop ships free today sale comes made make";

fn filler() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| FILLER.split_whitespace().collect())
}

pub fn keywords(doc: &Doc, products: &[String], _language: &str) -> Vec<String> {
    let mut out: Vec<String> = products.to_vec();
    for w in &doc.words {
        if out.len() >= 8 {
            break;
        }
        let alpha = w.chars().all(char::is_alphabetic);
        if alpha
            && w.chars().count() >= 5
            && !filler().contains(w.as_str())
            && !out.iter().any(|o| o.split(' ').any(|p| p == w))
        {
            out.push(w.clone());
        }
    }
    out
}

pub fn tags(hashtags: &[String], keywords: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in hashtags.iter().map(|h| h.trim_start_matches('#').to_owned()).chain(keywords.iter().cloned()) {
        if !out.contains(&t) && out.len() < 15 {
            out.push(t);
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

fn truncate_words(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out = String::new();
    for w in s.split_whitespace() {
        if out.chars().count() + w.chars().count() + 2 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    if out.is_empty() {
        out = s.chars().take(max - 1).collect();
    }
    out.push('…');
    out
}

pub fn slug(s: &str) -> String {
    let folded: String = s.nfd().filter(|c| !('\u{0300}'..='\u{036F}').contains(c)).collect::<String>().to_lowercase();
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let trimmed: String = out.trim_end_matches('-').chars().take(80).collect();
    trimmed.trim_end_matches('-').to_owned()
}

fn format_price(p: &Price) -> String {
    let symbol = match p.currency.as_str() {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "NGN" => "₦",
        "INR" => "₹",
        "PHP" => "₱",
        _ => "",
    };
    if symbol.is_empty() { format!("{} {}", p.currency, p.amount) } else { format!("{symbol}{}", p.amount) }
}

pub fn seo(products: &[String], prices: &[Price], category: &str, doc: &Doc) -> Seo {
    let name = products.first().map_or_else(|| category.to_owned(), |p| capitalise(p));
    let title = match crate::selling_price(prices) {
        Some(p) => format!("{name} – {}", format_price(p)),
        None => name.clone(),
    };
    let title = truncate_words(&title, 60);
    let plain: String =
        doc.nfc.split_whitespace().filter(|w| !w.starts_with('#') && !w.starts_with('@')).collect::<Vec<_>>().join(" ");
    let description = truncate_words(if plain.is_empty() { &name } else { &plain }, 160);
    Seo { slug: slug(&name), title, description }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_fold_accents_and_punctuation() {
        assert_eq!(slug("Esterilizador de Biberones — 45 €"), "esterilizador-de-biberones-45");
        assert_eq!(slug("Calça wide-leg"), "calca-wide-leg");
    }

    #[test]
    fn text_is_cut_at_words_within_limits() {
        let long = "word ".repeat(100);
        let t = truncate_words(&long, 60);
        assert!(t.chars().count() <= 60 && t.ends_with('…'));
    }
}
