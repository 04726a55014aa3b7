//! The storefront's interface text in each of its languages (`storefront::LANGUAGES`), the text
//! direction, and prices written the way that language writes numbers.

use linkhub_analysis::currency_symbol;

/// The words a storefront page prints.
pub struct Text {
    /// BCP 47 tag for `<html lang>`.
    pub tag: &'static str,
    pub rtl: bool,
    pub order: &'static str,
    pub watch: &'static str,
    pub search: &'static str,
    pub all: &'static str,
    pub next: &'static str,
    pub previous: &'static str,
    pub copy_link: &'static str,
    pub open_browser: &'static str,
    pub in_app: &'static str,
    pub empty: &'static str,
    pub no_match: &'static str,
    pub not_found: &'static str,
    pub not_found_body: &'static str,
    pub scan: &'static str,
    pub out_of_stock: &'static str,
    pub preorder: &'static str,
    /// The click-to-chat message; `{title}`, `{price}` and `{code}` are filled in.
    pub message: &'static str,
    pub products: &'static str,
    pub was: &'static str,
}

const EN: Text = Text {
    tag: "en",
    rtl: false,
    order: "Order on WhatsApp",
    watch: "Watch on TikTok",
    search: "Search products",
    all: "All",
    next: "Next page",
    previous: "First page",
    copy_link: "Copy link",
    open_browser: "Open in your browser",
    in_app: "You are in TikTok's browser. Open this page in your browser, or copy the link.",
    empty: "No products yet.",
    no_match: "Nothing matches your search.",
    not_found: "Page not found",
    not_found_body: "This page does not exist or is no longer available.",
    scan: "Scan to order on WhatsApp",
    out_of_stock: "Out of stock",
    preorder: "Pre-order",
    message: "Hi! I'd like to order {title} ({price}) [{code}]",
    products: "Products",
    was: "Was",
};

const ES: Text = Text {
    tag: "es",
    rtl: false,
    order: "Pedir por WhatsApp",
    watch: "Ver en TikTok",
    search: "Buscar productos",
    all: "Todo",
    next: "Página siguiente",
    previous: "Primera página",
    copy_link: "Copiar enlace",
    open_browser: "Abrir en tu navegador",
    in_app: "Estás en el navegador de TikTok. Abre esta página en tu navegador o copia el enlace.",
    empty: "Aún no hay productos.",
    no_match: "Nada coincide con tu búsqueda.",
    not_found: "Página no encontrada",
    not_found_body: "Esta página no existe o ya no está disponible.",
    scan: "Escanea para pedir por WhatsApp",
    out_of_stock: "Agotado",
    preorder: "Preventa",
    message: "¡Hola! Quiero pedir {title} ({price}) [{code}]",
    products: "Productos",
    was: "Antes",
};

const PT: Text = Text {
    tag: "pt",
    rtl: false,
    order: "Pedir pelo WhatsApp",
    watch: "Ver no TikTok",
    search: "Buscar produtos",
    all: "Tudo",
    next: "Próxima página",
    previous: "Primeira página",
    copy_link: "Copiar link",
    open_browser: "Abrir no navegador",
    in_app: "Você está no navegador do TikTok. Abra esta página no seu navegador ou copie o link.",
    empty: "Ainda não há produtos.",
    no_match: "Nada corresponde à sua busca.",
    not_found: "Página não encontrada",
    not_found_body: "Esta página não existe ou não está mais disponível.",
    scan: "Escaneie para pedir pelo WhatsApp",
    out_of_stock: "Esgotado",
    preorder: "Pré-venda",
    message: "Olá! Quero pedir {title} ({price}) [{code}]",
    products: "Produtos",
    was: "De",
};

