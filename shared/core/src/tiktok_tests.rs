use super::*;

const ID: &str = "7301234567890123456";

fn canon(input: &str) -> String {
    match TikTokLink::parse(input) {
        Ok(l) => l.canonical_url(),
        Err(e) => panic!("{input} refused: {e:?}"),
    }
}

fn err(input: &str) -> &'static str {
    match TikTokLink::parse(input) {
        Ok(l) => panic!("{input} accepted as {l:?}"),
        Err(e) => e.code(),
    }
}

#[test]
fn accepts_every_video_shape_and_canonicalises() {
    let want = format!("https://www.tiktok.com/@shop.lagos/video/{ID}");
    for host in ["www.tiktok.com", "tiktok.com", "m.tiktok.com", "WWW.TikTok.com"] {
        assert_eq!(canon(&format!("https://{host}/@shop.lagos/video/{ID}")), want);
    }
    assert_eq!(canon(&format!("https://www.tiktok.com/@shop.lagos/video/{ID}/")), want);
    assert_eq!(canon(&format!("www.tiktok.com/@shop.lagos/video/{ID}")), want);
    assert_eq!(
        canon(&format!("https://www.tiktok.com/@shop.lagos/video/{ID}?is_from_webapp=1&sender_device=pc#x")),
        want
    );
    assert_eq!(canon(&format!("  https://www.tiktok.com/@shop.lagos/video/{ID}\n")), want);
}

#[test]
fn accepts_photo_embed_and_v_shapes() {
    assert_eq!(
        canon(&format!("https://www.tiktok.com/@ama_styles/photo/{ID}?lang=en")),
        format!("https://www.tiktok.com/@ama_styles/photo/{ID}")
    );
    let by_id = format!("https://www.tiktok.com/@/video/{ID}");
    assert_eq!(canon(&format!("https://www.tiktok.com/embed/v2/{ID}")), by_id);
    assert_eq!(canon(&format!("https://www.tiktok.com/embed/{ID}")), by_id);
    assert_eq!(canon(&format!("https://m.tiktok.com/v/{ID}.html")), by_id);
    assert_eq!(canon(&format!("https://m.tiktok.com/v/{ID}")), by_id);
}

#[test]
fn accepts_short_links_without_a_video_id() {
    let vm = TikTokLink::parse("https://vm.tiktok.com/ZMhvqjK8p/").expect("vm");
    assert_eq!(vm.canonical_url(), "https://vm.tiktok.com/ZMhvqjK8p/");
    assert_eq!(vm.video_id(), None);
    assert_eq!(vm.dedupe_key(), "short:vm:ZMhvqjK8p");
    assert_eq!(canon("vt.tiktok.com/ZSabc123"), "https://vt.tiktok.com/ZSabc123/");
    assert_eq!(canon("https://www.tiktok.com/t/ZT8abcdef/?k=1"), "https://www.tiktok.com/t/ZT8abcdef/");
}

#[test]
fn same_video_in_different_shapes_shares_a_dedupe_key() {
    let a = TikTokLink::parse(&format!("https://m.tiktok.com/v/{ID}.html")).expect("a");
    let b = TikTokLink::parse(&format!("tiktok.com/@x/video/{ID}?s=1")).expect("b");
    assert_eq!(a.dedupe_key(), b.dedupe_key());
}

#[test]
fn refuses_other_hosts() {
    assert_eq!(err(&format!("https://tiktok.com.evil.com/@a/video/{ID}")), "url_host_not_tiktok");
    assert_eq!(err(&format!("https://evil.com/tiktok.com/@a/video/{ID}")), "url_host_not_tiktok");
    assert_eq!(err(&format!("https://eviltiktok.com/@a/video/{ID}")), "url_host_not_tiktok");
    assert_eq!(err(&format!("https://www.tiktok.com./@a/video/{ID}")), "url_host_not_tiktok");
    assert_eq!(err("https://example.com"), "url_host_not_tiktok");
}

#[test]
fn refuses_userinfo_ports_and_ip_literals() {
    assert_eq!(err(&format!("https://www.tiktok.com@evil.com/@a/video/{ID}")), "url_userinfo");
    assert_eq!(err(&format!("https://user:pw@www.tiktok.com/@a/video/{ID}")), "url_userinfo");
    assert_eq!(err(&format!("https://www.tiktok.com:443/@a/video/{ID}")), "url_port");
    assert_eq!(err(&format!("www.tiktok.com:8080/@a/video/{ID}")), "url_port");
    assert_eq!(err("https://169.254.169.254/latest/meta-data"), "url_ip_literal");
    assert_eq!(err("https://[::1]/x"), "url_ip_literal");
    assert_eq!(err("https://2130706433/x"), "url_ip_literal");
    assert_eq!(err("https://0x7f.0x0.0x0.0x1/x"), "url_ip_literal");
}

#[test]
fn refuses_non_https() {
    assert_eq!(err(&format!("http://www.tiktok.com/@a/video/{ID}")), "url_not_https");
    assert_eq!(err("ftp://www.tiktok.com/x"), "url_not_https");
    assert_eq!(err("javascript:alert(1)"), "url_not_https");
    assert_eq!(err("data:text/html,hi"), "url_not_https");
}

#[test]
fn refuses_lookalike_and_encoded_hosts() {
    // Cyrillic 'і' in place of the Latin 'i'.
    assert_eq!(err(&format!("https://www.t\u{0456}ktok.com/@a/video/{ID}")), "url_idn_host");
    assert_eq!(err(&format!("https://www.xn--tktok-4ve.com/@a/video/{ID}")), "url_idn_host");
    assert_eq!(err(&format!("https://www.tiktok%2ecom/@a/video/{ID}")), "url_encoded_host");
    assert_eq!(err(&format!("https://www.tiktok.com/@a/video/%37{}", &ID[1..])), "url_encoded_path");
    assert_eq!(err(&format!("https://www.tiktok.com\\@evil.com/@a/video/{ID}")), "url_userinfo");
    assert_eq!(err(&format!("https://evil.com\\www.tiktok.com/@a/video/{ID}")), "url_malformed");
}

#[test]
fn refuses_non_video_pages_and_junk() {
    assert_eq!(err("https://www.tiktok.com/@someone"), "url_not_a_video");
    assert_eq!(err("https://www.tiktok.com/"), "url_not_a_video");
    assert_eq!(err("https://www.tiktok.com/@a/video/123"), "url_not_a_video");
    assert_eq!(err(&format!("https://www.tiktok.com/@a//video/{ID}")), "url_not_a_video");
    assert_eq!(err("https://vm.tiktok.com/ab"), "url_not_a_video");
    assert_eq!(err(""), "url_empty");
    assert_eq!(err("   "), "url_empty");
    assert_eq!(err("https://www.tiktok.com/@a b/video/1"), "url_malformed");
    assert_eq!(err(&format!("https://www.tiktok.com/@a/video/{ID}?{}", "x".repeat(3000))), "url_too_long");
}

#[test]
fn user_less_canonical_form_parses_back_without_a_user() {
    let by_id = TikTokLink::parse(&format!("https://www.tiktok.com/embed/v2/{ID}")).expect("embed");
    let again = TikTokLink::parse(&by_id.canonical_url()).expect("canonical");
    assert_eq!(again, TikTokLink::Video { user: None, id: ID.to_owned() });
}
