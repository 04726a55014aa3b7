//! The renditions a storefront and WhatsApp need, cover-cropped around the centre.

use crate::encode::{Format, encode};
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
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

fn resize(src: &RgbImage, spec: &Spec, resizer: &mut Resizer) -> Result<RgbImage, String> {
    let view = ImageRef::new(src.width(), src.height(), src.as_raw(), PixelType::U8x3).map_err(|e| e.to_string())?;
    let mut dst = Image::new(spec.width, spec.height, PixelType::U8x3);
    let (left, top, w, h) = cover_crop(src.width(), src.height(), spec.width, spec.height);
    let options = ResizeOptions::new().crop(left, top, w, h).resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom));
    resizer.resize(&view, &mut dst, &options).map_err(|e| e.to_string())?;
    RgbImage::from_raw(spec.width, spec.height, dst.into_vec()).ok_or_else(|| "resize buffer size".to_owned())
}

/// Renders every spec in JPEG and WebP.
pub fn render_all(image: &DynamicImage, jpeg_quality: u8) -> Result<Vec<Thumbnail>, String> {
    let rgb = image.to_rgb8();
    let mut resizer = Resizer::new();
    let mut out = Vec::with_capacity(SPECS.len() * 2);
    for spec in &SPECS {
        let small = resize(&rgb, spec, &mut resizer)?;
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
