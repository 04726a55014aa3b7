//! Products named in the caption, as short lower-case noun phrases in the caption's own words:
//! the vocabulary term (the product type) plus the modifier that says what kind it is, taken on
//! the side where the language puts it (before the noun in English, after it in Romance
//! languages, Indonesian, Malay and Tagalog). The first product is always kept; later ones only
//! when they carry a price of their own (lists, bundles with separate prices).

use crate::category::Hit;
use crate::text::Doc;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Words that never extend a product phrase: function words, hype, colours, materials used as
/// features, quantities.
const STOP: &str = "a an the this that these those my your our their his her its of for with and or to in on at by from \
    is are was were be been it i we you they me us them so very really just only also too more most much many \
    new best viral premium perfect cute mini little big small huge tiny cheap affordable good great amazing \
    favourite favorite obsessed honest honestly literally actually every all one two three four five six ten \
    black white red blue green pink purple yellow orange brown grey gray gold silver beige navy nude clear \
    set pack pair pairs piece pieces pcs kit's full whole matching same other another first last next \
    el la los las un una este esta estos estas ese esa mi mis tu su de del y o con sin para por que es muy \
    o os as um uma esse essa meu minha seu sua do da dos das e com sem pra é \
    le les un une ce cette mon ma mes ton ta son sa du des et avec sans pour est \
    ini itu yang dan untuk dengan jadi bikin aja banget cuma di ke dari ya kak \
    ang ng na sa mga lang po ko mo ito yung ay at kahit \
    hii hivi huu ni kwa ya wa \
    yeh hai ka ki ke ko se \
    bu bir ve çok için \
    der die das ein eine und mit für ist \
    il lo gli di che è per con non \
    no not não ne pas ni pun tak sa nor never \
    cotton gold plated silver-plated wooden wood leather silk bamboo ceramic glass steel stainless satin linen \
    wax velvet denim plastic metal aluminium aluminum cashmere wool organic natural handmade homemade \
    diese dieser dieses questa questo quel ce cette putih hitam merah biru pria wanita anak cowok cewek \
    men women mens womens kids unisex worst ye yeh couple sepasang";

const ROMANCE_LINKS: [&str; 9] = ["de", "da", "do", "à", "di", "en", "alla", "al", "ao"];

fn stop_set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOP.split_whitespace().collect())
}

fn stop(word: &str) -> bool {
    stop_set().contains(word) || word.chars().any(|c| c.is_ascii_digit()) || word.chars().count() < 2
}

pub fn products(doc: &Doc, hits: &[Hit], language: &str, catalog_terms: &dyn Fn(usize) -> (bool, bool)) -> Vec<String> {
    let body = &doc.body;
    let mut out: Vec<String> = Vec::new();
    let mut heads: Vec<usize> = Vec::new();
    for (i, hit) in hits.iter().enumerate() {
        let (hint, multiword) = catalog_terms(hit.term);
        if hint || heads.contains(&hit.term) {
            continue;
        }
        if i > 0 && !out.is_empty() && !(starts_item(body, hit.start) && priced_nearby(body, hit.start, hit.end)) {
            continue;
        }
        // "lightroom presets" then "desktop presets": one product.
        let head = body[hit.start..hit.end].split_whitespace().last().unwrap_or("").trim_end_matches('s');
        if out.iter().any(|p| p.split_whitespace().any(|w| w.trim_end_matches('s') == head)) {
            continue;
        }
        // "vitamin c glow serum", "sepatu sneakers": a term directly followed by another is one
        // product named by both.
        let phrase = match hits.get(i + 1) {
            Some(next)
                if !catalog_terms(next.term).0
                    && next.start >= hit.end
                    && next.start - hit.end <= 12
                    && body[hit.end..next.start].chars().all(|c| c.is_alphanumeric() || c == ' ')
                    && body[hit.end..next.start].split_whitespace().all(|w| !stop_set().contains(w)) =>
            {
                heads.push(next.term);
                body[hit.start..next.end].to_owned()
            }
            _ => expand(body, hit, language, multiword),
        };
        if phrase.is_empty() || out.contains(&phrase) {
            continue;
        }
        heads.push(hit.term);
        out.push(phrase);
    }
    out
}

