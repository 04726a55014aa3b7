//! `linkhub analyze`: JSONL captions in, JSONL analyses out, one line per input line.

use indicatif::{ProgressBar, ProgressStyle};
use linkhub_analysis::Analyzer;
use serde::Deserialize;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;

#[derive(Deserialize)]
struct Input {
    id: Value,
    caption: String,
}

/// Returns how many lines were analysed and how many were errors.
pub fn run(input: Option<PathBuf>, output: Option<PathBuf>) -> std::io::Result<(u64, u64)> {
    let (reader, total): (Box<dyn Read>, u64) = match &input {
        Some(p) => {
            let text_len = std::fs::metadata(p)?.len();
            (Box::new(std::fs::File::open(p)?), text_len)
        }
        None => (Box::new(std::io::stdin().lock()), 0),
    };
    let mut out: Box<dyn Write> = match output {
        Some(p) => Box::new(BufWriter::new(std::fs::File::create(p)?)),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let bar = if total > 0 { ProgressBar::new(total) } else { ProgressBar::new_spinner() };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} {wide_bar} {per_sec} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let analyzer = Analyzer::shared();
    let (mut done, mut errors) = (0u64, 0u64);
    for (n, line) in BufReader::new(reader).lines().enumerate() {
        let line = line?;
        bar.inc(line.len() as u64 + 1);
        if line.trim().is_empty() {
            continue;
        }
        let record = match serde_json::from_str::<Input>(&line) {
            Ok(input) => {
                let mut v = serde_json::to_value(analyzer.analyze(&input.caption)).unwrap_or(Value::Null);
                if let Value::Object(m) = &mut v {
                    m.insert("id".into(), input.id);
                }
                v
            }
            Err(e) => {
                errors += 1;
                let id = serde_json::from_str::<Value>(&line)
                    .ok()
                    .and_then(|v| v.get("id").cloned())
                    .unwrap_or_else(|| json!(format!("line:{}", n + 1)));
                json!({"id": id, "error": {"code": "invalid_line", "message": format!("expected {{\"id\", \"caption\"}}: {e}")}})
            }
        };
        done += 1;
        writeln!(out, "{record}")?;
    }
    out.flush()?;
    bar.finish_and_clear();
    Ok((done, errors))
}
