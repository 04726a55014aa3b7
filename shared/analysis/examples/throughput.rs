//! Prints caption-analysis throughput and one-time initialisation cost. The same program runs
//! natively and as wasm32-wasip1 under Node's WASI (V8, the engine workerd uses), so
//! `scripts/bench-analysis.sh` can put both side by side.
//!
//! Usage: throughput FILE.jsonl [SECONDS]

use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: throughput FILE.jsonl [SECONDS]");
        std::process::exit(2);
    };
    let seconds: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2);
    });
    let captions: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("caption").and_then(|c| c.as_str()).map(str::to_owned))
        .collect();
    // The fastest of several builds: the machine may be shared, and one build is what an isolate pays.
    // The very first build also pays for V8 compiling the code it runs (wasm is compiled lazily).
    let mut init = Duration::MAX;
    let mut first_init = Duration::ZERO;
    for i in 0..9 {
        let t0 = Instant::now();
        std::hint::black_box(linkhub_analysis::Analyzer::new());
        init = init.min(t0.elapsed());
        if i == 0 {
            first_init = t0.elapsed();
        }
    }
    let analyzer = linkhub_analysis::Analyzer::new();
    let first = Instant::now();
    let _ = analyzer.analyze(&captions[0]);
    let first_call = first.elapsed();
    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut n: u64 = 0;
    let mut checksum = 0usize;
    while start.elapsed() < budget {
        for c in &captions {
            checksum += analyzer.analyze(c).hashtags.len();
            n += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"captions_per_second\": {:.0}, \"us_per_caption\": {:.1}, \"init_ms\": {:.2}, \"first_init_ms\": {:.2}, \"first_call_ms\": {:.2}, \"captions\": {n}, \"checksum\": {checksum}}}",
        n as f64 / secs,
        secs * 1e6 / n as f64,
        init.as_secs_f64() * 1e3,
        first_init.as_secs_f64() * 1e3,
        first_call.as_secs_f64() * 1e3
    );
}
