//! The renditions a storefront and WhatsApp need, cover-cropped around the centre.

use crate::encode::{Format, encode};
use crate::text::{self, Rgb};
use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::U8x3;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, RgbImage};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Rendition {
    /// Catalog grid.
    Square150,
    /// Chat previews and larger grids.
    Square320,
    /// 9:16 product card.
    Card360x640,
    /// Link previews (Open Graph, WhatsApp).
    Share1200x630,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub rendition: Rendition,
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
}

pub const SPECS: [Spec; 4] = [
    Spec { rendition: Rendition::Square150, name: "square-150", width: 150, height: 150 },
    Spec { rendition: Rendition::Square320, name: "square-320", width: 320, height: 320 },
    Spec { rendition: Rendition::Card360x640, name: "card-360x640", width: 360, height: 640 },
    Spec { rendition: Rendition::Share1200x630, name: "share-1200x630", width: 1200, height: 630 },
];

#[derive(Debug, Clone, Serialize)]
pub struct Thumbnail {
    pub name: &'static str,
    pub format: Format,
    pub width: u32,
    pub height: u32,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// The source box that fills `dst_w`×`dst_h` when scaled, centred on the frame.
pub fn cover_crop(src_w: u32, src_h: u32, dst_w: u32, dst_h: u32) -> (f64, f64, f64, f64) {
    let (sw, sh, dw, dh) = (f64::from(src_w), f64::from(src_h), f64::from(dst_w), f64::from(dst_h));
    let scale = (dw / sw).max(dh / sh);
    let (cw, ch) = (dw / scale, dh / scale);
    ((sw - cw) / 2.0, (sh - ch) / 2.0, cw, ch)
}

/// `src` cover-cropped to exactly `width`×`height`. Typed to RGB8 (`resize_typed`): the untyped
/// `resize` dispatches on the pixel type at run time, so every pixel type's every SIMD variant was
/// compiled into this crate (85 s of a clean native build for the one type used).
fn resize(
    src: &RgbImage,
    width: u32,
    height: u32,
    filter: FilterType,
    resizer: &mut Resizer,
) -> Result<RgbImage, String> {
    let view =
        TypedImageRef::<U8x3>::from_buffer(src.width(), src.height(), src.as_raw()).map_err(|e| e.to_string())?;
    let mut out = vec![0; width as usize * height as usize * 3];
    let mut dst = TypedImage::<U8x3>::from_buffer(width, height, &mut out).map_err(|e| e.to_string())?;
    let (left, top, w, h) = cover_crop(src.width(), src.height(), width, height);
    let options = ResizeOptions::new().crop(left, top, w, h).resize_alg(ResizeAlg::Convolution(filter));
    resizer.resize_typed(&view, &mut dst, &options).map_err(|e| e.to_string())?;
    RgbImage::from_raw(width, height, out).ok_or_else(|| "resize buffer size".to_owned())
}

/// Where the share image puts things when the cover is portrait (TikTok's 9:16): the whole cover
/// at full height on the left, over a blurred and darkened fill of itself, with the badge and the
/// title in the space beside it. A centre crop of a 9:16 cover at 1.9:1 would keep only a strip.
pub struct SharePanel {
    /// Left edge of the cover and of the text column's margin.
    pub margin: u32,
    pub cover_width: u32,
    /// Left edge of the text column.
    pub text_x: u32,
}

impl SharePanel {
    pub const TOP: u32 = 30;
    pub const BADGE_Y: f32 = 80.0;

    /// The layout for a `src_w`×`src_h` cover, or `None` when the cover is wide enough to fill
    /// the share image itself.
    pub fn for_cover(src_w: u32, src_h: u32) -> Option<Self> {
        if u64::from(src_h) * 10 < u64::from(src_w) * 11 {
            return None;
        }
        let height = 630 - 2 * Self::TOP;
        let cover_width = (u64::from(height) * u64::from(src_w) / u64::from(src_h).max(1)) as u32;
        let margin = 60;
        Some(Self { margin, cover_width, text_x: margin + cover_width + 48 })
    }
}

fn share_panel(src: &RgbImage, panel: &SharePanel, resizer: &mut Resizer) -> Result<RgbImage, String> {
    // Blur by shrinking to a few dozen pixels and growing back, then darken.
    let tiny = resize(src, 48, 25, FilterType::Box, resizer)?;
    let mut out = resize(&tiny, 1200, 630, FilterType::Bilinear, resizer)?;
    for c in out.iter_mut() {
        *c = (f32::from(*c) * 0.45) as u8;
    }
    let cover = resize(src, panel.cover_width, 630 - 2 * SharePanel::TOP, FilterType::CatmullRom, resizer)?;
    image::imageops::replace(&mut out, &cover, i64::from(panel.margin), i64::from(SharePanel::TOP));
    Ok(out)
}

/// What is written on the renditions: the price badge (on the 320 square, the card and the share
/// image) and the product title (on the share image).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overlay {
    pub title: Option<String>,
    /// Ready to print, e.g. `₦15,000` or `$24.99`.
    pub price: Option<String>,
}

