#![allow(clippy::unwrap_used)]

use assert_cmd::Command;

fn linkhub() -> Command {
    Command::cargo_bin("linkhub").unwrap()
}

#[test]
fn help_lists_the_commands() {
    let out = linkhub().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("link") && text.contains("openapi"), "{text}");
}

#[test]
fn link_prints_canonical_forms_and_fails_on_bad_links() {
    let out = linkhub()
        .args(["link", "https://m.tiktok.com/v/7301000000000000001.html", "https://tiktok.com.evil.com/x"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a refused link makes the command fail");
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["canonical_url"], "https://www.tiktok.com/@/video/7301000000000000001");
    assert_eq!(lines[1]["error"]["code"], "url_host_not_tiktok");
}

#[test]
fn openapi_prints_a_3_1_document() {
    let out = linkhub().arg("openapi").output().unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
}

#[test]
fn analyze_writes_one_line_per_input_and_errors_for_bad_lines() {
    let input = concat!(
        r#"{"id": "a1", "caption": "Was $40 now $25 😍 lip oil, link in bio #lipoil"}"#,
        "\n",
        "not json at all\n",
        r#"{"id": "a3", "text": "wrong field"}"#,
        "\n",
        r#"{"id": 4, "caption": "Harga cuma 79rb, klik keranjang kuning"}"#,
        "\n"
    );
    let out = linkhub().arg("analyze").write_stdin(input).output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["id"], "a1");
    assert_eq!(lines[0]["prices"][1]["amount"], "25");
    assert_eq!(lines[0]["sentiment"], "positive");
    assert_eq!(lines[0]["hashtags"][0], "#lipoil");
    assert_eq!(lines[1]["id"], "line:2");
    assert_eq!(lines[1]["error"]["code"], "invalid_line");
    assert_eq!(lines[2]["id"], "a3", "a line with an id keeps it in its error record");
    assert!(lines[2]["error"].is_object());
    assert_eq!(lines[3]["id"], 4);
    assert_eq!(lines[3]["prices"][0]["currency"], "IDR");
    assert!(String::from_utf8(out.stderr).unwrap().contains("2 errors"));
}

#[test]
fn thumbnail_writes_every_rendition_and_reports_bad_inputs() {
    let dir = std::env::temp_dir().join(format!("linkhub-thumbs-{}", std::process::id()));
    let cover = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/tiktok/7301000000000000003.webp");
    let not_image = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let out = linkhub().args(["thumbnail", cover, not_image, "--out"]).arg(&dir).output().unwrap();
    assert!(!out.status.success(), "a bad input makes the command fail");
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    let outputs = lines[0]["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), 8);
    for o in outputs {
        let bytes = std::fs::read(o["path"].as_str().unwrap()).unwrap();
        assert_eq!(bytes.len() as u64, o["bytes"].as_u64().unwrap());
    }
    assert!(outputs.iter().any(|o| o["width"] == 1200 && o["height"] == 630 && o["format"] == "jpeg"));
    assert_eq!(lines[1]["error"]["code"], "image_unsupported_format");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn thumbnail_draws_the_badge_and_needs_price_and_currency_together() {
    let dir = std::env::temp_dir().join(format!("linkhub-badge-{}", std::process::id()));
    let cover = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/tiktok/7301000000000000001.jpg");
    let alone = linkhub().args(["thumbnail", cover, "--price", "19.99", "--out"]).arg(&dir).output().unwrap();
    assert!(!alone.status.success(), "--price needs --currency");
    let plain = linkhub().args(["thumbnail", cover, "--out"]).arg(dir.join("plain")).output().unwrap();
    let badged = linkhub()
        .args(["thumbnail", cover, "--title", "Glow serum", "--price", "15000", "--currency", "ngn", "--out"])
        .arg(dir.join("badged"))
        .output()
        .unwrap();
    assert!(plain.status.success() && badged.status.success());
    let share = |sub: &str| std::fs::read(dir.join(sub).join("7301000000000000001.share-1200x630.jpg")).unwrap();
    assert_ne!(share("plain"), share("badged"), "the badge and title change the share image");
    let square = |sub: &str| std::fs::read(dir.join(sub).join("7301000000000000001.square-150.jpg")).unwrap();
    assert_eq!(square("plain"), square("badged"), "the 150 square stays clean");
    let _ = std::fs::remove_dir_all(&dir);
}
