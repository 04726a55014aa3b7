//! Calls to action from the closed set of the labelling guide, in the languages sellers write in,
//! plus the discount codes and phone numbers they carry. Hashtags and @handles never count: the
//! patterns run on the caption body with them removed.

use crate::rx::Rx;
use crate::text::Doc;

pub struct Cta {
    pub labels: Vec<String>,
    pub codes: Vec<String>,
    pub phones: Vec<String>,
}

pub struct CtaMatcher {
    rules: Vec<(&'static str, Rx)>,
    creator_dm: Rx,
    code: Rx,
    phone: Rx,
    domain: Rx,
}

const DAYS: &str = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|midnight|tonight|tomorrow|today|lunes|martes|miércoles|jueves|viernes|sábado|domingo|segunda|terça|quarta|quinta|sexta|sábado|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|minuit|senin|selasa|rabu|kamis|jumat|sabtu|minggu|ijumaa|jumamosi|jumapili|jumatatu|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|domenica|lunedì|venerdì";

fn rules() -> Vec<(&'static str, String)> {
    vec![
        (
            "link_in_bio",
            r"\b(links?|linked|lien|liens|enlace|enlaces|liga)\b[^.!?\n|]{0,30}\b(bio|profile|perfil|profil|profiel)\b|\bbio\b[^.!?\n|]{0,6}\blink\b|\blink\s+bio\b|\b(in|on|en|na|no|di|dans|sa|kwa)\s+(my\s+|mi\s+|la\s+|the\s+|der\s+|ma\s+)?bio\b|الرابط في البايو|الرابط في البايو".into(),
        ),
        (
            "shop_now",
            r"\b(shop|buy|order|checkout|check\s+out|cop)\s+(it\s+|them\s+|yours\s+|one\s+)?now\b|\b(get|grab|snag)\s+yours\b|\badd\s+(it\s+|them\s+)?to\s+(your\s+)?(cart|bag|basket)\b|\bcompr(a|e|ala|alo|ar|á|alo)\s+(ya|agora|ahora|já)\b|\bcómpral[oa]\s+ya\b|\bpídelo\s+ya\b|\bgaranta\s+(o\s+seu|já)\b|\b(checkout|beli|pesan|order)\s+sekarang\b|\babhi\s+order\s+kar(o|ein|en|iye)\b|\border\s+kar(o|ein)\s+abhi\b|\bagiza\s+sasa\b|\bnunua\s+sasa\b|\bcommande[rz]?(-le)?\s+maintenant\b|\bachète[sz]?(-le)?\s+maintenant\b|\bjetzt\s+(bestellen|kaufen|shoppen)\b|\bsepete\s+ekle\b|\bhemen\s+al\b|اطلبه?\s+الآن|اطلبيه?\s+الآن|\bacquista\s+ora\b|\bordina\s+ora\b|\bbilhin\s+na\b|\bmag-?order\s+na\b".into(),
        ),
        (
            "dm_to_order",
            r"\bdm\b|\bd\.m\b|\bdms\b|\bsend\s+(us\s+|me\s+)?a\s+(dm|message|pm)\b|\binbox\s+(us|me)\b|\bpm\b|\bmag-?pm\b|\bpm\s+(me|us|lang)\b|\bmessage\s+(us|me)\b|\bmensaje\s+(privado|directo)\b|\bmensagem\s+(privada|direta)\b|\b(pelo|no|por|via)\s+direct\b|\bpor\s+dm\b|\ben\s+dm\b|\bmp\b|\ben\s+privé\b|\btuma\s+(dm|ujumbe)\b|\bdm\s+kar(o|ein|en)\b|راسلنا|على الخاص|\bprivate\s+message\b|\bdirect\s+message\b".into(),
        ),
        ("whatsapp", r"\bwhats\s?app\b|\bwhatsap\b|\bwa\b|wa\.me|\bzap\b|\bzapzap\b|\bwpp\b|\bwsp\b|\bwasap\b|واتساب|واتس|الواتس".into()),
        (
            "comment",
            r"\bcomment\b|\bin\s+the\s+comments\b|\b(type|write|drop|leave)\b[^.!?\n]{0,30}\b(below|comments?)\b|\bcomenta\b|\bcomente\b|\bcomentá\b|\bkomen\b|\bkomentar\b|\bcomment\s+mein\b|\btag\s+(a|your)\s+(friend|bestie|bff|mom|sister)\b|\bcommentez\b|\bcommente\b|\bmag-?comment\b|\bkommentier|\bandika\s+(maoni|comment)|\bcommenta\b|\byorum(a|lara)?\s+yaz|اكتب في التعليق|علق".into(),
        ),
        (
            "follow",
            r"\bfollow\s+(me|us|for|along|niyo|nyo|kami|karo|for\s+more)\b|\bfollow\s{2,}|\bsíg(ue|a)nme\b|\bsigueme\b|\bsígueme\b|\bsegue\s+(pra|para|a\s+gente)\b|\bme\s+segue\b|\bsigam?\s+(o\s+perfil|a\s+página|para)\b|\babonne[- ]toi\b|\babonnez[- ]vous\b|\bikuti\s+(aku|kami|akun)\b|\bfolgt\s+(mir|uns)\b|\bseguimi\b|\btakip\s+et\b|\bnifuate\b|\btufuate\b|تابعنا|تابعني".into(),
        ),
        (
            "limited_offer",
            format!(
                r"\b(today|tonight)\s+only\b|\bonly\s+(today|tonight|this\s+(week|weekend))\b|\bthis\s+(week|weekend)\s+only\b|\bonly\s+for\s+\d+\s+(hours|days)\b|\b\d+\s+hours\s+only\b|\b(sale|offer|deal|promo|discount|price)\s+(ends|expires|ending)\b|\bends\s+({DAYS}|soon|this|in\s+\d+)\b|\buntil\s+({DAYS})\b|\bbefore\s+the\s+(sale|offer|deal)\s+ends\b|\bpre-?orders?\s+(by|close|closes|until)\b|\border\s+by\s+({DAYS})\b|\blimited\s+(stock|edition|time|quantit|pieces|slots|run|drop)|\bwhile\s+(stocks?|supplies)\s+last\b|\bonly\s+\d+\s+(left|of\s+each|made|available|poured|pieces|pcs|units|in\s+stock)\b|\blast\s+(few|\d+)\s+(pieces|pcs|units|left|items|sets|pairs|bottles)\b|\bselling\s+(out\s+)?fast\b|\balmost\s+(sold\s+out|gone)\b|\brunning\s+low\b|\bonce\s+(they're|they\s+are|it's|its)\s+gone\b|\btomorrow\s+it\s+goes\s+back\b|\bgoes\s+back\s+(up\s+)?to\b|\blast\s+chance\b|\bsolo\s+(por\s+)?hoy\b|\bhoy\s+solamente\b|\bpor\s+tiempo\s+limitado\b|\búltimas\s+unidades\b|\bstock\s+limitado\b|\bsolo\s+(esta|este)\s+(semana|fin)\b|\bhasta\s+(el\s+)?({DAYS})\b|\bsó\s+(essa|esta|hoje)\b|\bsomente\s+hoje\b|\bapenas\s+hoje\b|\bestoque\s+limitado\b|\baté\s+({DAYS})\b|\bhanya\s+hari\s+ini\b|\bstok\s+terbatas\b|\bstok\s+terhad\b|\bsampai\s+\d+\s+\w+\s+(sahaja|saja)\b|\bhari\s+ini\s+(sahaja|saja)\b|\bstoklar\s+sınırlı\b|\bsınırlı\s+stok\b|\bsolange\s+der\s+vorrat\s+reicht\b|\bnur\s+(heute|noch)\b|\bsolo\s+(fino\s+a|oggi)\b|\bofa\s+inaisha\b|\bleo\s+tu\b|\baujourd'hui\s+seulement\b|\bjusqu'à\s+({DAYS})\b|\bstock\s+limité\b|\bdernières\s+pièces\b|\bngayong\s+araw\s+lang\b|\bhanggang\s+(bukas|ngayon)\b|\bsell\s+out\b|\bsells\s+out\b|\bgoing\s+fast\b|\bselling\s+out\b|\bfew\s+(left|pieces\s+left)\b|\bsebelum\s+(kehabisan|habis)\b|\bantes\s+(de\s+)?que\s+(se\s+)?(agoten|acabe|esgote)\b|\bavant\s+(la\s+)?rupture\b|\b(cyber\s+monday|black\s+friday|prime\s+day|payday|11\.11|12\.12)\s+only\b|\bonly\s+\d+\s+available\b"
            ),
        ),
        (
            "tiktok_shop",
            r"\btik\s?tok\s+shop\b|\b(orange|yellow)\s+(cart|basket|bag)\b|\bkeranjang\s+(kuning|oren|orange)\b|\bbeg\s+kuning\b|\b(carrito|carro)\s+(naranja|amarillo)\b|\bcarrinho\s+(laranja|amarelo)\b|\bpanier\s+orange\b|\bcesta\s+(naranja|laranja)\b|\btap\s+(on\s+)?the\s+(orange\s+|yellow\s+)?(cart|basket)\b|\bclick\s+the\s+(cart|basket)\b|\bklik\s+keranjang\b|\bshowcase\b|\betalase\b|\bturuncu\s+sepet|\bsepetteki\b|\bkikapu\b|السلة البرتقالية|\bwarenkorb\b".into(),
        ),
        (
            "visit_store",
            r"\bvisit\s+(us|our\s+(shop|store|stall|booth|boutique|salon|showroom|studio|warehouse))\b|\b(our|the)\s+(shop|store|stall|booth|boutique|showroom|warehouse|bookstore|bookshop|salon|workshop|pop-?up)\s+(at|in|on)\b|\bstall\s+\d+\b|\bbooth\s+\d+\b|\btunapatikana\b|\bkunjungi\s+(kedai|toko|gerai)\b|\b(kedai|toko|gerai)\s+kami\b|\bvisítanos\b|\bvisite\s+(nossa|a\s+nossa)\s+loja\b|\bnossa\s+loja\b|\bnuestra\s+tienda\b|\bin\s+stock\s+at\b|\bavailable\s+(at|in)\s+(our|the)\s+(shop|store)\b|\bcollect\s+from\s+our\b|\b\d+\s+\w+\s+(street|st|road|rd|avenue|ave|blvd|lane)\b|\b(moi|kenyatta)\s+avenue\b|\bjalan\s+\w+|\bnotre\s+boutique\b|\bunser(em)?\s+laden\b".into(),
        ),
    ]
}

impl CtaMatcher {
    pub fn new() -> Self {
        // Only dm_to_order needs its match spans (to look around each match).
        let build = |(label, p): (&'static str, String)| {
            (label, if label == "dm_to_order" { Rx::new(&p) } else { Rx::matcher(&p) })
        };
        let rules = rules().into_iter().map(build).collect();
        Self {
            rules,
            creator_dm: Rx::matcher(
                r"\b(i'll|i\s+will|we'll|we\s+will|and\s+i|i'll\s+send|will)\s+(send|dm|message)\s+(you|u)\b",
            ),
            code: Rx::new(
                r"(?i:\bcode|\bcódigo|\bcodigo|\bkode|\bkod|\bcoupon|\bcupom|\bcupón|\bcupon|\bvoucher|\bgutschein)\s*[:\-]?\s*(?:«|“)?[A-Z0-9][A-Z0-9_-]{2,19}\b",
            ),
            phone: Rx::new(r"(?:\+[0-9]{1,3}[ -]?)?\(?[0-9]{2,4}\)?[ -]?[0-9]{3,4}[ -]?[0-9]{3,4}\b"),
            domain: Rx::new(
                r"(?i)\b(?:https?://)?(?:www\.)?[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|co|shop|store|net|org|es|de|fr|it|ng|ke|in|id|my|ph|br|mx|au|uk|ca|za|sg|pe|co\.uk|com\.au|com\.br|com\.mx)\b(?:/[A-Za-z0-9/_.?=&%-]*)?",
            ),
        }
    }

