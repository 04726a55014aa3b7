//! Prices in any currency and number format sellers use, as exact decimals with ISO 4217 codes.
//!
//! A number becomes a price when a currency marker sits right before or after it, or, for a
//! bare number, when the caption has other prices and a price cue ("price", "now", "for", a `k`
//! suffix...) introduces it. Shipping fees, thresholds, discounts, percentages, units, dates,
//! years, model numbers and phone numbers are left out (see the labelling guide, 3.2).

use crate::Price;
use crate::rx::Rx;
use crate::text::Doc;
use regex::Regex;
use rust_decimal::Decimal;
use std::str::FromStr;

pub struct PriceParser {
    number: Regex,
    before: Rx,
    after: Rx,
    phone: Rx,
    unit_after: Rx,
    excluded_before: Rx,
    cue_before: Rx,
}

/// Markers written before the amount, longest alternatives first.
const BEFORE: &str = r"(?x)(
      US\$ | AU\$ | A\$ | CA\$ | C\$ | MX\$ | NZ\$ | HK\$ | S\$ | R\$ | GH₵ | \$ | € | £ | ₦ | ₹ | ₱ | ₺
    | Rp\.? | RM | Rs\.? | KSh | Ksh | KES | Kes | TSh | Tsh | TZS | S/\.? | Php | PHP
    | USD | EUR | GBP | IDR | INR | MYR | BRL | COP | CLP | ARS | AUD | CAD | MXN | SGD | NZD | HKD | NGN
    | GHS | ZAR | AED | Dhs | dhs | SAR | EGP | TRY | CHF | MAD | PEN | XOF | FCFA | CFA | N | R
    )[\ ]?$";

/// Markers written after the amount.
const AFTER: &str = r"(?x)^[\ ]?(
      \$\s?CA | € | \$ | ₺ | TL | F\s?CFA | FCFA | CFA | USD | EUR | GBP | IDR | INR | MYR | BRL | COP | CLP | ARS
    | AUD | CAD | MXN | SGD | NZD | HKD | NGN | KES | TZS | GHS | ZAR | AED | SAR | EGP | TRY | CHF | MAD | PEN
    | XOF | PHP | dhs | Dhs | درهم | ريال\s?سعودي | ريال | ر\.س | جنيه | ج\.م | rupaye | pesos\s+mexicanos | reais
    | euros? | dólares | dolares | soles | lei
    )";

fn currency_code(marker: &str) -> Option<&'static str> {
    let m = marker.trim();
    Some(match m {
        "$" | "US$" | "USD" | "dólares" | "dolares" => "USD",
        "A$" | "AU$" | "AUD" => "AUD",
        "C$" | "CA$" | "CAD" => "CAD",
        "MX$" | "MXN" => "MXN",
        "S$" | "SGD" => "SGD",
        "NZ$" | "NZD" => "NZD",
        "HK$" | "HKD" => "HKD",
        "R$" | "BRL" | "reais" => "BRL",
        "€" | "EUR" | "euro" | "euros" => "EUR",
        "£" | "GBP" => "GBP",
        "₦" | "N" | "NGN" => "NGN",
        "₹" | "Rs" | "Rs." | "INR" | "rupaye" => "INR",
        "₱" | "Php" | "PHP" => "PHP",
        "₺" | "TL" | "TRY" => "TRY",
        "Rp" | "Rp." | "IDR" => "IDR",
        "RM" | "MYR" => "MYR",
        "KSh" | "Ksh" | "KES" | "Kes" => "KES",
        "TSh" | "Tsh" | "TZS" => "TZS",
        "GH₵" | "GHS" => "GHS",
        "R" | "ZAR" => "ZAR",
        "S/" | "S/." | "PEN" | "soles" => "PEN",
        "AED" | "Dhs" | "dhs" | "درهم" => "AED",
        "SAR" | "ريال" | "ر.س" => "SAR",
        "EGP" | "جنيه" | "ج.م" => "EGP",
        "CHF" => "CHF",
        "MAD" => "MAD",
        "COP" => "COP",
        "CLP" => "CLP",
        "ARS" => "ARS",
        "lei" => "RON",
        "FCFA" | "CFA" | "XOF" => "XOF",
        _ if m.starts_with("$") && m.ends_with("CA") => "CAD",
        _ if m.starts_with("pesos") => "MXN",
        _ if m.starts_with("ريال") => "SAR",
        _ if m.starts_with('F') && m.ends_with("CFA") => "XOF",
        _ => return None,
    })
}

