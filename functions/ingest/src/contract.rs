//! Test-only route (enabled by `CONTRACT_ROUTE=enabled`): runs the port contract suites against
//! the real D1, KV, R2, Queue and Fetch bindings and reports them as JSON.

use linkhub_cloudflare::{D1Sql, FetchHttp, KvPort, QueuePort, R2Blobs, WorkerSystem, bindings};
use linkhub_contract::{Ports, run_requested};
use linkhub_core::ports::System;
use worker::{Env, Response, Result};

pub async fn run(env: &Env, req: &http::Request<Vec<u8>>) -> Result<Response> {
    let (sql, kv, blobs) =
        (D1Sql(env.d1(bindings::DB)?), KvPort(env.kv(bindings::KV)?), R2Blobs(env.bucket(bindings::BLOBS)?));
    let ports = Ports { sql: &sql, kv: &kv, blobs: &blobs, queue: &QueuePort(env), http: Some(&FetchHttp) };
    let report = run_requested(req.uri().query(), &format!("cf{}", WorkerSystem.now_ms()), ports).await;
    Response::from_json(&report)
}