const FR: Text = Text {
    tag: "fr",
    rtl: false,
    order: "Commander sur WhatsApp",
    watch: "Voir sur TikTok",
    search: "Rechercher des produits",
    all: "Tout",
    next: "Page suivante",
    previous: "Première page",
    copy_link: "Copier le lien",
    open_browser: "Ouvrir dans votre navigateur",
    in_app: "Vous êtes dans le navigateur de TikTok. Ouvrez cette page dans votre navigateur ou copiez le lien.",
    empty: "Aucun produit pour le moment.",
    no_match: "Aucun résultat pour votre recherche.",
    not_found: "Page introuvable",
    not_found_body: "Cette page n'existe pas ou n'est plus disponible.",
    scan: "Scannez pour commander sur WhatsApp",
    out_of_stock: "Épuisé",
    preorder: "Précommande",
    message: "Bonjour ! Je voudrais commander {title} ({price}) [{code}]",
    products: "Produits",
    was: "Avant",
};

const ID: Text = Text {
    tag: "id",
    rtl: false,
    order: "Pesan lewat WhatsApp",
    watch: "Tonton di TikTok",
    search: "Cari produk",
    all: "Semua",
    next: "Halaman berikutnya",
    previous: "Halaman pertama",
    copy_link: "Salin tautan",
    open_browser: "Buka di browser",
    in_app: "Anda berada di browser TikTok. Buka halaman ini di browser Anda, atau salin tautannya.",
    empty: "Belum ada produk.",
    no_match: "Tidak ada yang cocok dengan pencarian Anda.",
    not_found: "Halaman tidak ditemukan",
    not_found_body: "Halaman ini tidak ada atau sudah tidak tersedia.",
    scan: "Pindai untuk memesan lewat WhatsApp",
    out_of_stock: "Stok habis",
    preorder: "Pre-order",
    message: "Halo! Saya mau pesan {title} ({price}) [{code}]",
    products: "Produk",
    was: "Sebelumnya",
};

const MS: Text = Text {
    tag: "ms",
    rtl: false,
    order: "Pesan melalui WhatsApp",
    watch: "Tonton di TikTok",
    search: "Cari produk",
    all: "Semua",
    next: "Halaman seterusnya",
    previous: "Halaman pertama",
    copy_link: "Salin pautan",
    open_browser: "Buka dalam pelayar",
    in_app: "Anda berada dalam pelayar TikTok. Buka halaman ini dalam pelayar anda, atau salin pautan.",
    empty: "Belum ada produk.",
    no_match: "Tiada yang sepadan dengan carian anda.",
    not_found: "Halaman tidak dijumpai",
    not_found_body: "Halaman ini tidak wujud atau tidak lagi tersedia.",
    scan: "Imbas untuk memesan melalui WhatsApp",
    out_of_stock: "Kehabisan stok",
    preorder: "Pra-tempahan",
    message: "Hai! Saya ingin memesan {title} ({price}) [{code}]",
    products: "Produk",
    was: "Asal",
};

const SW: Text = Text {
    tag: "sw",
    rtl: false,
    order: "Agiza kwa WhatsApp",
    watch: "Tazama kwenye TikTok",
    search: "Tafuta bidhaa",
    all: "Zote",
    next: "Ukurasa unaofuata",
    previous: "Ukurasa wa kwanza",
    copy_link: "Nakili kiungo",
    open_browser: "Fungua kwenye kivinjari",
    in_app: "Uko kwenye kivinjari cha TikTok. Fungua ukurasa huu kwenye kivinjari chako, au nakili kiungo.",
    empty: "Bado hakuna bidhaa.",
    no_match: "Hakuna kinacholingana na utafutaji wako.",
    not_found: "Ukurasa haupatikani",
    not_found_body: "Ukurasa huu haupo au haupatikani tena.",
    scan: "Changanua ili kuagiza kwa WhatsApp",
    out_of_stock: "Imeisha",
    preorder: "Agiza mapema",
    message: "Habari! Ningependa kuagiza {title} ({price}) [{code}]",
    products: "Bidhaa",
    was: "Awali",
};

