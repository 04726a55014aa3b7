use crate::analyze;

fn prices(caption: &str) -> Vec<(String, String)> {
    analyze(caption).prices.into_iter().map(|p| (p.amount, p.currency)).collect()
}

fn p(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, c)| ((*a).to_owned(), (*c).to_owned())).collect()
}

#[test]
fn reads_separators_and_suffixes() {
    assert_eq!(prices("Harga Rp 1.450.000 → promo Rp 999rb"), p(&[("1450000", "IDR"), ("999000", "IDR")]));
    assert_eq!(prices("Antes 59,95 € / ahora 39,95 €"), p(&[("59.95", "EUR"), ("39.95", "EUR")]));
    assert_eq!(prices("now $1,299.99!"), p(&[("1299.99", "USD")]));
    assert_eq!(prices("Prix 15 000 FCFA"), p(&[("15000", "XOF")]));
    assert_eq!(prices("1.899 TL yerine 1.499 TL"), p(&[("1899", "TRY"), ("1499", "TRY")]));
    assert_eq!(prices("R$ 89,90 no Pix"), p(&[("89.9", "BRL")]));
    assert_eq!(prices("Only ₦7k per pack"), p(&[("7000", "NGN")]));
    assert_eq!(prices("Cuma Rp89K aja"), p(&[("89000", "IDR")]));
    assert_eq!(prices("Harga cuma 79rb. Stok terbatas"), p(&[("79000", "IDR")]));
    assert_eq!(prices("CHF 49.– pro Stück"), p(&[("49", "CHF")]));
    assert_eq!(prices("السعر: ٩٩ ريال سعودي"), p(&[("99", "SAR")]));
}

#[test]
fn reads_every_marker() {
    assert_eq!(prices("CA$68 (regular CA$85)"), p(&[("68", "CAD"), ("85", "CAD")]));
    assert_eq!(prices("only $189 MXN"), p(&[("189", "MXN")]));
    assert_eq!(prices("24,99 $ CA seulement"), p(&[("24.99", "CAD")]));
    assert_eq!(prices("Bei ni Ksh 2,500 tu"), p(&[("2500", "KES")]));
    assert_eq!(prices("body butter – R 189 | also R1,450 set"), p(&[("189", "ZAR"), ("1450", "ZAR")]));
    assert_eq!(prices("Caja x12 a S/ 25 o x6 a S/ 14"), p(&[("25", "PEN"), ("14", "PEN")]));
    assert_eq!(prices("N5,000 only"), p(&[("5000", "NGN")]));
}

#[test]
fn bare_amounts_take_the_captions_currency() {
    assert_eq!(prices("Retail $89.99 | our price 54.99"), p(&[("89.99", "USD"), ("54.99", "USD")]));
    assert_eq!(prices("Ksh 650 per jar or 2 jars for 1.2k"), p(&[("650", "KES"), ("1200", "KES")]));
}

#[test]
fn leaves_out_what_is_not_a_price() {
    assert_eq!(prices("20% off, save $10, 2024 edition, iPhone 15, 10000mAh, 500ml"), p(&[]));
    assert_eq!(prices("Envío gratis a partir de 50 € | Vestido 39,95 €"), p(&[("39.95", "EUR")]));
    assert_eq!(prices("free shipping on orders over $35. Tee $20"), p(&[("20", "USD")]));
    assert_eq!(prices("Desk upgrades under $50: pad – $15"), p(&[("15", "USD")]));
    assert_eq!(prices("courier nationwide (R 99). Butter R 189"), p(&[("189", "ZAR")]));
    assert_eq!(prices("Call 0803 555 0199, promo 12.12 Rp 999rb"), p(&[("999000", "IDR")]));
    assert_eq!(prices("Was $60, now $39"), p(&[("60", "USD"), ("39", "USD")]));
}

#[test]
fn prices_print_with_their_symbol_and_grouped_thousands() {
    use crate::display_price;
    assert_eq!(display_price("15000", "NGN"), "₦15,000");
    assert_eq!(display_price("24.99", "USD"), "$24.99");
    assert_eq!(display_price("2499", "KES"), "KSh 2,499");
    assert_eq!(display_price("1250000", "IDR"), "Rp 1,250,000");
    assert_eq!(display_price("450", "ZAR"), "R450");
    assert_eq!(display_price("99", "AED"), "AED 99");
    assert_eq!(display_price("100", "GHS"), "GH₵100");
}
