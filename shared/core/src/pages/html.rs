//! The storefront's pages as compiled `maud` templates: every interpolation is escaped, seller
//! text is stripped of bidi controls and isolated (`dir="auto"`), the JSON-LD is escaped for a
//! `<script>` element, and the only URLs in `href`/`src` are the hub's own paths, TikTok's
//! canonical video URL and the click-to-chat redirect. Complete with no JavaScript.

use super::PageCtx;
use super::i18n::{Text, price};
use crate::catalog::ThumbnailView;
use crate::products::ProductView;
use crate::storefront::StorefrontView;
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// Seller text without bidi embedding, override and isolate controls: they could reorder the
/// page's own text around it (a price, the button).
pub fn clean(s: &str) -> String {
    s.chars()
        .filter(|&c| !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        // Control characters (XML 1.0 allows none but tab and newline) go too.
        .filter(|&c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect()
}

/// Longest description the head carries (meta, Open Graph, Twitter, JSON-LD): previews show
/// about 200 characters and each copy costs page bytes; the page body has it all.
const HEAD_DESCRIPTION_CHARS: usize = 300;

/// `s` cleaned and cut to [`HEAD_DESCRIPTION_CHARS`] at a word, with an ellipsis when cut.
pub fn summary(s: &str) -> String {
    let s = clean(s);
    let s = s.trim();
    if s.chars().count() <= HEAD_DESCRIPTION_CHARS {
        return s.to_owned();
    }
    let cut: String = s.chars().take(HEAD_DESCRIPTION_CHARS).collect();
    let at_word = cut.rfind(char::is_whitespace).filter(|&i| i > HEAD_DESCRIPTION_CHARS / 2).unwrap_or(cut.len());
    format!("{}…", cut[..at_word].trim_end())
}

/// JSON for a `<script>` element: `<`, `>` and `&` as escapes, so no seller text can close it.
pub fn script_json(v: &serde_json::Value) -> String {
    v.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

const CSS: &str = "*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;\
color:#1f2328;background:#fafafa}main,header,footer{max-width:960px;margin:0 auto;padding:16px}\
a{color:var(--a)}h1{font-size:1.5rem;margin:.25rem 0}h2{font-size:1.1rem;margin:.5rem 0}\
.top{display:flex;gap:12px;align-items:center}.top img{border-radius:50%}\
.bio{margin:.25rem 0 0;color:#424a53}.chips{display:flex;flex-wrap:wrap;gap:8px;padding:0;list-style:none}\
.chips a{display:inline-block;padding:10px 14px;border:1px solid #d0d7de;border-radius:999px;text-decoration:none;\
color:#1f2328;background:#fff}.chips a[aria-current]{background:var(--a);border-color:var(--a);color:#fff}\
form.s{display:flex;gap:8px}form.s input{flex:1;min-width:0;padding:12px;font:inherit;border:1px solid #8c959f;border-radius:8px}\
button,.btn{display:inline-block;padding:12px 18px;font:inherit;font-weight:600;border:0;border-radius:8px;\
background:var(--a);color:#fff;text-decoration:none;text-align:center;cursor:pointer}\
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px;padding:0;list-style:none}\
.card{background:#fff;border:1px solid #d0d7de;border-radius:10px;overflow:hidden}.card a{color:inherit;text-decoration:none;display:block}\
.card img,.hero{display:block;width:100%;height:auto;background:#eaeef2}.card div{padding:8px 10px}\
.card h2{font-size:.95rem;font-weight:600;margin:0 0 4px;overflow-wrap:anywhere}.price{font-weight:700}\
s{color:#57606a;font-weight:400;margin-inline-start:6px}.tag{display:inline-block;margin:0 6px 6px 0;padding:2px 8px;\
border-radius:6px;background:#eaeef2;font-size:.875rem}.order{display:block;margin:16px 0;font-size:1.1rem;background:#1a7f37}\
.note{padding:12px;border-radius:8px;background:#fff8c5;border:1px solid #d4a72c}.muted{color:#57606a}\
.copy input{width:100%;padding:10px;font:inherit;border:1px solid #8c959f;border-radius:8px}\
.qr{display:block;margin:8px 0;background:#fff}.pages{display:flex;gap:12px;margin:16px 0}";

/// The document every page shares: language and direction, viewport, title, the page's head
/// tags, the inline style with the accent colour.
fn document(t: &Text, accent: &str, title: &str, head: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(t.tag) dir=(if t.rtl { "rtl" } else { "ltr" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) }
                // No icon request (a 404 a browser would log on every page).
                link rel="icon" href="data:,";
                (head)
                style { (PreEscaped(format!(":root{{--a:{accent}}}{CSS}"))) }
            }
            body { (body) }
        }
    }
}

fn layout(ctx: &PageCtx, t: &Text, accent: &str, title: &str, description: &str, head: Markup, body: Markup) -> Markup {
    let head = html! { meta name="description" content=(description); (head) };
    let body = html! {
        @if ctx.in_app {
            div.note role="note" {
                p { (t.in_app) }
                p { a href=(ctx.open_in_browser()) { (t.open_browser) } }
            }
        }
        (body)
    };
    document(t, accent, title, head, body)
}

