//! What a seller may send for a product, validated field by field: every invalid field is
//! reported with its JSON path (`price.amount`, `tags[3]`) in one 422, and nothing is written.

use crate::error::{ApiError, FieldError};
use serde_json::{Map, Value};

pub const STATUSES: [&str; 3] = ["draft", "published", "archived"];
pub const AVAILABILITIES: [&str; 3] = ["in_stock", "out_of_stock", "preorder"];

/// Google's product taxonomy, top level (what the tagger assigns), plus the uncategorised.
pub const CATEGORIES: [&str; 22] = [
    "Animals & Pet Supplies",
    "Apparel & Accessories",
    "Arts & Entertainment",
    "Baby & Toddler",
    "Business & Industrial",
    "Cameras & Optics",
    "Electronics",
    "Food, Beverages & Tobacco",
    "Furniture",
    "Hardware",
    "Health & Beauty",
    "Home & Garden",
    "Luggage & Bags",
    "Mature",
    "Media",
    "Office Supplies",
    "Religious & Ceremonial",
    "Software",
    "Sporting Goods",
    "Toys & Games",
    "Vehicles & Parts",
    crate::catalog::UNCATEGORIZED,
];

/// Active ISO 4217 codes.
const CURRENCIES: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP \
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ \
    GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD \
    MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR \
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH \
    UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";

pub fn is_currency(code: &str) -> bool {
    code.len() == 3 && CURRENCIES.split_ascii_whitespace().any(|c| c == code)
}

pub const MAX_TITLE: usize = 140;
pub const MAX_DESCRIPTION: usize = 5000;
pub const MAX_TAGS: usize = 30;
pub const MAX_TAG: usize = 40;
pub const MAX_SEO_TITLE: usize = 70;
pub const MAX_SEO_DESCRIPTION: usize = 160;
pub const MAX_SLUG: usize = 80;

/// An exact decimal amount with at most 4 places, as text and as units of 10^-4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    pub text: String,
    pub e4: i64,
}

impl Amount {
    /// `"12"`, `"12.5"`, `"0.0001"`; at most 11 integer digits (so units of 10^-4 stay exact as
    /// JavaScript numbers, which D1's rows pass through). Trailing zeros are dropped.
    pub fn parse(s: &str) -> Option<Amount> {
        let s = s.trim();
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || int.len() > 11 || frac.len() > 4 || !digits(int) || !digits(frac) || s.ends_with('.') {
            return None;
        }
        let int_value: i64 = int.parse().ok()?;
        let frac_value: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<4}").parse().ok()? };
        let e4 = int_value.checked_mul(10_000)?.checked_add(frac_value)?;
        let frac = frac.trim_end_matches('0');
        let int = int.trim_start_matches('0');
        let int = if int.is_empty() { "0" } else { int };
        let text = if frac.is_empty() { int.to_owned() } else { format!("{int}.{frac}") };
        Some(Amount { text, e4 })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub amount: Amount,
    pub currency: String,
}

/// A product write: each field absent (keep), or set; the `Option<Option<_>>` fields may also
/// be cleared with `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub price: Option<Option<Money>>,
    pub compare_at_price: Option<Option<Money>>,
    pub status: Option<String>,
    pub availability: Option<String>,
    pub category: Option<String>,
    pub category_path: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub slug: Option<String>,
}

struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    fn fail(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError { path: path.into(), message: message.into() });
    }

    fn text(&mut self, path: &str, v: &Value, min: usize, max: usize) -> Option<String> {
        let Some(s) = v.as_str() else {
            self.fail(path, "must be a string");
            return None;
        };
        let s = s.trim();
        let n = s.chars().count();
        if n < min || n > max {
            self.fail(
                path,
                if min > 0 {
                    format!("must be {min} to {max} characters")
                } else {
                    format!("must be at most {max} characters")
                },
            );
            return None;
        }
        if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            self.fail(path, "must not contain control characters");
            return None;
        }
        Some(s.to_owned())
    }

    fn one_of(&mut self, path: &str, v: &Value, allowed: &[&str]) -> Option<String> {
        match v.as_str() {
            Some(s) if allowed.contains(&s) => Some(s.to_owned()),
            _ => {
                self.fail(path, format!("must be one of {}", allowed.join(", ")));
                None
            }
        }
    }

    fn money(&mut self, path: &str, v: &Value) -> Option<Option<Money>> {
        if v.is_null() {
            return Some(None);
        }
        let Some(obj) = v.as_object() else {
            self.fail(path, "must be an object {amount, currency} or null");
            return None;
        };
        let amount = match obj.get("amount") {
            Some(Value::String(s)) => Amount::parse(s),
            Some(Value::Number(n)) => Amount::parse(&n.to_string()),
            _ => None,
        };
        let ok_before = self.errors.len();
        if amount.is_none() {
            self.fail(format!("{path}.amount"), "must be a decimal of at most 4 places, as a string (\"12.50\")");
        }
        let currency = obj.get("currency").and_then(Value::as_str).map(str::to_ascii_uppercase);
        if !currency.as_deref().is_some_and(is_currency) {
            self.fail(format!("{path}.currency"), "must be an ISO 4217 code (NGN, BRL, USD, ...)");
        }
        for k in obj.keys().filter(|k| *k != "amount" && *k != "currency") {
            self.fail(format!("{path}.{k}"), "unknown field");
        }
        if self.errors.len() > ok_before {
            return None;
        }
        Some(amount.zip(currency).map(|(amount, currency)| Money { amount, currency }))
    }
}

/// Parses a create or patch body. `require_title` for creation by hand.
pub fn parse(body: &[u8], require_title: bool) -> Result<ProductInput, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not JSON: {e}")))?;
    let Value::Object(obj) = value else {
        return Err(ApiError::bad_request("invalid_json", "the body must be a JSON object"));
    };
    from_object(&obj, require_title)
}

pub fn from_object(obj: &Map<String, Value>, require_title: bool) -> Result<ProductInput, ApiError> {
    let mut c = Check { errors: Vec::new() };
    let mut input = ProductInput::default();
    for (key, v) in obj {
        match key.as_str() {
            "title" => input.title = c.text("title", v, 1, MAX_TITLE),
            "description" => input.description = c.text("description", v, 0, MAX_DESCRIPTION),
            "price" => input.price = c.money("price", v),
            "compare_at_price" => input.compare_at_price = c.money("compare_at_price", v),
            "status" => input.status = c.one_of("status", v, &STATUSES),
            "availability" => input.availability = c.one_of("availability", v, &AVAILABILITIES),
            "category" => input.category = c.one_of("category", v, &CATEGORIES),
            "category_path" => {
                input.category_path =
                    if v.is_null() { Some(None) } else { c.text("category_path", v, 1, 300).map(Some) }
            }
            "tags" => input.tags = tags(&mut c, v),
            "seo" => match v.as_object() {
                Some(seo) => {
                    for (k, v) in seo {
                        match k.as_str() {
                            "title" => input.seo_title = c.text("seo.title", v, 0, MAX_SEO_TITLE),
                            "description" => {
                                input.seo_description = c.text("seo.description", v, 0, MAX_SEO_DESCRIPTION)
                            }
                            _ => c.fail(format!("seo.{k}"), "unknown field"),
                        }
                    }
                }
                None => c.fail("seo", "must be an object {title, description}"),
            },
            "slug" => match v.as_str() {
                Some(s) if is_slug(s) => input.slug = Some(s.to_owned()),
                _ => c.fail("slug", format!("must be 1 to {MAX_SLUG} of a-z, 0-9 and single '-' between them")),
            },
            other => c.fail(other, "unknown field"),
        }
    }
    if require_title && !obj.contains_key("title") {
        c.fail("title", "is required");
    }
    if let (Some(Some(price)), Some(Some(was))) = (&input.price, &input.compare_at_price) {
        if price.currency != was.currency {
            c.fail("compare_at_price.currency", "must be the price's currency");
        } else if was.amount.e4 <= price.amount.e4 {
            c.fail("compare_at_price.amount", "must be more than the price");
        }
    }
    if c.errors.is_empty() { Ok(input) } else { Err(ApiError::invalid_fields(c.errors)) }
}