const HI: Text = Text {
    tag: "hi",
    rtl: false,
    order: "WhatsApp पर ऑर्डर करें",
    watch: "TikTok पर देखें",
    search: "उत्पाद खोजें",
    all: "सभी",
    next: "अगला पेज",
    previous: "पहला पेज",
    copy_link: "लिंक कॉपी करें",
    open_browser: "अपने ब्राउज़र में खोलें",
    in_app: "आप TikTok के ब्राउज़र में हैं। यह पेज अपने ब्राउज़र में खोलें, या लिंक कॉपी करें।",
    empty: "अभी कोई उत्पाद नहीं है।",
    no_match: "आपकी खोज से कुछ नहीं मिला।",
    not_found: "पेज नहीं मिला",
    not_found_body: "यह पेज मौजूद नहीं है या अब उपलब्ध नहीं है।",
    scan: "WhatsApp पर ऑर्डर करने के लिए स्कैन करें",
    out_of_stock: "स्टॉक में नहीं",
    preorder: "प्री-ऑर्डर",
    message: "नमस्ते! मैं {title} ({price}) ऑर्डर करना चाहता/चाहती हूँ [{code}]",
    products: "उत्पाद",
    was: "पहले",
};

const AR: Text = Text {
    tag: "ar",
    rtl: true,
    order: "اطلب عبر واتساب",
    watch: "شاهد على تيك توك",
    search: "ابحث عن المنتجات",
    all: "الكل",
    next: "الصفحة التالية",
    previous: "الصفحة الأولى",
    copy_link: "نسخ الرابط",
    open_browser: "افتح في المتصفح",
    in_app: "أنت في متصفح تيك توك. افتح هذه الصفحة في متصفحك أو انسخ الرابط.",
    empty: "لا توجد منتجات بعد.",
    no_match: "لا شيء يطابق بحثك.",
    not_found: "الصفحة غير موجودة",
    not_found_body: "هذه الصفحة غير موجودة أو لم تعد متاحة.",
    scan: "امسح الرمز للطلب عبر واتساب",
    out_of_stock: "نفد المخزون",
    preorder: "طلب مسبق",
    message: "مرحبًا! أود طلب {title} ({price}) [{code}]",
    products: "المنتجات",
    was: "كان",
};

const TR: Text = Text {
    tag: "tr",
    rtl: false,
    order: "WhatsApp ile sipariş ver",
    watch: "TikTok'ta izle",
    search: "Ürün ara",
    all: "Tümü",
    next: "Sonraki sayfa",
    previous: "İlk sayfa",
    copy_link: "Bağlantıyı kopyala",
    open_browser: "Tarayıcında aç",
    in_app: "TikTok'un tarayıcısındasın. Bu sayfayı kendi tarayıcında aç ya da bağlantıyı kopyala.",
    empty: "Henüz ürün yok.",
    no_match: "Aramanla eşleşen bir şey yok.",
    not_found: "Sayfa bulunamadı",
    not_found_body: "Bu sayfa yok ya da artık mevcut değil.",
    scan: "WhatsApp ile sipariş için tara",
    out_of_stock: "Tükendi",
    preorder: "Ön sipariş",
    message: "Merhaba! {title} ({price}) sipariş etmek istiyorum [{code}]",
    products: "Ürünler",
    was: "Önceki fiyat",
};

const DE: Text = Text {
    tag: "de",
    rtl: false,
    order: "Über WhatsApp bestellen",
    watch: "Auf TikTok ansehen",
    search: "Produkte suchen",
    all: "Alle",
    next: "Nächste Seite",
    previous: "Erste Seite",
    copy_link: "Link kopieren",
    open_browser: "Im Browser öffnen",
    in_app: "Du bist im Browser von TikTok. Öffne diese Seite in deinem Browser oder kopiere den Link.",
    empty: "Noch keine Produkte.",
    no_match: "Nichts passt zu deiner Suche.",
    not_found: "Seite nicht gefunden",
    not_found_body: "Diese Seite gibt es nicht oder nicht mehr.",
    scan: "Scannen, um über WhatsApp zu bestellen",
    out_of_stock: "Ausverkauft",
    preorder: "Vorbestellung",
    message: "Hallo! Ich möchte {title} ({price}) bestellen [{code}]",
    products: "Produkte",
    was: "Statt",
};

