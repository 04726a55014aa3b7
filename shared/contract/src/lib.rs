//! Contract suites for the ports. They return results instead of panicking so that the same
//! suites run natively under `cargo test` and inside a Worker (reported as JSON by a test-only
//! route during the end-to-end run).

use linkhub_core::ports::{
    Blobs, Http, Kv, MAX_QUEUE_MESSAGE_BYTES, OutboundRequest, PortErrorKind, Queue, Sql, SqlValue, Stmt, Topic,
};
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub suite: &'static str,
    pub name: &'static str,
    pub passed: bool,
    pub detail: String,
}

#[derive(Default, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    fn record(&mut self, suite: &'static str, name: &'static str, outcome: Result<(), String>) {
        let (passed, detail) = match outcome {
            Ok(()) => (true, String::new()),
            Err(d) => (false, d),
        };
        self.checks.push(Check { suite, name, passed, detail });
    }
    pub fn failures(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.passed).collect()
    }
}

/// The route of the test-only Worker and Spin component (`tests/contract-worker`,
/// `tests/contract-spin`) that the end-to-end stacks add beside the shipped functions: it runs
/// these suites against the platform's real stores and answers the [`Report`] as JSON. No
/// shipped function has it.
pub const ROUTE: &str = "/_contract";

/// One adapter's ports, as the contract route sees them. `http` is `None` where the component
/// serving the route may not call out (Spin's ingest component); the `http` suite is then skipped.
pub struct Ports<'a, S, K, B, Q, H> {
    pub sql: &'a S,
    pub kv: &'a K,
    pub blobs: &'a B,
    pub queue: &'a Q,
    pub http: Option<&'a H>,
}

/// Runs the suites named by the route's query (`suites=sql,kv,blobs,queue,http`, all by
/// default; `sandbox=<origin>` for the http suite). `tag` keeps runs apart in shared storage.
pub async fn run_requested<S: Sql, K: Kv, B: Blobs, Q: Queue, H: Http>(
    query: Option<&str>,
    tag: &str,
    ports: Ports<'_, S, K, B, Q, H>,
) -> Report {
    let param = |name: &str| {
        query
            .unwrap_or("")
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .map(|v| v.replace("%3A", ":").replace("%2F", "/"))
    };
    let sandbox = param("sandbox").unwrap_or_default();
    let suites = param("suites").unwrap_or_else(|| "sql,kv,blobs,queue,http".to_owned());
    let mut report = Report::default();
    for suite in suites.split(',') {
        match suite {
            "sql" => sql_suite(ports.sql, tag, &mut report).await,
            "kv" => kv_suite(ports.kv, tag, &mut report).await,
            "blobs" => blobs_suite(ports.blobs, tag, &mut report).await,
            "queue" => queue_suite(ports.queue, Topic::Metadata, &mut report).await,
            "http" => {
                if let Some(http) = ports.http {
                    http_suite(http, &sandbox, &mut report).await;
                }
            }
            _ => {}
        }
    }
    report
}

fn ensure(cond: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
    if cond { Ok(()) } else { Err(msg()) }
}

