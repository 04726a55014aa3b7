//! Hostile and broken inputs end in clear errors, with memory bounded (limits checked before
//! pixels are allocated); good covers produce every rendition at its exact size.

use linkhub_imaging::{DecodeError, Format, Limits, Overlay, SPECS, SharePanel, decode, render_all};

const COVER: &[u8] = include_bytes!("../../../tests/fixtures/tiktok/7301000000000000001.jpg");
const PNG_COVER: &[u8] = include_bytes!("../../../tests/fixtures/tiktok/7301000000000000002.png");
const WEBP_COVER: &[u8] = include_bytes!("../../../tests/fixtures/tiktok/7301000000000000003.webp");

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    out
}

/// A PNG whose header claims `width`×`height` (8-bit grey) with a tiny, valid zlib stream of
/// zeros: the classic decompression bomb shape.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    png.extend(chunk(b"IHDR", &ihdr));
    // zlib header + an empty final stored block: decodes to nothing, the decoder must stop on
    // the declared size long before that matters.
    png.extend(chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]));
    png.extend(chunk(b"IEND", &[]));
    png
}

fn code(r: Result<linkhub_imaging::Decoded, DecodeError>) -> &'static str {
    match r {
        Ok(d) => panic!("decoded a {}×{} image", d.image.width(), d.image.height()),
        Err(e) => e.code(),
    }
}

#[test]
fn zero_bytes_and_other_formats_are_refused_by_content() {
    let limits = Limits::default();
    assert_eq!(code(decode(&[], &limits)), "image_empty");
    assert_eq!(code(decode(b"<html>not an image</html>", &limits)), "image_unsupported_format");
    assert_eq!(code(decode(b"GIF89a\x01\x00\x01\x00\x80\x00\x00", &limits)), "image_unsupported_format");
    assert_eq!(code(decode(b"%PDF-1.7", &limits)), "image_unsupported_format");
}

#[test]
fn huge_declared_dimensions_are_refused_before_decoding() {
    let limits = Limits::default();
    assert_eq!(code(decode(&png_claiming(60_000, 60_000), &limits)), "image_too_large");
    assert_eq!(code(decode(&png_claiming(20_000, 20_000), &limits)), "image_too_large");
    assert_eq!(code(decode(&png_claiming(4096, 4097), &limits)), "image_too_large");
    assert_eq!(code(decode(&png_claiming(4096, 3073), &limits)), "image_too_large", "over 12.6 Mpx");
}

#[test]
fn truncated_and_corrupt_files_fail_cleanly() {
    let limits = Limits::default();
    let truncated = &COVER[..COVER.len() / 3];
    assert!(decode(truncated, &limits).is_err(), "a third of a JPEG is not a cover");
    let mut scrambled = COVER.to_vec();
    for b in scrambled.iter_mut().skip(200).take(4000) {
        *b = 0xFF;
    }
    let _ = decode(&scrambled, &limits); // must not panic, whatever it returns
    assert_eq!(code(decode(&png_claiming(10, 10), &limits)), "image_corrupt");
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let limits = Limits { max_input: 1000, ..Limits::default() };
    assert_eq!(code(decode(COVER, &limits)), "image_input_too_large");
}

#[test]
fn every_rendition_has_its_exact_size_in_both_formats() {
    for cover in [COVER, PNG_COVER, WEBP_COVER] {
        let decoded = decode(cover, &Limits::default()).unwrap();
        let thumbs = render_all(&decoded.image, 80, &Overlay::default()).unwrap();
        assert_eq!(thumbs.len(), SPECS.len() * 2);
        for t in &thumbs {
            let back = image::load_from_memory(&t.bytes).unwrap();
            assert_eq!((back.width(), back.height()), (t.width, t.height), "{} {:?}", t.name, t.format);
            let spec = SPECS.iter().find(|s| s.name == t.name).unwrap();
            assert_eq!((t.width, t.height), (spec.width, spec.height));
            if t.format == Format::Jpeg {
                assert!(t.bytes.len() < 200 * 1024, "{} is {} bytes", t.name, t.bytes.len());
            }
        }
    }
}

