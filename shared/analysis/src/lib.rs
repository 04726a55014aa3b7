//! Caption analysis for social commerce, built for the edge: pure Rust, no I/O, compiled once
//! per isolate (multi-pattern automata and regexes over small lexicons shipped in `data/`).
//!
//! The fields follow the project's labelling guide (`shared/eval/LABELING.md`): `language`,
//! `prices`, `ctas`, `sentiment`, `category`, `hashtags`, `products`; extras (`mentions`,
//! `codes`, `phones`, `keywords`, `tags`, `seo`) help the product draft.
//!
//! The lexicons in `data/` were written for this project (MIT, like the code): function words per
//! language, currency markers, call-to-action phrases, sentiment cues and a product vocabulary
//! mapped to Google Product Taxonomy top-level categories.

mod category;
mod cta;
mod hashtags;
mod language;
mod prices;
mod products;
mod rx;
mod sentiment;
mod seo;
mod text;
pub mod trends;

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// Exact decimal, `.` as the point, no trailing zeros (`"89.9"`, `"1450000"`).
    pub amount: String,
    /// ISO 4217.
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seo {
    pub slug: String,
    /// At most 60 characters.
    pub title: String,
    /// At most 160 characters.
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analysis {
    pub language: String,
    pub prices: Vec<Price>,
    pub ctas: Vec<String>,
    pub sentiment: String,
    pub category: String,
    pub hashtags: Vec<String>,
    pub products: Vec<String>,
    pub mentions: Vec<String>,
    pub codes: Vec<String>,
    pub phones: Vec<String>,
    pub keywords: Vec<String>,
    pub tags: Vec<String>,
    pub seo: Seo,
}

/// Everything compiled once: regexes, automata, lexicons.
pub struct Analyzer {
    prices: prices::PriceParser,
    cta: cta::CtaMatcher,
    language: language::LanguageModel,
    sentiment: sentiment::SentimentModel,
    catalog: category::Catalog,
}

impl Analyzer {
    pub fn new() -> Self {
        Self {
            prices: prices::PriceParser::new(),
            cta: cta::CtaMatcher::new(),
            language: language::LanguageModel::new(),
            sentiment: sentiment::SentimentModel::new(),
            catalog: category::Catalog::new(),
        }
    }

    /// The process-wide analyzer, built on first use.
    pub fn shared() -> &'static Analyzer {
        static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
        ANALYZER.get_or_init(Analyzer::new)
    }

    pub fn analyze(&self, caption: &str) -> Analysis {
        let doc = text::Doc::new(caption);
        let hashtags = hashtags::hashtags(&doc.nfc);
        let mentions = hashtags::mentions(&doc.nfc);
        let language = self.language.detect(&doc);
        let prices = self.prices.extract(&doc);
        let cta = self.cta.detect(&doc);
        let sentiment = self.sentiment.classify(&doc);
        let hits = self.catalog.find(&doc);
        let category = self.catalog.category(&hits, &doc, &hashtags);
        let terms = |i: usize| (self.catalog.terms[i].hint, self.catalog.terms[i].text.contains(' '));
        let products = products::products(&doc, &hits, &language, &terms);
        let keywords = seo::keywords(&doc, &products, &language);
        let tags = seo::tags(&hashtags, &keywords);
        let seo = seo::seo(&products, &prices, category, &doc);
        Analysis {
            language,
            prices,
            ctas: cta.labels,
            sentiment: sentiment.to_owned(),
            category: category.to_owned(),
            hashtags,
            products,
            mentions,
            codes: cta.codes,
            phones: cta.phones,
            keywords,
            tags,
            seo,
        }
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

/// The selling price: the first one, unless a lower price of the same currency follows it
/// ("was $40 now $25", "$45 → $32").
pub fn selling_price(prices: &[Price]) -> Option<&Price> {
    let first = prices.first()?;
    let value = |p: &Price| p.amount.parse::<rust_decimal::Decimal>().ok();
    match prices.get(1) {
        Some(second) if second.currency == first.currency && value(second) < value(first) => Some(second),
        _ => Some(first),
    }
}

/// The usual symbol of a currency, and whether a space separates it from the amount; the ISO
/// code itself (spaced) for currencies without a well-known symbol.
pub fn currency_symbol(currency: &str) -> (&str, bool) {
    match currency {
        "USD" | "MXN" | "COP" | "CLP" | "ARS" => ("$", false),
        "AUD" => ("A$", false),
        "CAD" => ("C$", false),
        "SGD" => ("S$", false),
        "NZD" => ("NZ$", false),
        "HKD" => ("HK$", false),
        "BRL" => ("R$", false),
        "EUR" => ("€", false),
        "GBP" => ("£", false),
        "NGN" => ("₦", false),
        "INR" => ("₹", false),
        "PHP" => ("₱", false),
        "TRY" => ("₺", false),
        "GHS" => ("GH₵", false),
        "ZAR" => ("R", false),
        "IDR" => ("Rp", true),
        "MYR" => ("RM", true),
        "KES" => ("KSh", true),
        "TZS" => ("TSh", true),
        "PEN" => ("S/", false),
        other => (other, true),
    }
}

/// A price as a badge prints it: the currency's usual symbol (or code) and the amount with
/// thousands grouped, e.g. `₦15,000`, `$24.99`, `KSh 2,499`, `R$89.90`.
pub fn display_price(amount: &str, currency: &str) -> String {
    let (int, frac) = amount.split_once('.').unwrap_or((amount, ""));
    let digits: Vec<char> = int.chars().collect();
    let mut grouped = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) && c.is_ascii_digit() {
            grouped.push(',');
        }
        grouped.push(*c);
    }
    let number = if frac.is_empty() { grouped } else { format!("{grouped}.{frac}") };
    let (symbol, spaced) = currency_symbol(currency);
    if spaced { format!("{symbol} {number}") } else { format!("{symbol}{number}") }
}

/// Analyses with the shared analyzer.
pub fn analyze(caption: &str) -> Analysis {
    Analyzer::shared().analyze(caption)
}