/// The product page's Open Graph, Twitter and JSON-LD head, early in the document.
fn product_head(
    ctx: &PageCtx,
    store: &StorefrontView,
    p: &ProductView,
    url: &str,
    share: Option<&ThumbnailView>,
) -> Markup {
    let title = clean(&p.title);
    let description = summary(if p.seo.description.is_empty() { &p.description } else { &p.seo.description });
    let image = share.map(|s| ctx.absolute(jpeg_url(s)));
    let availability = match p.availability.as_str() {
        "out_of_stock" => "https://schema.org/OutOfStock",
        "preorder" => "https://schema.org/PreOrder",
        _ => "https://schema.org/InStock",
    };
    let mut offer = serde_json::json!({"@type": "Offer", "availability": availability, "url": url});
    if let Some(pr) = &p.price {
        offer["price"] = pr.amount.clone().into();
        offer["priceCurrency"] = pr.currency.clone().into();
    }
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": title,
        "description": description,
        "sku": p.code,
        "brand": {"@type": "Brand", "name": clean(&store.display_name)},
        "offers": offer,
    });
    if let Some(image) = &image {
        ld["image"] = image.clone().into();
    }
    html! {
        link rel="canonical" href=(url);
        meta property="og:type" content="product";
        // The image first: what a preview crawler needs most, before any seller text.
        @if let (Some(image), Some(s)) = (&image, share) {
            meta property="og:image" content=(image);
            meta property="og:image:type" content="image/jpeg";
            meta property="og:image:width" content=(s.width);
            meta property="og:image:height" content=(s.height);
            meta property="og:image:alt" content=(title);
        }
        meta property="og:title" content=(title);
        meta property="og:description" content=(description);
        meta property="og:url" content=(url);
        meta property="og:site_name" content=(clean(&store.display_name));
        @if let Some(pr) = &p.price {
            meta property="product:price:amount" content=(pr.amount);
            meta property="product:price:currency" content=(pr.currency);
        }
        meta name="twitter:card" content=(if image.is_some() { "summary_large_image" } else { "summary" });
        meta name="twitter:title" content=(title);
        meta name="twitter:description" content=(description);
        @if let Some(image) = &image { meta name="twitter:image" content=(image); }
        script type="application/ld+json" { (PreEscaped(script_json(&ld))) }
    }
}

fn rendition<'a>(images: &'a [ThumbnailView], name: &str) -> Option<&'a ThumbnailView> {
    images.iter().find(|i| i.name == name)
}

/// A rendition's JPEG URL: what a crawler is given (the negotiated URL may answer WebP to a
/// cache that ignores `Vary`).
fn jpeg_url(image: &ThumbnailView) -> &str {
    image.formats.iter().find(|f| f.format == "jpeg").map_or(image.url.as_str(), |f| f.url.as_str())
}

fn price_line(t: &Text, store: &StorefrontView, p: &ProductView) -> Markup {
    html! {
        @if let Some(pr) = &p.price {
            span.price { (price(&pr.amount, &pr.currency, &store.language)) }
            @if let Some(was) = &p.compare_at_price {
                s aria-label=(format!("{} {}", t.was, price(&was.amount, &was.currency, &store.language))) {
                    (price(&was.amount, &was.currency, &store.language))
                }
            }
        }
        @match p.availability.as_str() {
            "out_of_stock" => { " · " span.muted { (t.out_of_stock) } }
            "preorder" => { " · " span.muted { (t.preorder) } }
            _ => {}
        }
    }
}

fn header(ctx: &PageCtx, store: &StorefrontView, heading: bool) -> Markup {
    let name = clean(&store.display_name);
    let home = ctx.store_path(&store.handle);
    html! {
        header.top {
            @if let Some(avatar) = rendition(&store.avatar, "square-150") {
                img src=(avatar.url) width="56" height="56" alt="";
            }
            div {
                @if heading { h1 dir="auto" { (name) } } @else { a href=(home) dir="auto" { strong { (name) } } }
                @if heading && !store.bio.is_empty() { p.bio dir="auto" { (clean(&store.bio)) } }
            }
        }
    }
}

/// What the seller's storefront page shows.
pub struct StoreData<'a> {
    pub store: &'a StorefrontView,
    pub products: &'a [ProductView],
    /// Categories of published products, with counts.
    pub categories: &'a [(String, i64)],
    pub q: &'a str,
    pub category: Option<&'a str>,
    /// The next page's path, when there is one.
    pub next: Option<String>,
    /// Whether this is a later page (a link back to the first).
    pub paged: bool,
}

