//! QR codes of the click-to-chat link, as SVG (`qrcode`, pure Rust, its SVG renderer only).

use crate::error::{ApiError, ApiResult};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An SVG QR code of `url`, medium error correction (a printed code survives a scratch), 200 px
/// or more with its quiet zone.
pub fn qr_svg(url: &str) -> ApiResult<String> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|e| ApiError::internal(format!("QR code of {url}: {e}")))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_becomes_an_svg_of_at_least_200_px() {
        let svg = qr_svg("https://hub.example/go/P7K2QX7").unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.contains("<path"), "{svg}");
        let width: u32 = svg.split("width=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        assert!(width >= 200, "{width}");
        // Another link is another code.
        assert_ne!(svg, qr_svg("https://hub.example/go/P7K2QX8").unwrap());
    }
}
