//! Chooses the JPEG quality by measurement: for each rendition of the fixture covers, prints the
//! encoded size and the PSNR against the unencoded rendition at several qualities.
//!
//! Usage: cargo run --release -p linkhub-imaging --example quality [COVER...]

use linkhub_imaging::{Format, Limits, Overlay, decode, encode, render_all};

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let mse: f64 = a.iter().zip(b).map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2)).sum::<f64>() / a.len() as f64;
    if mse == 0.0 { f64::INFINITY } else { 10.0 * (255.0f64 * 255.0 / mse).log10() }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let covers = if args.is_empty() {
        vec![
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/photos/cover-720x1280.jpg").to_owned(),
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/photos/cover-1080x1920.jpg").to_owned(),
        ]
    } else {
        args
    };
    println!("{:<16} {:>3} {:>9} {:>8}", "rendition", "q", "bytes", "psnr_db");
    for cover in covers {
        let Ok(bytes) = std::fs::read(&cover) else {
            eprintln!("{cover}: cannot read");
            continue;
        };
        let decoded = match decode(&bytes, &Limits::default()) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{cover}: {e}");
                continue;
            }
        };
        // Lossless WebP of each rendition is the reference pixels.
        let Ok(reference) = render_all(&decoded.image, 100, &Overlay::default()) else { continue };
        for r in reference.iter().filter(|t| t.format == Format::WebP) {
            let Ok(pixels) = image::load_from_memory(&r.bytes) else { continue };
            let rgb = pixels.to_rgb8();
            for q in [60u8, 70, 75, 80, 85, 90] {
                let Ok(jpeg) = encode(&rgb, Format::Jpeg, q) else { continue };
                let Ok(back) = image::load_from_memory(&jpeg) else { continue };
                println!(
                    "{:<16} {:>3} {:>9} {:>8.2}",
                    r.name,
                    q,
                    jpeg.len(),
                    psnr(rgb.as_raw(), back.to_rgb8().as_raw())
                );
            }
        }
    }
}