/// Perceptual check instead of byte equality: the 320 square, shrunk to 16×16, matches the
/// centre square of the source shrunk the same way.
#[test]
fn thumbnails_look_like_the_centre_of_the_cover() {
    let decoded = decode(COVER, &Limits::default()).unwrap();
    let (w, h) = (decoded.image.width(), decoded.image.height());
    let side = w.min(h);
    let centre = decoded.image.crop_imm((w - side) / 2, (h - side) / 2, side, side);
    let reference = centre.resize_exact(16, 16, image::imageops::FilterType::Triangle).to_rgb8();
    let thumbs = render_all(&decoded.image, 85, &Overlay::default()).unwrap();
    let square = thumbs.iter().find(|t| t.name == "square-320" && t.format == Format::Jpeg).unwrap();
    let ours = image::load_from_memory(&square.bytes)
        .unwrap()
        .resize_exact(16, 16, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let diff: f64 = ours.as_raw().iter().zip(reference.as_raw()).map(|(a, b)| f64::from(a.abs_diff(*b))).sum::<f64>()
        / ours.as_raw().len() as f64;
    assert!(diff < 6.0, "mean difference {diff:.2} per channel");
}

/// The badge sits top-left on the 320 square and the card. A portrait cover's share image shows
/// the whole cover on the left over a darkened fill of itself, with the badge and the title in the
/// column beside it; an Arabic title is aligned right in that column.
#[test]
fn the_price_badge_and_title_are_drawn_where_the_storefront_expects_them() {
    let decoded = decode(COVER, &Limits::default()).unwrap();
    let plain = render_all(&decoded.image, 90, &Overlay::default()).unwrap();
    let overlay = Overlay { title: Some("Vitamin C glow serum".into()), price: Some("$24.99".into()) };
    let marked = render_all(&decoded.image, 90, &overlay).unwrap();
    let get = |set: &[linkhub_imaging::Thumbnail], name: &str| {
        let t = set.iter().find(|t| t.name == name && t.format == Format::Jpeg).unwrap();
        image::load_from_memory(&t.bytes).unwrap().to_rgb8()
    };
    let is_badge = |p: [u8; 3]| p[0].abs_diff(254) < 30 && p[1].abs_diff(44) < 30 && p[2].abs_diff(85) < 30;
    let count =
        |img: &image::RgbImage, xs: std::ops::Range<u32>, ys: std::ops::Range<u32>, f: &dyn Fn([u8; 3]) -> bool| {
            xs.flat_map(|x| ys.clone().map(move |y| (x, y))).filter(|&(x, y)| f(img.get_pixel(x, y).0)).count()
        };
    // 320 square and card: badge top-left, absent without a price.
    for name in ["square-320", "card-360x640"] {
        let (with, without) =
            (count(&get(&marked, name), 0..60, 0..50, &is_badge), count(&get(&plain, name), 0..60, 0..50, &is_badge));
        assert!(with > 600 && without < with / 4, "{name}: {with} badge pixels, {without} without a price");
    }
    let panel = SharePanel::for_cover(decoded.image.width(), decoded.image.height()).unwrap();
    let share = get(&marked, "share-1200x630");
    let text_x = panel.text_x;
    // The badge in the text column, none on the cover.
    assert!(count(&share, text_x..text_x + 150, 80..140, &is_badge) > 2000);
    let untouched = get(&plain, "share-1200x630");
    let mut moved = 0u64;
    for y in 0..630 {
        for x in 0..text_x - 40 {
            let (a, b) = (share.get_pixel(x, y).0, untouched.get_pixel(x, y).0);
            moved += a.iter().zip(b).map(|(p, q)| u64::from(p.abs_diff(q))).sum::<u64>();
        }
    }
    assert!(moved as f64 / f64::from((text_x - 40) * 630 * 3) < 1.0, "the overlay stays off the cover");
    // The whole cover, unchanged, on the left: its rows match the cover shrunk to the panel.
    let cover = decoded.image.resize_exact(panel.cover_width, 570, image::imageops::FilterType::Triangle).to_rgb8();
    let mut diff = 0u64;
    for y in 0..570 {
        for x in 0..panel.cover_width {
            let (a, b) = (share.get_pixel(panel.margin + x, 30 + y).0, cover.get_pixel(x, y).0);
            diff += a.iter().zip(b).map(|(p, q)| u64::from(p.abs_diff(q))).sum::<u64>();
        }
    }
    let mean = diff as f64 / f64::from(panel.cover_width * 570 * 3);
    assert!(mean < 8.0, "cover panel differs by {mean:.1} per channel");
    // The title's white text below the badge.
    let white = |p: [u8; 3]| p.iter().all(|&c| c > 235);
    assert!(count(&share, text_x..1140, 160..400, &white) > 1500);
    // Arabic: right-aligned in the column.
    let arabic = Overlay { title: Some("عطر فاخر للرجال".into()), price: None };
    let rtl = get(&render_all(&decoded.image, 90, &arabic).unwrap(), "share-1200x630");
    let (right, left) = (count(&rtl, 900..1140, 60..300, &white), count(&rtl, text_x..text_x + 150, 60..300, &white));
    assert!(right > 500 && left < 50, "right {right}, left {left}");
}