const IT: Text = Text {
    tag: "it",
    rtl: false,
    order: "Ordina su WhatsApp",
    watch: "Guarda su TikTok",
    search: "Cerca prodotti",
    all: "Tutto",
    next: "Pagina successiva",
    previous: "Prima pagina",
    copy_link: "Copia link",
    open_browser: "Apri nel browser",
    in_app: "Sei nel browser di TikTok. Apri questa pagina nel tuo browser o copia il link.",
    empty: "Ancora nessun prodotto.",
    no_match: "Nessun risultato per la tua ricerca.",
    not_found: "Pagina non trovata",
    not_found_body: "Questa pagina non esiste o non è più disponibile.",
    scan: "Scansiona per ordinare su WhatsApp",
    out_of_stock: "Esaurito",
    preorder: "Preordine",
    message: "Ciao! Vorrei ordinare {title} ({price}) [{code}]",
    products: "Prodotti",
    was: "Prima",
};

/// The text of a storefront language; English for anything else.
pub fn text(language: &str) -> &'static Text {
    match language {
        "es" => &ES,
        "pt" => &PT,
        "fr" => &FR,
        "id" => &ID,
        "ms" => &MS,
        "sw" => &SW,
        "hi" => &HI,
        "ar" => &AR,
        "tr" => &TR,
        "de" => &DE,
        "it" => &IT,
        _ => &EN,
    }
}

/// How a language writes numbers: the decimal mark, the grouping mark, Indian grouping (lakh,
/// crore), and where the currency symbol goes.
struct Numbers {
    decimal: char,
    group: char,
    indian: bool,
    symbol: Symbol,
}

#[derive(PartialEq)]
enum Symbol {
    /// `$24.99`, or `KSh 2,499` where the symbol itself asks for a space.
    Before,
    /// `R$ 89,90`: always a space.
    BeforeSpaced,
    /// `24,99 €`.
    After,
}

/// The storefront has a language, not a country: the currency tells which country's convention
/// a language with several follows (Spanish in Mexico or Colombia, Portuguese in Portugal).
fn numbers(language: &str, currency: &str) -> Numbers {
    use Symbol::{After, Before, BeforeSpaced};
    let n = |decimal, group, indian, symbol| Numbers { decimal, group, indian, symbol };
    match (language, currency) {
        // es-MX, es-US, es-PE and Central America: `$1,234.50`, `S/ 1,234.50`.
        ("es", "MXN" | "USD" | "GTQ" | "HNL" | "NIO" | "DOP" | "PAB") => n('.', ',', false, Before),
        ("es", "PEN") => n('.', ',', false, BeforeSpaced),
        // es-CO, es-AR, es-CL, es-UY, es-VE: `$ 1.234,50`.
        ("es", "COP" | "ARS" | "CLP" | "UYU" | "VES" | "BOB" | "PYG") => n(',', '.', false, BeforeSpaced),
        // es-CR: `CRC 1 234,50`.
        ("es", "CRC") => n(',', '\u{a0}', false, BeforeSpaced),
        // pt-PT: `24,99 €`, thousands grouped by a no-break space.
        ("pt", "EUR") => n(',', '\u{a0}', false, After),
        ("es" | "it" | "de", _) => n(',', '.', false, After),
        ("pt", _) => n(',', '.', false, BeforeSpaced),
        ("id" | "tr", _) => n(',', '.', false, Before),
        // A narrow no-break space groups thousands in French.
        ("fr", _) => n(',', '\u{202f}', false, After),
        ("hi", _) => n('.', ',', true, Before),
        _ => n('.', ',', false, Before),
    }
}

/// Digits a currency shows after the decimal mark (ISO 4217 minor units).
fn minor_units(currency: &str) -> usize {
    match currency {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "RWF" | "XOF" | "XAF" | "PYG" | "KMF" | "GNF" | "DJF" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
        _ => 2,
    }
}