/// The term opens a list item or a bundle part: at most three words after a line break, bullet,
/// `|`, `+`, a list number or "or"/"also".
fn starts_item(body: &str, start: usize) -> bool {
    let head = &body[..start];
    let boundary = head
        .char_indices()
        .rev()
        .find(|(_, c)| matches!(c, '\n' | '|' | '•' | '+' | '·' | '-' | '–' | ':' | ';'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    // "2 batteries + charger": a part bundled with an unpriced item is not a product of its own.
    if head[..boundary].ends_with('+') {
        let prev_start = head[..boundary - 1]
            .char_indices()
            .rev()
            .find(|(_, c)| matches!(c, '\n' | '|' | '•' | '+' | ':' | ';' | '.'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let prev = &head[prev_start..boundary - 1];
        let priced = prev.chars().any(|c| "$€£₦₹₱₺".contains(c)) && prev.chars().any(|c| c.is_ascii_digit());
        if !priced {
            return false;
        }
    }
    let mut segment = head[boundary..].trim();
    for lead in ["or ", "also ", "and ", "o ", "ou ", "atau "] {
        segment = segment.strip_prefix(lead).unwrap_or(segment);
    }
    let words =
        segment.split_whitespace().filter(|w| !w.trim_end_matches('.').chars().all(|c| c.is_ascii_digit())).count();
    words <= 3
}

/// A price marker or amount close after the term, within the same list item or clause.
fn priced_nearby(body: &str, start: usize, end: usize) -> bool {
    let after: String = body[end..].chars().take(40).take_while(|c| *c != '\n' && *c != '|' && *c != '•').collect();
    let before: String = {
        let head: Vec<char> = body[..start].chars().rev().take(12).take_while(|c| *c != '\n' && *c != '|').collect();
        head.into_iter().rev().collect()
    };
    let money = |s: &str| {
        s.chars().any(|c| "$€£₦₹₱₺".contains(c))
            || s.contains("rp")
            || s.contains("rm")
            || s.contains("ksh")
            || s.contains("r$")
    };
    (money(&after) && after.chars().any(|c| c.is_ascii_digit()))
        || (money(&before) && before.chars().any(|c| c.is_ascii_digit()))
}

fn words_before(body: &str, start: usize, n: usize) -> Vec<String> {
    let head = &body[..start];
    let mut out = Vec::new();
    for w in head.rsplit(|c: char| c.is_whitespace()).skip(1) {
        if out.len() == n {
            break;
        }
        let clean: String = w.chars().filter(|c| c.is_alphanumeric() || *c == '-').collect();
        if clean.is_empty() || clean.len() != w.chars().count() {
            // Punctuation or emoji ends the phrase.
            if !clean.is_empty() && w.trim_end_matches(|c: char| !c.is_alphanumeric()).len() < w.len() {
                break;
            }
            if clean.is_empty() {
                break;
            }
        }
        out.push(clean);
    }
    out
}

fn words_after(body: &str, end: usize, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let rest = &body[end..];
    if rest.starts_with(|c: char| !c.is_whitespace()) {
        return out;
    }
    for w in rest.split_whitespace() {
        if out.len() == n {
            break;
        }
        let clean: String = w.chars().filter(|c| c.is_alphanumeric() || *c == '-').collect();
        if clean.is_empty() {
            break;
        }
        let ends_clause = w.ends_with(|c: char| !(c.is_alphanumeric() || c == '-'));
        out.push(clean);
        if ends_clause {
            break;
        }
    }
    out
}

fn expand(body: &str, hit: &Hit, language: &str, multiword: bool) -> String {
    let term = body[hit.start..hit.end].to_owned();
    match language {
        "es" | "pt" | "fr" | "it" | "id" | "ms" | "tl" => {
            let after = words_after(body, hit.end, 3);
            let mut phrase = vec![term];
            let mut iter = after.into_iter().peekable();
            if let Some(first) = iter.peek().cloned() {
                if ROMANCE_LINKS.contains(&first.as_str()) && !multiword {
                    iter.next();
                    if let Some(next) = iter.next().filter(|w| !stop(w)) {
                        phrase.push(first);
                        phrase.push(next);
                    }
                } else if !stop(&first) && !multiword && language != "tl" {
                    phrase.push(first);
                    iter.next();
                    if matches!(language, "id" | "ms")
                        && let Some(second) = iter.next().filter(|w| !stop(w))
                    {
                        phrase.push(second);
                    }
                }
            }
            phrase.join(" ")
        }
        _ => {
            if multiword {
                return term;
            }
            match words_before(body, hit.start, 1).first() {
                Some(m) if !stop(m) => format!("{m} {term}"),
                _ => term,
            }
        }
    }
}