/// `tag` keeps concurrent runs (and reruns against persistent storage) apart.
pub async fn sql_suite(sql: &impl Sql, tag: &str, report: &mut Report) {
    const S: &str = "sql";
    let setup = sql
        .execute(Stmt::new(
            "CREATE TABLE IF NOT EXISTS contract_probe (tag TEXT NOT NULL, k TEXT NOT NULL, n INTEGER, r REAL, t TEXT, \
             PRIMARY KEY (tag, k))",
        ))
        .await;
    report.record(S, "ddl", setup.map(|_| ()).map_err(|e| e.to_string()));

    let ins = sql
        .execute(
            Stmt::new("INSERT INTO contract_probe (tag, k, n, r, t) VALUES (?, ?, ?, ?, ?)")
                .bind(tag)
                .bind("a")
                .bind(9_007_199_254_740_991_i64)
                .bind(SqlValue::Real(1.5))
                .bind("héllo ✓ 世界"),
        )
        .await;
    report.record(
        S,
        "execute returns changes",
        match ins {
            Ok(n) => ensure(n == 1, || format!("changes = {n}")),
            Err(e) => Err(e.to_string()),
        },
    );

    let rows = sql
        .query(Stmt::new("SELECT n, r, t, NULL AS z FROM contract_probe WHERE tag = ? AND k = ?").bind(tag).bind("a"))
        .await;
    report.record(
        S,
        "types round-trip",
        match rows {
            Ok(rows) => ensure(
                rows.len() == 1
                    && rows[0].get("n") == Some(&json!(9_007_199_254_740_991_i64))
                    && rows[0].get("r") == Some(&json!(1.5))
                    && rows[0].get("t") == Some(&json!("héllo ✓ 世界"))
                    && rows[0].get("z") == Some(&serde_json::Value::Null),
                || format!("rows = {rows:?}"),
            ),
            Err(e) => Err(e.to_string()),
        },
    );

    let dup = sql.execute(Stmt::new("INSERT INTO contract_probe (tag, k) VALUES (?, ?)").bind(tag).bind("a")).await;
    report.record(
        S,
        "unique violation is Conflict",
        match dup {
            Err(e) => ensure(e.kind == PortErrorKind::Conflict, || format!("kind = {:?}", e.kind)),
            Ok(_) => Err("duplicate insert succeeded".into()),
        },
    );

    let upsert = sql
        .query(
            Stmt::new(
                "INSERT INTO contract_probe (tag, k, n) VALUES (?, ?, 1) \
                 ON CONFLICT (tag, k) DO UPDATE SET n = n + 1 RETURNING n",
            )
            .bind(tag)
            .bind("counter"),
        )
        .await;
    report.record(
        S,
        "upsert with RETURNING",
        match upsert {
            Ok(rows) => ensure(rows.len() == 1 && rows[0].get("n") == Some(&json!(1)), || format!("{rows:?}")),
            Err(e) => Err(e.to_string()),
        },
    );

    let batch = sql
        .batch(vec![
            Stmt::new("INSERT INTO contract_probe (tag, k) VALUES (?, ?)").bind(tag).bind("b"),
            Stmt::new("INSERT INTO contract_probe (tag, k) VALUES (?, ?)").bind(tag).bind("a"),
        ])
        .await;
    let b_rows = sql
        .query(Stmt::new("SELECT k FROM contract_probe WHERE tag = ? AND k = ?").bind(tag).bind("b"))
        .await
        .map(|r| r.len());
    report.record(
        S,
        "batch is atomic",
        ensure(batch.is_err() && b_rows == Ok(0), || format!("batch = {batch:?}, rows for b = {b_rows:?}")),
    );

    let ok_batch = sql
        .batch(vec![
            Stmt::new("INSERT INTO contract_probe (tag, k) VALUES (?, ?)").bind(tag).bind("c"),
            Stmt::new("UPDATE contract_probe SET n = 7 WHERE tag = ? AND k = ?").bind(tag).bind("c"),
        ])
        .await;
    report.record(S, "batch applies in order", ensure(ok_batch == Ok(vec![1, 1]), || format!("{ok_batch:?}")));

    let bad = sql.query(Stmt::new("SELECT * FROM no_such_table_xyz")).await;
    report.record(S, "bad SQL is an error", ensure(bad.is_err(), || "query succeeded".into()));

    let cleanup = sql.execute(Stmt::new("DELETE FROM contract_probe WHERE tag = ?").bind(tag)).await;
    report.record(S, "cleanup", cleanup.map(|_| ()).map_err(|e| e.to_string()));
}

pub async fn kv_suite(kv: &impl Kv, tag: &str, report: &mut Report) {
    const S: &str = "kv";
    let key = format!("contract:{tag}:k");
    report.record(
        S,
        "missing key is None",
        match kv.get(&key).await {
            Ok(v) => ensure(v.is_none(), || format!("{v:?}")),
            Err(e) => Err(e.to_string()),
        },
    );
    let bytes: Vec<u8> = (0..=255u8).collect();
    let put = kv.put(&key, &bytes, Some(120)).await;
    report.record(S, "put with ttl", put.map_err(|e| e.to_string()));
    report.record(
        S,
        "binary round-trip",
        match kv.get(&key).await {
            Ok(v) => ensure(v.as_deref() == Some(bytes.as_slice()), || format!("{v:?}")),
            Err(e) => Err(e.to_string()),
        },
    );
    let overwrite = kv.put(&key, b"second", None).await;
    let got = kv.get(&key).await;
    report.record(
        S,
        "overwrite",
        ensure(overwrite.is_ok() && got == Ok(Some(b"second".to_vec())), || format!("{overwrite:?} {got:?}")),
    );
    let del = kv.delete(&key).await;
    let gone = kv.get(&key).await;
    report.record(S, "delete", ensure(del.is_ok() && gone == Ok(None), || format!("{del:?} {gone:?}")));
}

