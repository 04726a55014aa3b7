//! The Meta catalog feed of a storefront (`/feeds/{handle}/meta.csv`, `/feeds/{handle}/meta.xml`):
//! its published products with Meta's required fields, so a seller can connect the catalog that
//! WhatsApp's product messages show. `id` is the product's code, which WhatsApp calls
//! `product_retailer_id`. A product with a compare-at price is listed at that price with its
//! price as `sale_price`. A product without an image is left out (Meta refuses items without
//! `image_link`).

use super::PageCtx;
use super::html::clean;
use crate::error::{ApiError, ApiResult};
use crate::products::ProductView;
use crate::storefront::StorefrontView;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 9_999;

/// One feed item, as both formats write it.
pub struct Item {
    pub id: String,
    pub title: String,
    pub description: String,
    pub availability: &'static str,
    pub condition: &'static str,
    pub price: String,
    pub sale_price: Option<String>,
    pub link: String,
    pub image_link: String,
    pub additional_image_link: Vec<String>,
    pub brand: String,
    pub google_product_category: String,
}

fn cut(s: &str, max: usize) -> String {
    let s = clean(s);
    let s = s.trim();
    if s.chars().count() <= max { s.to_owned() } else { s.chars().take(max).collect::<String>().trim_end().to_owned() }
}

/// The item of a published product, or none when it cannot be listed (no price or no image).
pub fn item(ctx: &PageCtx, store: &StorefrontView, p: &ProductView) -> Option<Item> {
    let price = p.price.as_ref()?;
    let jpeg = |name: &str| {
        p.images
            .iter()
            .find(|i| i.name == name)
            .and_then(|i| i.formats.iter().find(|f| f.format == "jpeg"))
            .map(|f| ctx.absolute(&f.url))
    };
    let image_link = jpeg("share-1200x630").or_else(|| jpeg("square-320"))?;
    let money = |amount: &str, currency: &str| format!("{amount} {currency}");
    let (list, sale) = match &p.compare_at_price {
        Some(was) => (money(&was.amount, &was.currency), Some(money(&price.amount, &price.currency))),
        None => (money(&price.amount, &price.currency), None),
    };
    let description = if p.description.trim().is_empty() { &p.title } else { &p.description };
    Some(Item {
        id: p.code.clone(),
        title: cut(&p.title, MAX_TITLE),
        description: cut(description, MAX_DESCRIPTION),
        availability: match p.availability.as_str() {
            "out_of_stock" => "out of stock",
            "preorder" => "preorder",
            _ => "in stock",
        },
        condition: "new",
        price: list,
        sale_price: sale,
        link: ctx.absolute(&ctx.product_path(&store.handle, &p.slug)),
        additional_image_link: ["card-360x640", "square-320"].into_iter().filter_map(jpeg).collect(),
        image_link,
        brand: cut(&store.display_name, 100),
        google_product_category: p.category.clone(),
    })
}

const COLUMNS: [&str; 12] = [
    "id",
    "title",
    "description",
    "availability",
    "condition",
    "price",
    "sale_price",
    "link",
    "image_link",
    "additional_image_link",
    "brand",
    "google_product_category",
];

/// The CSV feed: a header row of Meta's column names, one row per item.
pub fn csv(items: &[Item]) -> ApiResult<String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let fail = |e: ::csv::Error| ApiError::internal(format!("feed CSV: {e}"));
    w.write_record(COLUMNS).map_err(fail)?;
    for i in items {
        let additional = i.additional_image_link.join(",");
        w.write_record([
            i.id.as_str(),
            &i.title,
            &i.description,
            i.availability,
            i.condition,
            &i.price,
            i.sale_price.as_deref().unwrap_or(""),
            &i.link,
            &i.image_link,
            &additional,
            &i.brand,
            &i.google_product_category,
        ])
        .map_err(fail)?;
    }
    let bytes = w.into_inner().map_err(|e| ApiError::internal(format!("feed CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ApiError::internal(e.to_string()))
}

/// The XML feed: RSS 2.0 with the `g:` namespace, one `<item>` per product.
pub fn xml(ctx: &PageCtx, store: &StorefrontView, items: &[Item]) -> ApiResult<String> {
    let fail = |e: std::io::Error| ApiError::internal(format!("feed XML: {e}"));
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))).map_err(fail)?;
    let home = ctx.absolute(&ctx.store_path(&store.handle));
    w.create_element("rss")
        .with_attribute(("version", "2.0"))
        .with_attribute(("xmlns:g", "http://base.google.com/ns/1.0"))
        .write_inner_content(|w| {
            w.create_element("channel").write_inner_content(|w| {
                w.create_element("title").write_text_content(BytesText::new(&clean(&store.display_name)))?;
                w.create_element("link").write_text_content(BytesText::new(&home))?;
                w.create_element("description").write_text_content(BytesText::new(&clean(&store.bio)))?;
                for i in items {
                    w.create_element("item").write_inner_content(|w| {
                        let mut field = |name: &str, value: &str| -> std::io::Result<()> {
                            w.create_element(name).write_text_content(BytesText::new(value)).map(|_| ())
                        };
                        field("g:id", &i.id)?;
                        field("g:title", &i.title)?;
                        field("g:description", &i.description)?;
                        field("g:availability", i.availability)?;
                        field("g:condition", i.condition)?;
                        field("g:price", &i.price)?;
                        if let Some(sale) = &i.sale_price {
                            field("g:sale_price", sale)?;
                        }
                        field("g:link", &i.link)?;
                        field("g:image_link", &i.image_link)?;
                        for extra in &i.additional_image_link {
                            field("g:additional_image_link", extra)?;
                        }
                        field("g:brand", &i.brand)?;
                        field("g:google_product_category", &i.google_product_category)?;
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
            Ok(())
        })
        .map_err(fail)?;
    String::from_utf8(w.into_inner()).map_err(|e| ApiError::internal(e.to_string()))
}
