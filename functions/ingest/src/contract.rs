//! Test-only route (enabled by `CONTRACT_ROUTE=enabled`): runs the port contract suites against
//! the real D1, KV, R2, Queue and Fetch bindings and reports them as JSON.

use linkhub_cloudflare::{D1Sql, FetchHttp, KvPort, QueuePort, R2Blobs, WorkerSystem, bindings};
use linkhub_contract::{Report, blobs_suite, http_suite, kv_suite, queue_suite, sql_suite};
use linkhub_core::ports::{System, Topic};
use worker::{Env, Response, Result};

pub const PATH: &str = "/api/v1/ingestion/_contract";

pub async fn run(env: &Env, req: &http::Request<Vec<u8>>) -> Result<Response> {
    let param = |name: &str| {
        req.uri()
            .query()
            .unwrap_or("")
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .map(|v| v.replace("%3A", ":").replace("%2F", "/"))
    };
    let sandbox = param("sandbox").unwrap_or_default();
    let suites = param("suites").unwrap_or_else(|| "sql,kv,blobs,queue,http".to_owned());
    let tag = format!("cf{}", WorkerSystem.now_ms());
    let mut report = Report::default();
    for suite in suites.split(',') {
        match suite {
            "sql" => sql_suite(&D1Sql(env.d1(bindings::DB)?), &tag, &mut report).await,
            "kv" => kv_suite(&KvPort(env.kv(bindings::KV)?), &tag, &mut report).await,
            "blobs" => blobs_suite(&R2Blobs(env.bucket(bindings::BLOBS)?), &tag, &mut report).await,
            "queue" => queue_suite(&QueuePort(env), Topic::Metadata, &mut report).await,
            "http" => http_suite(&FetchHttp, &sandbox, &mut report).await,
            _ => {}
        }
    }
    Response::from_json(&report)
}