pub async fn blobs_suite(blobs: &impl Blobs, tag: &str, report: &mut Report) {
    const S: &str = "blobs";
    let key = format!("contract/{tag}/object.bin");
    report.record(
        S,
        "missing object is None",
        match blobs.get(&key).await {
            Ok(v) => ensure(v.is_none(), || "found".into()),
            Err(e) => Err(e.to_string()),
        },
    );
    let data: Vec<u8> = (0..1_048_576u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let put = blobs.put(&key, &data, "image/webp").await;
    report.record(S, "put 1 MiB", put.map_err(|e| e.to_string()));
    report.record(
        S,
        "bytes and content type round-trip",
        match blobs.get(&key).await {
            Ok(Some(b)) => ensure(b.bytes == data && b.content_type == "image/webp", || {
                format!("len {} type {}", b.bytes.len(), b.content_type)
            }),
            Ok(None) => Err("missing after put".into()),
            Err(e) => Err(e.to_string()),
        },
    );
    let del = blobs.delete(&key).await;
    let gone = blobs.get(&key).await.map(|b| b.is_none());
    report.record(S, "delete", ensure(del.is_ok() && gone == Ok(true), || format!("{del:?} {gone:?}")));
}

/// The delivery side of the queue contract is proven end to end (a job moving through stages);
/// here: sends succeed and oversized messages are refused by the adapter, not silently cut.
pub async fn queue_suite(queue: &impl Queue, topic: Topic, report: &mut Report) {
    const S: &str = "queue";
    let body = serde_json::json!({"v": 1, "contract": true}).to_string();
    report.record(S, "send", queue.send(topic, &body).await.map_err(|e| e.to_string()));
    let big = "x".repeat(MAX_QUEUE_MESSAGE_BYTES + 1);
    report.record(
        S,
        "oversized message is TooLarge",
        match queue.send(topic, &big).await {
            Err(e) => ensure(e.kind == PortErrorKind::TooLarge, || format!("kind {:?}", e.kind)),
            Ok(()) => Err("oversized message accepted".into()),
        },
    );
}

/// An origin nothing listens on (the discard port), for the "unreachable" check; a caller that
/// wraps its client in the outbound allow-list must allow it beside the sandbox.
pub const UNREACHABLE: &str = "http://127.0.0.1:9";

/// Needs the sandbox server at `sandbox` (e.g. `http://127.0.0.1:8790`).
pub async fn http_suite(http: &impl Http, sandbox: &str, report: &mut Report) {
    const S: &str = "http";
    let redirect = http.send(OutboundRequest::get(format!("{sandbox}/_contract/redirect"), 1024)).await;
    report.record(
        S,
        "redirects are not followed",
        match redirect {
            Ok(r) => ensure(r.status == 302 && r.header("location") == Some("/_contract/bytes/10"), || {
                format!("status {} headers {:?}", r.status, r.headers)
            }),
            Err(e) => Err(e.to_string()),
        },
    );
    let ok = http.send(OutboundRequest::get(format!("{sandbox}/_contract/bytes/1000"), 1000)).await;
    report.record(
        S,
        "body at the cap is read",
        match ok {
            Ok(r) => {
                ensure(r.status == 200 && r.body.len() == 1000, || format!("status {} len {}", r.status, r.body.len()))
            }
            Err(e) => Err(e.to_string()),
        },
    );
    let big = http.send(OutboundRequest::get(format!("{sandbox}/_contract/bytes/5000"), 1000)).await;
    report.record(
        S,
        "body over the cap is TooLarge",
        match big {
            Err(e) => ensure(e.kind == PortErrorKind::TooLarge, || format!("kind {:?}", e.kind)),
            Ok(r) => Err(format!("accepted {} bytes", r.body.len())),
        },
    );
    let missing = http.send(OutboundRequest::get(format!("{sandbox}/_contract/nothing-here"), 1000)).await;
    report.record(
        S,
        "404 is an answer, not an error",
        match missing {
            Ok(r) => ensure(r.status == 404, || format!("status {}", r.status)),
            Err(e) => Err(e.to_string()),
        },
    );
    let down = http.send(OutboundRequest::get(format!("{UNREACHABLE}/"), 1000)).await;
    report.record(
        S,
        "unreachable host is Unavailable",
        match down {
            Err(e) => ensure(e.kind == PortErrorKind::Unavailable, || format!("kind {:?}", e.kind)),
            Ok(r) => Err(format!("status {}", r.status)),
        },
    );
}