    pub fn detect(&self, doc: &Doc) -> Cta {
        let body = doc.body.as_bytes();
        let mut labels: Vec<String> = Vec::new();
        for (label, re) in &self.rules {
            let hit = match *label {
                "dm_to_order" => re.spans(body).any(|(start, end)| {
                    let window = &body[start.saturating_sub(20)..(end + 8).min(body.len())];
                    !self.creator_dm.is_match(window)
                }),
                "visit_store" => re.is_match(body) || self.has_domain(doc),
                _ => re.is_match(body),
            };
            if hit {
                labels.push((*label).to_owned());
            }
        }
        let codes = self.codes(doc);
        if !codes.is_empty() {
            labels.push("discount_code".into());
        }
        labels.sort();
        labels.dedup();
        Cta { labels, codes, phones: self.phones(doc) }
    }

    fn has_domain(&self, doc: &Doc) -> bool {
        // The pattern matches ASCII only, so its spans fall on character boundaries.
        self.domain.spans(doc.nfc.as_bytes()).any(|(start, end)| {
            let before = doc.nfc[..start].chars().last();
            let token_has_at = doc.nfc[..start].rsplit(char::is_whitespace).next().is_some_and(|t| t.contains('@'));
            let s = doc.nfc[start..end].to_ascii_lowercase();
            before != Some('@')
                && !token_has_at
                && !s.contains("tiktok.com")
                && !s.starts_with("wa.me")
                && s.contains('.')
                && !s.chars().next().is_some_and(|c| c.is_ascii_digit())
        })
    }

