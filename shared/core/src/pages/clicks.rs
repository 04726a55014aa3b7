//! Click-to-chat: `GET /go/{code}` records the click and answers 302 to
//! `https://wa.me/<digits>?text=<message>`, the message in the storefront's language with the
//! product's title, price and code (`[P7K2QX7]`, which the WhatsApp webhook looks for). The
//! target is built from the seller's stored number only: nothing in the request chooses it.
//! The click is recorded by [`crate::analytics`] (crawlers apart, as previews).

use super::html::clean;
use super::i18n;
use crate::products::ProductView;
use crate::storefront::StorefrontView;

/// The click-to-chat URL for a product: the seller's number, digits only, and the message.
pub fn whatsapp_url(store: &StorefrontView, product: &ProductView) -> Option<String> {
    let digits: String = store.whatsapp.as_deref()?.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 8 {
        return None;
    }
    let t = i18n::text(&store.language);
    let title: String = clean(&product.title).chars().take(80).collect();
    let price = product.price.as_ref().map(|p| i18n::price(&p.amount, &p.currency, &store.language));
    // One pass over the template: a title that holds `{code}` or `{price}` stays as written.
    // No price: the parenthesis that would hold it goes too.
    let (title, code) = (("{title}", title.trim()), ("{code}", product.code.as_str()));
    let message = match &price {
        Some(price) => fill(t.message, &[title, code, ("{price}", price)]),
        None => fill(t.message, &[title, code, (" ({price})", ""), ("({price})", "")]),
    };
    // Percent-encoded with %20 for spaces: wa.me shows a `+` as a plus.
    let text = serde_urlencoded::to_string([("text", message.as_str())]).ok()?.replace('+', "%20");
    Some(format!("https://wa.me/{digits}?{text}"))
}

/// `template` with each placeholder replaced by its value, in one left-to-right pass.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    'outer: while !rest.is_empty() {
        for (key, value) in values {
            if let Some(after) = rest.strip_prefix(key) {
                out.push_str(value);
                rest = after;
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn placeholders_are_filled_once_so_a_title_cannot_pull_in_another() {
        let out = fill(
            "{title} ({price}) [{code}]",
            &[("{title}", "Cap {code} {price}"), ("{code}", "P7K2QX7"), ("{price}", "$5")],
        );
        assert_eq!(out, "Cap {code} {price} ($5) [P7K2QX7]");
        assert_eq!(fill("a ({price}) b", &[(" ({price})", "")]), "a b");
    }
}
