use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use std::io::Cursor;

/// Upper bounds checked before allocating pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_width: u32,
    pub max_height: u32,
    /// Largest decoded image, in pixels (width × height).
    pub max_pixels: u64,
    /// Largest allocation the decoder may make, in bytes.
    pub max_alloc: u64,
    /// Largest encoded input, in bytes.
    pub max_input: usize,
}

impl Default for Limits {
    /// Covers are at most 1080×1920 in practice; up to 4096 on a side and 12.6 Mpx (4096×3072)
    /// leaves room for originals while a whole render (decode, RGB conversion, renditions) stays
    /// under 64 MiB, half an isolate's memory (tests/bombs.rs measures it).
    fn default() -> Self {
        Self {
            max_width: 4096,
            max_height: 4096,
            max_pixels: 4096 * 3072,
            max_alloc: 80 * 1024 * 1024,
            max_input: 10 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {max} bytes")]
    InputTooLarge { max: usize },
    #[error("not a JPEG, PNG or WebP image")]
    UnsupportedFormat,
    #[error("the image is {width}×{height}, over the {max_width}×{max_height} / {max_pixels}-pixel limit")]
    TooLarge { width: u32, height: u32, max_width: u32, max_height: u32, max_pixels: u64 },
    #[error("the image is corrupt or truncated: {0}")]
    Corrupt(String),
}

impl DecodeError {
    pub fn code(&self) -> &'static str {
        match self {
            DecodeError::Empty => "image_empty",
            DecodeError::InputTooLarge { .. } => "image_input_too_large",
            DecodeError::UnsupportedFormat => "image_unsupported_format",
            DecodeError::TooLarge { .. } => "image_too_large",
            DecodeError::Corrupt(_) => "image_corrupt",
        }
    }
}

/// Recognises JPEG, PNG and WebP by their first bytes.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(ImageFormat::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

pub struct Decoded {
    pub image: DynamicImage,
    pub format: ImageFormat,
    /// Dimensions as stored, before orientation.
    pub stored_width: u32,
    pub stored_height: u32,
}

pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.len() > limits.max_input {
        return Err(DecodeError::InputTooLarge { max: limits.max_input });
    }
    let format = sniff(bytes).ok_or(DecodeError::UnsupportedFormat)?;
    if format == ImageFormat::Jpeg && !jpeg_has_end(bytes) {
        // The JPEG decoder pads a truncated scan with grey instead of failing; a cover cut off
        // mid-download must not become a half-grey product photo.
        return Err(DecodeError::Corrupt("the JPEG is truncated (no end-of-image marker)".into()));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(limits.max_width);
    decoder_limits.max_image_height = Some(limits.max_height);
    decoder_limits.max_alloc = Some(limits.max_alloc);
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder().map_err(|e| classify(&e, limits))?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(DecodeError::Corrupt("zero-sized image".into()));
    }
    if width > limits.max_width
        || height > limits.max_height
        || u64::from(width) * u64::from(height) > limits.max_pixels
    {
        return Err(DecodeError::TooLarge {
            width,
            height,
            max_width: limits.max_width,
            max_height: limits.max_height,
            max_pixels: limits.max_pixels,
        });
    }
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| classify(&e, limits))?;
    image.apply_orientation(orientation);
    Ok(Decoded { image, format, stored_width: width, stored_height: height })
}

/// An end-of-image marker after the first start-of-scan. Entropy-coded data stuffs every 0xFF
/// with 0x00, so `FF D9` there is the real marker (trailing data after it is allowed).
fn jpeg_has_end(bytes: &[u8]) -> bool {
    let Some(sos) = bytes.windows(2).position(|w| w == [0xFF, 0xDA]) else { return false };
    bytes[sos..].windows(2).any(|w| w == [0xFF, 0xD9])
}

fn classify(e: &image::ImageError, limits: &Limits) -> DecodeError {
    match e {
        image::ImageError::Limits(_) => DecodeError::TooLarge {
            width: 0,
            height: 0,
            max_width: limits.max_width,
            max_height: limits.max_height,
            max_pixels: limits.max_pixels,
        },
        image::ImageError::Unsupported(_) => DecodeError::UnsupportedFormat,
        other => DecodeError::Corrupt(other.to_string()),
    }
}
