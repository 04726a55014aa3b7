//! Thumbnails for product covers, within an edge isolate's memory and CPU.
//!
//! - Decoding trusts content, not names: JPEG, PNG and WebP are recognised by their magic bytes,
//!   everything else is refused. Dimensions are read from the header and checked against
//!   [`Limits`] before any pixel buffer is allocated, and the decoder itself runs with an
//!   allocation cap (the `image` crate's default allows 512 MiB, four times an isolate's memory).
//! - EXIF orientation is applied, so phone photos stand the right way up.
//! - Resizing uses `fast_image_resize` (SIMD; `simd128` in the wasm build), with a cover crop
//!   around the centre of the frame.

mod decode;
mod encode;
mod pipeline;
pub mod text;

pub use decode::{DecodeError, Decoded, Limits, decode, sniff};
pub use encode::{Format, JPEG_QUALITY, encode};
pub use pipeline::{Overlay, Rendition, SPECS, SharePanel, Spec, Thumbnail, cover_crop, render, render_all, squares};