pub fn store_page(ctx: &PageCtx, d: &StoreData<'_>) -> Markup {
    let t = super::i18n::text(&d.store.language);
    let store = d.store;
    let name = clean(&store.display_name);
    let home = ctx.store_path(&store.handle);
    let url = ctx.absolute(&home);
    let description = if store.bio.is_empty() { name.clone() } else { summary(&store.bio) };
    let head = html! {
        link rel="canonical" href=(url);
        meta property="og:type" content="website";
        meta property="og:title" content=(name);
        meta property="og:description" content=(description);
        meta property="og:url" content=(url);
        @if let Some(avatar) = rendition(&store.avatar, "square-320") {
            meta property="og:image" content=(ctx.absolute(jpeg_url(avatar)));
            meta property="og:image:width" content=(avatar.width);
            meta property="og:image:height" content=(avatar.height);
        }
        meta name="twitter:card" content="summary";
    };
    let body = html! {
        (header(ctx, store, true))
        main {
            form.s method="get" action=(home) role="search" {
                label for="q" class="muted" style="position:absolute;left:-9999px" { (t.search) }
                input id="q" type="search" name="q" value=(d.q) placeholder=(t.search) dir="auto";
                @if let Some(c) = d.category { input type="hidden" name="category" value=(c); }
                button type="submit" { (t.search) }
            }
            @if !d.categories.is_empty() {
                nav aria-label=(t.products) {
                    ul.chips {
                        li { a href=(home) aria-current=[d.category.is_none().then_some("page")] { (t.all) } }
                        @for (c, n) in d.categories {
                            li {
                                a href=(format!("{home}?category={}", urlencoding(c)))
                                  aria-current=[(d.category == Some(c.as_str())).then_some("page")] {
                                    (c) " (" (n) ")"
                                }
                            }
                        }
                    }
                }
            }
            @if d.products.is_empty() {
                p.muted { (if d.q.is_empty() && d.category.is_none() { t.empty } else { t.no_match }) }
            } @else {
                ul.grid {
                    @for p in d.products {
                        li.card {
                            a href=(ctx.product_path(&store.handle, &p.slug)) {
                                @if let Some(img) = rendition(&p.images, "square-320") {
                                    @let small = rendition(&p.images, "square-150");
                                    // The title is the link's text: the image adds nothing to read out.
                                    img src=(img.url) width="320" height="320" loading="lazy" decoding="async" alt=""
                                        srcset=[small.map(|s| format!("{} 150w, {} 320w", s.url, img.url))]
                                        sizes="(max-width: 400px) 50vw, 220px";
                                }
                                div {
                                    h2 dir="auto" { (clean(&p.title)) }
                                    (price_line(t, store, p))
                                }
                            }
                        }
                    }
                }
            }
            @if d.paged || d.next.is_some() {
                nav.pages aria-label=(t.products) {
                    @if d.paged { a href=(home) { (t.previous) } }
                    @if let Some(next) = &d.next { a href=(next) rel="next" { (t.next) } }
                }
            }
        }
    };
    layout(ctx, t, &store.accent_color, &name, &description, head, body)
}

pub fn product_page(ctx: &PageCtx, store: &StorefrontView, p: &ProductView) -> Markup {
    let t = super::i18n::text(&store.language);
    let path = ctx.product_path(&store.handle, &p.slug);
    let url = ctx.absolute(&path);
    let share = rendition(&p.images, "share-1200x630");
    let title = clean(&p.title);
    let page_title = format!("{title} · {}", clean(&store.display_name));
    let description = summary(if p.seo.description.is_empty() { &p.description } else { &p.seo.description });
    let head = product_head(ctx, store, p, &url, share);
    let body = html! {
        (header(ctx, store, false))
        main {
            @if let Some(img) = share {
                img.hero src=(img.url) width=(img.width) height=(img.height) alt=(title) fetchpriority="high";
            }
            h1 dir="auto" { (title) }
            p { (price_line(t, store, p)) }
            @if store.whatsapp.is_some() {
                a.btn.order href=(format!("/go/{}", p.code)) { (t.order) }
            }
            @if !p.description.is_empty() { p dir="auto" style="white-space:pre-line" { (clean(&p.description)) } }
            @if !p.tags.is_empty() {
                p { @for tag in &p.tags { span.tag dir="auto" { "#" (clean(tag)) } } }
            }
            @if let Some(video) = p.source.as_ref().and_then(|s| s.video_url.as_deref()).filter(|u| is_tiktok(u)) {
                p { a href=(video) rel="noopener" { (t.watch) } }
            }
            @if store.whatsapp.is_some() {
                h2 { (t.scan) }
                img.qr src=(format!("{path}/qr.svg")) width="200" height="200" loading="lazy" alt=(t.scan);
            }
            div.copy {
                label for="link" { (t.copy_link) }
                input id="link" type="url" readonly value=(url);
            }
        }
    };
    layout(ctx, t, &store.accent_color, &page_title, &description, head, body)
}

/// The HTML 404 (unknown handle, unpublished or archived product, unknown code) and other
/// error pages, in the storefront's language when it is known.
pub fn error_page(t: &Text, status: u16, heading: &str, message: &str) -> Markup {
    let head = html! { meta name="robots" content="noindex"; };
    document(t, "#0f766e", heading, head, html! { main { p.muted { (status) } h1 { (heading) } p { (message) } } })
}

/// Only TikTok's own video URLs are linked as the source (the job stored the canonical URL).
fn is_tiktok(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    host == "tiktok.com" || host.ends_with(".tiktok.com")
}

/// A query-string value.
pub fn urlencoding(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)]).map(|e| e[2..].to_owned()).unwrap_or_default()
}