/// Words after `18k`, `25k` that make them karats or counts, not money.
const NOT_MONEY_AFTER_K: [&str; 12] =
    ["gold", "white", "rose", "steps", "followers", "views", "likes", "subs", "subscribers", "miles", "km", "karat"];

struct Candidate {
    start: usize,
    amount: Decimal,
    currency: Option<&'static str>,
    suffixed: bool,
    cue: bool,
    idr_suffix: bool,
}

impl PriceParser {
    pub fn new() -> Self {
        let re = |s: &str| Regex::new(s).unwrap_or_else(|e| panic!("price regex: {e}"));
        let bytes = Rx::new;
        Self {
            number: re(
                r"(\d{1,3}(?:[.,\u{00A0}\u{202F} ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)(\s?(?:[kK]|rb|ribu)(?:[^\p{L}]|$))?(\.[–-])?",
            ),
            before: bytes(BEFORE),
            after: bytes(AFTER),
            phone: bytes(r"(?:\+?[0-9][0-9\- ]{7,}[0-9])"),
            unit_after: Rx::matcher(
                r"(?i)^\s?(?:%|ml|l(?-u:\b)|lt|litros?|liters?|litres?|g(?-u:\b)|gr(?-u:\b)|kg|mg|oz|lbs?|cm|mm|m(?-u:\b)|km|inch|inches|in(?-u:\b)|ft|mah|w(?-u:\b)|v(?-u:\b)|gb|tb|hz|pcs|pieces?|pack|x(?-u:\b)|hours?|hrs?|h(?-u:\b)|min|minutes?|mins|seconds?|sec|days?|dias?|días|hari|jam|weeks?|months?|years?|steps|colou?rs|k\s?steps|°|yards|yds|sizes?|people|pax|kids|times|rolls|ans|jours|tahun|bulan|meses|años|anos|mois|saat|gün|dakika|wick|in\s?1|-in-1|/10|/5|st(?-u:\b)|nd(?-u:\b)|rd(?-u:\b)|th(?-u:\b)|karat|kt|carat|seater|layer)",
            ),
            // Matched on the lower-cased clause as bytes without Unicode classes: far cheaper to
            // build and run; non-ASCII letters count as letters through \x80-\xff.
            excluded_before: Rx::matcher(
                r"(shipping|delivery|deliver|livraison|envío|envio|frete|ongkir|courier|postage|entrega|kirim|frais|versand|save|saving|ahorra|economize|hemat|jimat|under|over|above|below|from|a partir de|à partir de|ab|min\.?|minimum|belanja|spend|orders?|pedidos|compras|acima de|mais de|más de|menos de|up to|hingga|sampai|tot|fee|charge|cargo|taxa|tarifa|ongkos|biaya)(?:[^a-z0-9\x80-\xff]+[a-z\x80-\xff]+){0,3}[^a-z0-9\x80-\xff]*$",
            ),
            cue_before: Rx::matcher(
                r"(?:^|[^a-z\x80-\xff])(price|priced|our price|now|was|retail|regular|rrp|mrp|harga|precio|ahora|antes|preço|agora|prix|presyo|fiyat|bei|neupreis|jetzt|sekarang|for|→|->|=)[^a-z0-9\x80-\xff]{0,3}$",
            ),
        }
    }