fn tags(c: &mut Check, v: &Value) -> Option<Vec<String>> {
    let Some(items) = v.as_array() else {
        c.fail("tags", "must be an array of strings");
        return None;
    };
    if items.len() > MAX_TAGS {
        c.fail("tags", format!("at most {MAX_TAGS} tags"));
        return None;
    }
    let before = c.errors.len();
    let mut out: Vec<String> = Vec::new();
    for (i, t) in items.iter().enumerate() {
        if let Some(t) = c.text(&format!("tags[{i}]"), t, 1, MAX_TAG) {
            let t = t.to_lowercase();
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    (c.errors.len() == before).then_some(out)
}

pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SLUG
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn paths(body: Value) -> Vec<String> {
        let e = parse(body.to_string().as_bytes(), false).err().unwrap();
        assert_eq!((e.status.as_u16(), e.code), (422, "invalid_fields"));
        e.fields.into_iter().map(|f| f.path).collect()
    }

    #[test]
    fn amounts_are_exact_with_at_most_four_places() {
        assert_eq!(Amount::parse("12.50").unwrap(), Amount { text: "12.5".into(), e4: 125_000 });
        assert_eq!(Amount::parse("0007").unwrap().text, "7");
        assert_eq!(Amount::parse("1450000").unwrap().e4, 14_500_000_000);
        assert_eq!(Amount::parse("0.0001").unwrap().e4, 1);
        for bad in ["", "-1", "1.", ".5", "1.23456", "1e3", "12,50", "999999999999"] {
            assert!(Amount::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn every_invalid_field_is_reported_by_its_json_path() {
        let got = paths(json!({
            "title": "",
            "price": {"amount": "12.345678", "currency": "XXX"},
            "tags": ["ok", "fine", "", 7],
            "seo": {"title": "x".repeat(71), "colour": "red"},
            "availability": "soon",
            "shipping": true,
        }));
        for want in [
            "title",
            "price.amount",
            "price.currency",
            "tags[2]",
            "tags[3]",
            "seo.title",
            "seo.colour",
            "availability",
            "shipping",
        ] {
            assert!(got.contains(&want.to_owned()), "{want} missing from {got:?}");
        }
    }

    #[test]
    fn compare_at_price_is_higher_and_in_the_same_currency() {
        let p = |was: Value| paths(json!({"price": {"amount": "10", "currency": "BRL"}, "compare_at_price": was}));
        assert_eq!(p(json!({"amount": "9", "currency": "BRL"})), vec!["compare_at_price.amount"]);
        assert_eq!(p(json!({"amount": "19", "currency": "USD"})), vec!["compare_at_price.currency"]);
        let ok = parse(
            br#"{"price":{"amount":10,"currency":"brl"},"compare_at_price":{"amount":"12","currency":"BRL"}}"#,
            false,
        )
        .unwrap();
        assert_eq!(ok.price.unwrap().unwrap().currency, "BRL");
    }

    #[test]
    fn nulls_clear_and_absent_fields_keep() {
        let i = parse(br#"{"price": null, "tags": ["Serum", "serum", "Glow"]}"#, false).unwrap();
        assert_eq!(i.price, Some(None));
        assert_eq!(i.tags.unwrap(), vec!["serum", "glow"]);
        assert!(i.title.is_none() && i.compare_at_price.is_none());
        assert_eq!(parse(b"{}", true).err().unwrap().fields[0].path, "title");
    }
}