const BADGE: Rgb = Rgb(254, 44, 85);
const WHITE: Rgb = Rgb(255, 255, 255);

/// Draws the price badge with its top-left corner at (`x`, `y`); returns its height.
fn badge(img: &mut RgbImage, price: &str, px: f32, x: f32, y: f32) -> f32 {
    let line = text::shape(price, px);
    if line.width <= 0.0 {
        return 0.0;
    }
    let (pad, h) = (px * 0.45, px * 1.45);
    text::rounded_rect(img, x, y, line.width + 2.0 * pad, h, h * 0.3, BADGE);
    let baseline = y + (h + line.ascent - line.descent) / 2.0 - px * 0.06;
    text::draw(img, &line, x + pad, baseline, WHITE);
    h
}

/// The badge and the title in the text column beside a portrait cover.
fn decorate_panel(img: &mut RgbImage, panel: &SharePanel, overlay: &Overlay) {
    let x = panel.text_x as f32;
    let width = img.width() as f32 - panel.margin as f32 - x;
    let mut y = SharePanel::BADGE_Y;
    if let Some(price) = &overlay.price {
        y += badge(img, price, 46.0, x, y) + 36.0;
    }
    if let Some(title) = overlay.title.as_deref().filter(|t| !text::drawable(t).is_empty()) {
        let (lines, px) = text::wrap(title, width, 56.0, 36.0, 3);
        let rtl = text::is_rtl(title);
        for line in &lines {
            y += line.ascent;
            let left = if rtl { x + width - line.width } else { x };
            text::draw(img, line, left, y, WHITE);
            y += line.descent + px * 0.25;
        }
    }
}

fn decorate(img: &mut RgbImage, spec: &Spec, overlay: &Overlay) {
    let w = img.width() as f32;
    match spec.rendition {
        Rendition::Square150 => {}
        Rendition::Square320 | Rendition::Card360x640 => {
            if let Some(price) = &overlay.price {
                badge(img, price, w * 0.075, w * 0.04, w * 0.04);
            }
        }
        Rendition::Share1200x630 => {
            let margin = 40.0;
            if let Some(title) = overlay.title.as_deref().filter(|t| !text::drawable(t).is_empty()) {
                text::scrim(img, img.height() * 45 / 100, 0.8);
                let line = text::fit(title, w - 2.0 * margin, 60.0, 34.0);
                let x = if text::is_rtl(title) { w - margin - line.width } else { margin };
                text::draw(img, &line, x, img.height() as f32 - margin - line.descent, WHITE);
            }
            if let Some(price) = &overlay.price {
                badge(img, price, 46.0, margin, margin);
            }
        }
    }
}

/// Renders every spec in JPEG and WebP, with the overlay's badge and title.
pub fn render_all(image: &DynamicImage, jpeg_quality: u8, overlay: &Overlay) -> Result<Vec<Thumbnail>, String> {
    render(image, &SPECS, jpeg_quality, overlay)
}

/// The square specs: what an avatar needs.
pub fn squares() -> &'static [Spec] {
    &SPECS[..2]
}

/// Renders the given specs in JPEG and WebP, with the overlay's badge and title.
pub fn render(
    image: &DynamicImage,
    specs: &[Spec],
    jpeg_quality: u8,
    overlay: &Overlay,
) -> Result<Vec<Thumbnail>, String> {
    // Borrowed when the decoder already produced RGB (JPEG, most PNGs): no second full-size copy.
    let owned;
    let rgb = match image {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => {
            owned = other.to_rgb8();
            &owned
        }
    };
    let mut resizer = Resizer::new();
    let mut out = Vec::with_capacity(specs.len() * 2);
    for spec in specs {
        let panel = (spec.rendition == Rendition::Share1200x630)
            .then(|| SharePanel::for_cover(rgb.width(), rgb.height()))
            .flatten();
        let small = match &panel {
            Some(panel) => {
                let mut img = share_panel(rgb, panel, &mut resizer)?;
                decorate_panel(&mut img, panel, overlay);
                img
            }
            None => {
                let mut img = resize(rgb, spec.width, spec.height, FilterType::CatmullRom, &mut resizer)?;
                decorate(&mut img, spec, overlay);
                img
            }
        };
        for format in [Format::Jpeg, Format::WebP] {
            let bytes = encode(&small, format, jpeg_quality)?;
            out.push(Thumbnail { name: spec.name, format, width: spec.width, height: spec.height, bytes });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_crop_keeps_the_target_aspect_and_centre() {
        let (l, t, w, h) = cover_crop(720, 1280, 150, 150);
        assert_eq!((l, w), (0.0, 720.0));
        assert!((h - 720.0).abs() < 1e-9 && (t - 280.0).abs() < 1e-9);
        let (l, t, w, h) = cover_crop(720, 1280, 1200, 630);
        assert!((w - 720.0).abs() < 1e-9 && (h - 378.0).abs() < 1e-9);
        assert!(l.abs() < 1e-9 && (t - 451.0).abs() < 1e-9);
    }
}