    pub fn extract(&self, doc: &Doc) -> Vec<Price> {
        let text = &doc.nfc;
        let phones: Vec<(usize, usize)> = self
            .phone
            .spans(text.as_bytes())
            .filter(|&(s, e)| text.as_bytes()[s..e].iter().filter(|b| b.is_ascii_digit()).count() >= 9)
            .collect();
        let mut cands: Vec<Candidate> = Vec::new();
        for caps in self.number.captures_iter(text) {
            let Some(num) = caps.get(1) else { continue };
            let (start, end) = (num.start(), num.end());
            if left_glued(text, start) || phones.iter().any(|&(s, e)| start >= s && end <= e) {
                continue;
            }
            let whole_end = caps.get(0).map_or(end, |m| m.end());
            let suffix = caps.get(2).map(|m| m.as_str().trim().to_ascii_lowercase());
            let suffix_word = suffix.as_deref().map(|s| s.trim_end_matches(|c: char| !c.is_alphabetic()).to_owned());
            let mut amount = match parse_amount(num.as_str()) {
                Some(a) => a,
                None => continue,
            };
            if suffix_word.is_some() {
                amount *= Decimal::from(1000);
            }
            let before_text = char_safe_tail(text, start, 16).unwrap_or("");
            let after_start = if suffix.is_some() { caps.get(2).map_or(end, |m| m.end()) } else { whole_end };
            let after_text = char_safe_head(text, after_start.min(text.len()), 24);
            let mut currency = self.before.spans(before_text.as_bytes()).next().and_then(|(s, e)| {
                // The marker starts a word: `R$`, not the `R$` of `BR$`.
                if before_text[..s].chars().last().is_some_and(char::is_alphanumeric) {
                    return None;
                }
                let marker = before_text[s..e].trim_end();
                // `N`, `R` and `Rs` only directly before a digit or one space; `N` only glued.
                if marker == "N" && !before_text.ends_with('N') {
                    return None;
                }
                currency_code(marker)
            });
            let after_marker = self.after.spans(after_text.as_bytes()).next().and_then(|(s, e)| {
                // The marker ends a word: `TL`, not the start of `TLC`.
                let next = after_text[e..].chars().next();
                (!next.is_some_and(char::is_alphabetic)).then(|| after_text[s..e].trim())
            });
            if let Some(code) = after_marker.and_then(currency_code) {
                // "$189 MXN", "$250 pesos mexicanos": the written code wins over a bare `$`.
                if currency.is_none() || currency == Some("USD") {
                    currency = Some(code);
                }
            }
            if currency.is_none() && self.unit_after.is_match(&text.as_bytes()[whole_end.min(text.len())..]) {
                continue;
            }
            let rest = text[whole_end.min(text.len())..].trim_start().to_lowercase();
            if rest.starts_with("off") || rest.starts_with('%') || rest.starts_with("de desconto") {
                continue;
            }
            let clause = clause_before(text, start);
            let clause_lower = strip_marker(clause).to_lowercase();
            if self.excluded_before.is_match(clause_lower.as_bytes()) {
                continue;
            }
            let idr_suffix = matches!(suffix_word.as_deref(), Some("rb" | "ribu"));
            // A bare number is money only with a `k`/`rb` suffix or a strong price cue before it.
            let after_word: String = text[whole_end.min(text.len())..]
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphabetic())
                .collect::<String>()
                .to_lowercase();
            if suffix_word.is_some() && NOT_MONEY_AFTER_K.contains(&after_word.as_str()) {
                continue;
            }
            let cue = self.cue_before.is_match(clause_lower.as_bytes()) || suffix_word.is_some();
            cands.push(Candidate { start, amount, currency, suffixed: suffix_word.is_some(), cue, idr_suffix });
        }
        let dominant = cands.iter().find_map(|c| c.currency);
        // Bare amounts take the caption's currency; `79rb` with no marker anywhere is rupiah.
        let fallback = dominant.or_else(|| cands.iter().any(|c| c.idr_suffix).then_some("IDR"));
        let mut out: Vec<Price> = Vec::new();
        cands.sort_by_key(|c| c.start);
        for c in cands {
            let currency = match c.currency {
                Some(cur) => cur,
                None => {
                    let bare_ok = (c.cue || c.suffixed) && !looks_like_year_or_date(&c.amount);
                    match fallback {
                        Some(f) if bare_ok => f,
                        _ => continue,
                    }
                }
            };
            if c.amount <= Decimal::ZERO {
                continue;
            }
            let price = Price { amount: c.amount.normalize().to_string(), currency: currency.to_owned() };
            if !out.contains(&price) {
                out.push(price);
            }
        }
        out
    }
}

impl Default for PriceParser {
    fn default() -> Self {
        Self::new()
    }
}