    fn codes(&self, doc: &Doc) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (start, end) in self.code.spans(doc.nfc.as_bytes()) {
            // The code is the run of code characters that ends the match.
            let Some(found) = doc.nfc.get(start..end) else { continue };
            let c =
                found.rsplit(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')).next().unwrap_or("");
            let has_letter = c.chars().any(|ch| ch.is_ascii_uppercase());
            let all_caps = c.chars().all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_' || ch == '-');
            if has_letter && all_caps && !["IN", "BIO", "LINK"].contains(&c) && !out.iter().any(|o| o == c) {
                out.push(c.to_owned());
            }
        }
        out
    }

    fn phones(&self, doc: &Doc) -> Vec<String> {
        self.phone
            .spans(doc.nfc.as_bytes())
            .filter_map(|(s, e)| {
                let m = &doc.nfc[s..e];
                let digits: String = m.chars().filter(char::is_ascii_digit).collect();
                ((9..=15).contains(&digits.len()))
                    .then(|| if m.trim_start().starts_with('+') { format!("+{digits}") } else { digits })
            })
            .fold(Vec::new(), |mut acc, p| {
                if !acc.contains(&p) {
                    acc.push(p);
                }
                acc
            })
    }
}

impl Default for CtaMatcher {
    fn default() -> Self {
        Self::new()
    }
}
