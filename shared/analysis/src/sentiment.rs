//! Sentiment toward the product: negative when the creator criticises it or tells people not to
//! buy it (this wins over emoji), positive for praise or praise emoji, neutral otherwise
//! (listings, specs, restocks; urgency and decorative emoji do not count).

use crate::rx::Rx;
use crate::text::Doc;

pub struct SentimentModel {
    strong_negative: Rx,
    negative: Rx,
    positive: Rx,
    negated_positive: Rx,
}

const PRAISE_EMOJI: [char; 12] = ['😍', '🤩', '🥰', '🔥', '💯', '🤤', '😋', '👌', '🙌', '❤', '🤯', '😻'];
const ANGRY_EMOJI: [char; 5] = ['😤', '😡', '👎', '🤮', '😠'];

impl SentimentModel {
    pub fn new() -> Self {
        let build = Rx::matcher;
        Self {
            strong_negative: build(
                r"\b(don'?t|do\s+not|never|wouldn'?t|would\s+not)\s+(buy|recommend|waste|get\s+this|purchase|bother)\b|\bnot\s+recommend|\bdontbuy\b|\breturning\s+(it|this|them)\b|\breturned\s+(it|this|them)\b|\bsave\s+your\s+money\b|\bwaste\s+of\s+(money|time)\b|\bdown\s+the\s+drain\b|\bno\s+(compren|lo\s+compren|recomiendo)\b|\bno\s+lo\s+recomiendo\b|\bpor\s+nada\b|\bnão\s+(comprem|recomendo|compre)\b|\bmat\s+(lena|lo|kharido|khareedo)\b|\bbekaar\b|\bbekar\b|\bpaise?\s+waste\b|\bwaste\s+ho\b|\bpassez\s+votre\s+chemin\b|\bn'achetez\s+pas\b|\bje\s+ne\s+recommande\s+pas\b|\bjangan\s+(beli|dibeli)\b|\bjangan\s+sampai\s+beli\b|\bnyesel\b|\bkecewa\b|\brugi\b|\bhuwag\s+(bilhin|bumili)\b|\bsayang\s+(ang\s+)?pera\b|\businunue\b|\bmsinunue\b|\bnicht\s+kaufen\b|\bfinger\s+weg\b|\bnon\s+compratelo\b|\balmayın\b|\bscam\b|\bripoff\b|\brip-off\b|\bworst\b|\bnot\s+worth\s+the\s+hype\b|\bwasted\b|\bunsafe\b|\bdangerous\s+for\b",
            ),
            negative: build(
                r"\b(stopped|quit)\s+working\b|\bdejó\s+de\b|\bparou\s+de\b|\bbroke\b|\bbroken\b|\bdied\b|\bfell\s+apart\b|\bsoltou\b|\bpenche\b|\binjoignable\b|\bterrible\b|\bawful\b|\bhorrible\b|\bhorrível\b|\bdisappoint|\bdecepcion|\bfake\b|\bcheap(ly)?\s+made\b|\bpoor\s+quality\b|\brash\b|\bnothing\b.{0,20}\bcancel|\bcancel\s+nothing\b|\bslides\s+off\b|\bgave\s+me\s+a\b|\bband\s+ho\s+gayi\b|\bpapelão\b|\bno\s+responde\b|\bfail\b|\btechfail\b|\bmeh\b|\boverpriced\b|\bnot\s+worth\b|\bbarely\b|\bmbaya\b|\bjelek\b|\brusak\b|\bpangit\b|\bsira\b",
            ),
            positive: build(
                r"\bobsessed\b|\bbest\b|\blove\b|\bloving\b|\bloved\b|\bamazing\b|\bperfect\b|\bperfecta?\b|\bperfeit[oa]\b|\bfavou?rite\b|\bgame[- ]?changer\b|\blifesaver\b|\bso\s+(soft|good|comfy|cute|pretty|easy|worth)\b|\bworth\s+it\b|\bworth\s+every\b|\binsane\b|\bincredible\b|\bincre(?:í|i)ble\b|\bincr(?:í|i)vel\b|\bgorgeous\b|\bbeautiful\b|\bstunning\b|\bcomfiest\b|\bcrispiest\b|\bprettiest\b|\bsoftest\b|\b\w+iest\b\s+\w+\s+(i'?ve|ever)\b|\bcleared\s+my\b|\bchanged\s+my\b|\bcambió\s+mi\b|\bhighly\s+recommend\b|\bmust[- ]have\b|\bdangerously\s+good\b|\bactually\s+(works|earn|changed)\b|\bhasn'?t\s+put\s+it\s+down\b|\bnever\s+going\s+back\b|\bzero\s+(blisters|white\s+cast|greasy|smudge)\b|\bno\s+(smudge|heat\s+damage|white\s+cast)\b|\b10/10\b|\bwinner\b|\bencanta\b|\bme\s+encanta\b|\bamo\b|\bamei\b|\bmaravilh|\bdelicios[oa]\b|\bcremoso\b|\bkamaal\b|\bzabardast\b|\bmast\b|\bbagus\b|\bmantap\b|\bkeren\b|\benak\b|\bsuka\s+banget\b|\brapi\s+banget\b|\bglowing\b|\bganda\b|\bsulit\b|\bsobrang\b|\bvizuri\s+sana\b|\bnzuri\s+sana\b|\bgénial\b|\bparfait\b|\bj'adore\b|\badore\b|\ble\s+seul\s+qui\b|\bremplacé\b|\bsuper\s+(fácil|facil|easy)\b|\bse\s+deshacen\b|\bgrabe\b|\bnot\s+larga\b|\bnão\s+larga\b|\bsayesinde\b|\bharika\b|\bmükemmel\b|\bfantastico\b|\bottimo\b|\btoll\b|\bsuper\s+gut\b|\bsach\s+mein\b|\bobsesionad[oa]\b|\bbaratinh[oa]\b|\bachado\b|\bsolid\b|\bsturdy\b|\bcozy\b|\bcrispy\b|\bjuicy\b|\bsmell\s+(amazing|insane|so\s+good)\b|\bso\s+\w+\b\s+😍|\bfinally\b|\bsurvived\b|\brecommend(ing|ed)?\b|\bkeep\s+recommending\b|\btastes?\s+better\b|\bmakes?\s+everything\b|\bcomfy\b|\bcomfortable\b|\bsuper\s+soft\b|\bsmooth\b|\bdurable\b|\bflawless\b|\bdelicious\b|\btasty\b|\byummy\b|\bslaps\b|\bhits\s+different\b|\bchef'?s\s+kiss\b|\bcan'?t[- ]stop\b|\bcan'?t[- ]put[- ]down\b|\bhooked\b|\baddicted\b|\bin\s+love\b|\bimpressed\b|\bblown\s+away\b|\bholy\s+grail\b|\blife[- ]changing\b|\bsaved\s+my\b|\bended\s+(our|my)\b|\bdoesn'?t\s+slip\b|\bstays\s+put\b|\bholds\s+up\b|\bgenius\b|\bbrilliant\b|\bexcellent\b|\bfantastic\b|\bawesome\b|\blovely\b|\bwonderful\b|\bthe\s+winner\b|\blegit\b|\bworks\s+(so\s+)?well\b|\bgolden\s+hour\b|\bbuen(?:i|í)simo\b|\bexcelente\b|\bmaravill|\bhermos[oa]\b|\bprecios[oa]\b|\bcómod[oa]\b|\bsuave\b|\bdelicios[oa]\b|\bno\s+se\s+corre\b|\bsigue\s+perfect|\bvale\s+(la\s+pena|cada)\b|\blo\s+recomiendo\b|\blo\s+mejor\b|\bme\s+salvó\b|\blind[oa]\b|\bconfortável\b|\bmacio\b|\bgostos[oa]\b|\bdelícia\b|\brecomendo\b|\bsalvou\b|\bótim[oa]\b|\bmagnifique\b|\bincroyable\b|\bdélicieux\b|\bvaut\s+le\s+coup\b|\bje\s+recommande\b|\befficace\b|\bperfett[oa]\b|\bfantastic[oa]\b|\badoro\b|\bbellissim[oa]\b|\bconsiglio\b|\bsparire\b|\bmeraviglios[oa]\b|\bperfekt\b|\bliebe\b|\bgenial\b|\bempfehle\b|\blecker\b|\brekomen(ded)?\b|\brecommended\b|\bawet\b|\bnyaman\b|\bwangi\b|\bjuara\b|\brenyah\b|\bgurih\b|\blumer\b|\bmanisnya\s+pas\b|\btahan\s+lama\b|\bsedap\b|\bcantik\b|\bselesa\b|\bringan\s+(sangat|banget|sekali|gila)\b|\bberbaloi\b|\bmaganda\b|\bmabango\b|\bbango\b|\bmasarap\b|\bsarap\b|\bmatibay\b|\bswak\b|\bhindi\s+nangangati\b|\bpoa\b|\btamu\b|\bbora\b|\bbadhiya\b|\bpaisa\s+vasool\b|\bmazboot\b|\bbayıldım\b|\btavsiye\s+ederim\b|\bçok\s+güzel\b|\bkaliteli\b|\brahat\b|\bm'a\s+sauvé\b|\bsauvé\b|\bmeilleure?\b|\bpréférée?\b|\bpreferit[oa]\b|\bpreferid[oa]\b|\bfavorit[oa]\b|\bbequem\b|\bno\s+(more\s+)?leaks\b|\bcouldn'?t\s+put\s+it\s+down\b|\bkept\s+me\s+up\b|فاخر|رائع|ممتاز|جميل|أفضل|ثبات|\bkali\s+sana\b|\bpowerful\b|\babsorbent\b|\bstays\s+cold\b|\badem\s+(banget|sekali|bgt)\b|\bnagih\b|\ba\s+vibe\b|\bis\s+gone\b|\bpain\s+(is\s+)?gone\b|\bno\s+more\s+(frizz|pain|mess|leaks|spills|stress|tangles|acne|breakouts|back\s+pain)\b|\bgot\s+me\s+out\s+of\b|\bactually\s+(finish|finishes|love|loves|eat|eats|use|uses|stays|lasts)\b|\bevery\s+single\s+day\b|\bbest\s+purchase\b|\bso\s+worth\b|\bwon'?t\s+stop\b|\bcan'?t\s+live\s+without\b",
            ),
            negated_positive: build(
                r"\b(not|never|isn'?t|wasn'?t|no)\s+(so\s+)?(good|great|worth|comfortable|amazing|recommend)\b",
            ),
        }
    }

    pub fn classify(&self, doc: &Doc) -> &'static str {
        let text = doc.body.as_bytes();
        if self.strong_negative.is_match(text) {
            return "negative";
        }
        let neg = self.negative.count(text)
            + self.negated_positive.count(text)
            + doc.nfc.chars().filter(|c| ANGRY_EMOJI.contains(c)).count();
        let pos = self.positive.count(text) + doc.nfc.chars().filter(|c| PRAISE_EMOJI.contains(c)).count();
        if neg > 0 && neg >= pos {
            "negative"
        } else if pos > 0 {
            "positive"
        } else {
            "neutral"
        }
    }
}

impl Default for SentimentModel {
    fn default() -> Self {
        Self::new()
    }
}