/// A number glued to letters or to another number on its left is a model name or part of a code.
fn left_glued(text: &str, start: usize) -> bool {
    let mut prev = text[..start].chars().rev();
    match prev.next() {
        Some(c) if c.is_ascii_digit() => true,
        Some('.' | ',') => prev.next().is_some_and(|c| c.is_ascii_digit()),
        Some(c) if c.is_alphabetic() => {
            // Markers glued to the amount are fine: `Rp89K`, `N5,000`, `R1,450`, `RM25`, `KSh500`.
            let word: String = text[..start].chars().rev().take_while(|c| c.is_alphabetic()).collect();
            let word: String = word.chars().rev().collect();
            !matches!(word.as_str(), "Rp" | "N" | "R" | "RM" | "Rs" | "KSh" | "Ksh" | "Kes" | "Php" | "TSh" | "Tsh")
        }
        _ => false,
    }
}

fn char_safe_tail(text: &str, end: usize, max_chars: usize) -> Option<&str> {
    let start = text[..end].char_indices().rev().nth(max_chars.saturating_sub(1)).map_or(0, |(i, _)| i);
    text.get(start..end)
}

fn char_safe_head(text: &str, start: usize, max_chars: usize) -> &str {
    let rest = &text[start..];
    let end = rest.char_indices().nth(max_chars).map_or(rest.len(), |(i, _)| i);
    &rest[..end]
}

/// The text of the current clause before `start` (back to a line break, bullet or sentence end).
fn clause_before(text: &str, start: usize) -> &str {
    let head = &text[..start];
    let cut = head
        .char_indices()
        .rev()
        .find(|(i, c)| {
            matches!(c, '\n' | '|' | '•' | ';' | '!' | '?' | '–' | '—' | ',')
                || (*c == '.' && !head[..*i].ends_with(|p: char| p.is_ascii_digit()))
        })
        .map_or(0, |(i, c)| i + c.len_utf8());
    let clause = &head[cut..];
    let tail_start = clause.char_indices().rev().nth(40).map_or(0, |(i, _)| i);
    &clause[tail_start..]
}

/// Drops the currency marker at the end of a clause so cue words can be matched before it.
fn strip_marker(clause: &str) -> &str {
    clause
        .trim_end()
        .trim_end_matches(|c: char| !c.is_alphanumeric() && !c.is_whitespace() && c != ':' && c != '→' && c != '=')
        .trim_end_matches(|c: char| c.is_alphabetic() && c.is_uppercase())
        .trim_end_matches('$')
        .trim_end()
}

fn looks_like_year_or_date(amount: &Decimal) -> bool {
    let is_int = amount.fract().is_zero();
    (is_int && *amount >= Decimal::from(1900) && *amount <= Decimal::from(2100)) || {
        // 11.11, 12.12: promo dates written as numbers.
        let s = amount.to_string();
        s.split_once('.').is_some_and(|(a, b)| a == b)
    }
}

/// Reads `1.450.000`, `29,99`, `1,299.99`, `15 000`, `1.899`, `89,90`, `1.2`.
pub fn parse_amount(raw: &str) -> Option<Decimal> {
    let cleaned: String = raw.chars().map(|c| if c == '\u{00A0}' || c == '\u{202F}' { ' ' } else { c }).collect();
    let seps: Vec<(usize, char)> = cleaned.char_indices().filter(|(_, c)| matches!(c, '.' | ',' | ' ')).collect();
    let Some(&(last_i, last_c)) = seps.last() else { return Decimal::from_str(&cleaned).ok() };
    let digits_after = cleaned.len() - last_i - 1;
    let (int_part, frac_part) = if digits_after == 3 && last_c != ' ' && seps.len() == 1 {
        // One separator then three digits: thousands, as the guide reads it.
        (cleaned.clone(), String::new())
    } else if digits_after == 3 || last_c == ' ' {
        (cleaned.clone(), String::new())
    } else {
        (cleaned[..last_i].to_owned(), cleaned[last_i + 1..].to_owned())
    };
    let int_digits: String = int_part.chars().filter(char::is_ascii_digit).collect();
    let s = if frac_part.is_empty() { int_digits } else { format!("{int_digits}.{frac_part}") };
    Decimal::from_str(&s).ok()
}

#[cfg(test)]
#[path = "prices_tests.rs"]
mod tests;
