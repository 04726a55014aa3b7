//! `linkhub import links.csv --hub URL --api-key KEY`: uploads a CSV of TikTok links to a hub's
//! bulk import, shows a progress bar until every row has finished (its job ended, or the row
//! failed), and prints a summary table. Rows already imported (the seller submitted the video
//! before) are reported `existing` and not made again, so a second run of the same file is safe.

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use std::time::{Duration, Instant};

pub struct Args {
    pub file: std::path::PathBuf,
    pub hub: String,
    pub api_key: String,
    pub timeout: Duration,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn read_json(resp: ureq::http::Response<ureq::Body>) -> Result<(u16, Value), String> {
    let status = resp.status().as_u16();
    let body = resp.into_body().with_config().limit(16 * 1024 * 1024).read_to_vec().map_err(|e| e.to_string())?;
    Ok((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
}

fn refusal(status: u16, v: &Value) -> String {
    format!(
        "the hub answered {status}: {} ({})",
        v["error"]["message"].as_str().unwrap_or("no message"),
        v["error"]["code"].as_str().unwrap_or("?")
    )
}

/// Runs the import; `Ok(true)` when every row was imported (submitted or existing) and no job
/// failed.
pub fn run(args: &Args) -> Result<bool, String> {
    let csv = std::fs::read(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let hub = args.hub.trim_end_matches('/');
    let agent = agent();
    let auth = format!("Bearer {}", args.api_key);
    let resp = agent
        .post(&format!("{hub}/api/v1/products/import"))
        .header("authorization", &auth)
        .header("content-type", "text/csv")
        .send(&csv[..])
        .map_err(|e| format!("{hub}: {e}"))?;
    let (status, created) = read_json(resp)?;
    if status != 202 {
        return Err(refusal(status, &created));
    }
    let id = created["id"].as_str().ok_or("the hub's answer has no import id")?.to_owned();
    let total = created["total"].as_u64().unwrap_or(0);
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows finished  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let view = loop {
        let resp = agent
            .get(&format!("{hub}/api/v1/products/imports/{id}"))
            .header("authorization", &auth)
            .call()
            .map_err(|e| format!("{hub}: {e}"))?;
        let (status, view) = read_json(resp)?;
        if status != 200 {
            return Err(refusal(status, &view));
        }
        bar.set_position(view["finished"].as_u64().unwrap_or(0));
        bar.set_message(format!(
            "{} submitted, {} already imported, {} failed, {} waiting",
            view["submitted"], view["existing"], view["failed"], view["pending"]
        ));
        if view["done"] == true {
            break view;
        }
        if started.elapsed() > args.timeout {
            bar.abandon();
            return Err(format!("the import {id} did not finish in {:?}; it goes on at the hub", args.timeout));
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    bar.finish();
    print_summary(&id, &view, started.elapsed());
    let job_failed = view["rows"].as_array().into_iter().flatten().any(|r| r["job_status"] == "failed");
    Ok(view["failed"].as_u64() == Some(0) && !job_failed)
}

fn print_summary(id: &str, view: &Value, took: Duration) {
    println!("import {id}: {} rows in {:.1} s", view["total"], took.as_secs_f64());
    println!("{:>5}  {:<10} {:<10} {:<36} url / error", "row", "state", "job", "product");
    for r in view["rows"].as_array().into_iter().flatten() {
        let s = |k: &str| r[k].as_str().unwrap_or("-").to_owned();
        let detail = if r["error"].is_string() { format!("{}: {}", s("url"), s("error")) } else { s("url") };
        println!("{:>5}  {:<10} {:<10} {:<36} {detail}", r["line"], s("state"), s("job_status"), s("product_id"));
    }
    println!("submitted {}  already imported {}  failed {}", view["submitted"], view["existing"], view["failed"]);
}
