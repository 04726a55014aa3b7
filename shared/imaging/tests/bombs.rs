//! Decompression bombs and other hostile files end in a clear error (or a correct, bounded
//! decode) with memory bounded: the process's peak resident memory is checked around each decode.
//! One test in its own binary, so no other test's allocations move the high-water mark.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use linkhub_imaging::{Limits, Overlay, decode, render_all};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/hostile");

/// Peak resident set size so far, in MiB (Linux).
fn peak_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

#[test]
fn bombs_and_odd_files_stay_inside_an_isolates_memory() {
    let limits = Limits::default();
    let before = peak_mib();
    // 64×64 declared, 200 MB of zlib data: the decoder stops at what the header declares.
    let bomb = std::fs::read(format!("{FIXTURES}/zip-bomb-200mb.png")).unwrap();
    match decode(&bomb, &limits) {
        Ok(d) => assert_eq!((d.image.width(), d.image.height()), (64, 64)),
        Err(e) => assert_eq!(e.code(), "image_corrupt", "{e}"),
    }
    assert!(peak_mib() - before < 16, "the bomb inflated: +{} MiB", peak_mib() - before);
    // An animated GIF is not a cover format: refused by content.
    let gif = std::fs::read(format!("{FIXTURES}/animated.gif")).unwrap();
    assert_eq!(decode(&gif, &limits).err().map(|e| e.code()), Some("image_unsupported_format"));
    // The largest cover the limits allow (4096×3072, 36 MiB of pixels) decodes and renders in
    // under 64 MiB, half of a 128 MB isolate.
    let big = std::fs::read(format!("{FIXTURES}/big-but-allowed-4096x3072.png")).unwrap();
    let decoded = decode(&big, &limits).unwrap();
    let thumbs = render_all(&decoded.image, 80, &Overlay::default()).unwrap();
    assert_eq!(thumbs.len(), 8);
    drop((decoded, thumbs));
    let grown = peak_mib() - before;
    assert!(grown < 64, "peak grew by {grown} MiB");
    eprintln!("peak growth: {grown} MiB");
}