/// An exact decimal price as the language writes it (and, where a language has several
/// conventions, the currency's country): `₦15,000`, `$24.99`, `24,99 €` (es), `$1,234.50` (es, MXN),
/// `R$ 89,90` (pt), `₹1,23,456.50` (hi). A whole amount shows no decimals; a fractional one
/// shows at least the currency's minor units (`5.5` USD is `$5.50`), never fewer than it has.
pub fn price(amount: &str, currency: &str, language: &str) -> String {
    let nf = numbers(language, currency);
    let (negative, amount) = match amount.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, amount),
    };
    let (int, frac) = amount.split_once('.').unwrap_or((amount, ""));
    let frac = frac.trim_end_matches('0');
    let digits: Vec<char> = int.chars().filter(char::is_ascii_digit).collect();
    let mut grouped = String::new();
    for (i, c) in digits.iter().enumerate() {
        let left = digits.len() - i;
        let boundary =
            if nf.indian { left == 3 || (left > 3 && (left - 3).is_multiple_of(2)) } else { left.is_multiple_of(3) };
        if i > 0 && boundary {
            grouped.push(nf.group);
        }
        grouped.push(*c);
    }
    if grouped.is_empty() {
        grouped.push('0');
    }
    let mut number = grouped;
    if !frac.is_empty() {
        let width = minor_units(currency).max(frac.len());
        number.push(nf.decimal);
        number.push_str(&format!("{frac:0<width$}"));
    }
    if negative {
        number.insert(0, '-');
    }
    let (symbol, spaced) = currency_symbol(currency);
    match nf.symbol {
        Symbol::After => format!("{number}\u{a0}{symbol}"),
        Symbol::BeforeSpaced => format!("{symbol}\u{a0}{number}"),
        Symbol::Before if spaced => format!("{symbol}\u{a0}{number}"),
        Symbol::Before => format!("{symbol}{number}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_follow_the_language() {
        let cases = [
            (("15000", "NGN", "en"), "₦15,000"),
            (("24.99", "USD", "en"), "$24.99"),
            (("5.5", "USD", "en"), "$5.50"),
            (("24.99", "EUR", "es"), "24,99\u{a0}€"),
            (("1234.5", "EUR", "fr"), "1\u{202f}234,50\u{a0}€"),
            (("89.90", "BRL", "pt"), "R$\u{a0}89,90"),
            (("123456.50", "INR", "hi"), "₹1,23,456.50"),
            (("12345678", "INR", "hi"), "₹1,23,45,678"),
            (("2499", "KES", "sw"), "KSh\u{a0}2,499"),
            (("1500000", "IDR", "id"), "Rp\u{a0}1.500.000"),
            (("1.250", "KWD", "ar"), "KWD\u{a0}1.250"),
            (("0.5", "TRY", "tr"), "₺0,50"),
            // The currency picks the country's convention where a language has several.
            (("1234.5", "MXN", "es"), "$1,234.50"),
            (("125000", "COP", "es"), "$\u{a0}125.000"),
            (("1234.5", "PEN", "es"), "S/\u{a0}1,234.50"),
            (("1234.5", "EUR", "pt"), "1\u{a0}234,50\u{a0}€"),
        ];
        for ((amount, currency, language), want) in cases {
            assert_eq!(price(amount, currency, language), want, "{amount} {currency} in {language}");
        }
    }

    #[test]
    fn every_language_has_its_text_and_arabic_reads_right_to_left() {
        for lang in crate::storefront::LANGUAGES {
            let t = text(lang);
            assert_eq!(t.tag, lang, "{lang} falls back to English");
            assert!(t.message.contains("{title}") && t.message.contains("{price}") && t.message.contains("{code}"));
        }
        assert!(text("ar").rtl && !text("en").rtl);
        assert_eq!(text("xx").tag, "en");
    }
}
