//! `linkhub thumbnail`: the thumbnail set for each cover, one JSON line per input.

use linkhub_imaging::{Limits, Overlay, decode, render_all};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Chosen by measurement: see the README's thumbnail section.
pub const DEFAULT_QUALITY: u8 = linkhub_imaging::JPEG_QUALITY;

/// Returns false when any input failed.
pub fn run(inputs: &[PathBuf], out: &Path, quality: u8, bench: Option<u32>, overlay: &Overlay) -> bool {
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("linkhub thumbnail: {}: {e}", out.display());
        return false;
    }
    let mut ok = true;
    for input in inputs {
        let line = match one(input, out, quality.clamp(1, 100), bench.unwrap_or(1).max(1), overlay) {
            Ok(v) => v,
            Err((code, message)) => {
                ok = false;
                json!({"input": input, "ok": false, "error": {"code": code, "message": message}})
            }
        };
        println!("{line}");
    }
    ok
}

fn one(
    input: &Path,
    out: &Path,
    quality: u8,
    repeat: u32,
    overlay: &Overlay,
) -> Result<serde_json::Value, (String, String)> {
    let bytes = std::fs::read(input).map_err(|e| ("read_failed".to_owned(), e.to_string()))?;
    let mut times = Vec::with_capacity(repeat as usize);
    let mut thumbs = Vec::new();
    for _ in 0..repeat {
        let start = Instant::now();
        let decoded = decode(&bytes, &Limits::default()).map_err(|e| (e.code().to_owned(), e.to_string()))?;
        thumbs = render_all(&decoded.image, quality, overlay).map_err(|e| ("render_failed".to_owned(), e))?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let stem = input.file_stem().and_then(|s| s.to_str()).unwrap_or("cover");
    let mut outputs = Vec::new();
    for t in &thumbs {
        let path = out.join(format!("{stem}.{}.{}", t.name, t.format.extension()));
        std::fs::write(&path, &t.bytes).map_err(|e| ("write_failed".to_owned(), e.to_string()))?;
        outputs.push(
            json!({"path": path, "format": t.format, "width": t.width, "height": t.height, "bytes": t.bytes.len()}),
        );
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    Ok(json!({"input": input, "ok": true, "outputs": outputs, "ms": median, "runs": times.len(), "min_ms": times[0]}))
}
