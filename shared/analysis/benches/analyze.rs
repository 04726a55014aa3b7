//! `cargo bench -p linkhub-analysis`: per-caption analysis time over the labelled fixtures, and
//! the one-time build of the analyzer.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn captions() -> Vec<String> {
    let text = include_str!("../../../tests/analysis/captions.jsonl");
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["caption"].as_str().map(str::to_owned))
        .collect()
}

fn bench(c: &mut Criterion) {
    let captions = captions();
    let analyzer = linkhub_analysis::Analyzer::new();
    let mut group = c.benchmark_group("analysis");
    group.throughput(Throughput::Elements(captions.len() as u64));
    group.bench_function("analyze_fixture_set", |b| {
        b.iter(|| {
            for caption in &captions {
                black_box(analyzer.analyze(black_box(caption)));
            }
        });
    });
    group.finish();
    c.bench_function("analyzer_new", |b| b.iter(|| black_box(linkhub_analysis::Analyzer::new())));
}

criterion_group!(benches, bench);
criterion_main!(benches);
