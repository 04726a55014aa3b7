//! Renders the whole thumbnail set for one cover N times and prints per-cover milliseconds and
//! output sizes as JSON. Built natively and for wasm32-wasip1 (run in V8 by
//! scripts/bench-thumbnails.sh), so both run the same code on the same input.
//!
//! Usage: render COVER [RUNS] [OUT_DIR]
//!
//! The overlay is the same as scripts/bench-sharp.mjs draws: a price badge and a title.

use linkhub_imaging::{JPEG_QUALITY, Limits, Overlay, decode, render_all};
use std::time::Instant;

pub const TITLE: &str = "Handmade leather tote bag, everyday size";
pub const PRICE: &str = "₦15,000";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: render COVER [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(10).max(1);
    let bytes = std::fs::read(path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1)
    });
    let overlay = Overlay { title: Some(TITLE.to_owned()), price: Some(PRICE.to_owned()) };
    let mut times = Vec::with_capacity(runs);
    let mut last = Vec::new();
    // One warm-up run: V8 compiles the wasm lazily.
    for i in 0..=runs {
        let start = Instant::now();
        let decoded = decode(&bytes, &Limits::default()).unwrap_or_else(|e| {
            eprintln!("{path}: {e}");
            std::process::exit(1)
        });
        last = render_all(&decoded.image, JPEG_QUALITY, &overlay).unwrap_or_else(|e| {
            eprintln!("{path}: {e}");
            std::process::exit(1)
        });
        if i > 0 {
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    if let Some(dir) = args.get(3) {
        for t in &last {
            let _ = std::fs::write(format!("{dir}/{}.{}", t.name, t.format.extension()), &t.bytes);
        }
    }
    times.sort_by(f64::total_cmp);
    let outputs: Vec<String> = last
        .iter()
        .map(|t| {
            format!(
                "{{\"name\": \"{}\", \"format\": \"{}\", \"bytes\": {}}}",
                t.name,
                t.format.extension(),
                t.bytes.len()
            )
        })
        .collect();
    println!(
        "{{\"median_ms\": {:.2}, \"min_ms\": {:.2}, \"runs\": {runs}, \"outputs\": [{}]}}",
        times[times.len() / 2],
        times[0],
        outputs.join(", ")
    );
}
