//! `TestApp`: the gateway, ingest and media routers and every stage over native ports (real
//! SQLite, memory KV/blobs/queue, ureq) against an in-process sandbox, stepped deterministically.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod wa;

use linkhub_core::api::gateway::{self, Action, GatewayDeps, Service};
use linkhub_core::api::ingest::{self, IngestDeps};
use linkhub_core::api::media;
use linkhub_core::api::pages::{self, PagesDeps};
use linkhub_core::api::products::{self, ProductsDeps};
use linkhub_core::api::whatsapp;
use linkhub_core::config::Config;
use linkhub_core::outbox::Outbox;
use linkhub_core::ports::Topic;
use linkhub_core::stages::{StageOutcome, analysis, dead_letter, metadata, thumbnail};
use linkhub_core::whatsapp::send::SendDeps;
use linkhub_testkit::{MemoryBlobs, MemoryKv, MemoryQueue, SqliteSql, TestSystem, UreqHttp, block_on};
use serde_json::{Value, json};
use std::sync::OnceLock;

pub fn sandbox() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        linkhub_sandbox::start("127.0.0.1:0", linkhub_sandbox::default_fixtures(), None).unwrap().base_url
    })
}

pub struct TestApp {
    pub sql: SqliteSql,
    pub kv: MemoryKv,
    pub blobs: MemoryBlobs,
    pub queue: MemoryQueue,
    pub http: UreqHttp,
    pub sys: TestSystem,
    pub cfg: Config,
    /// Spin's way: stage messages go to the SQL outbox instead of the in-memory queue.
    pub outbox: bool,
}

pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or("").to_owned()
    }
}

pub const T0: i64 = 1_790_000_000_000;
/// The app secret TestApp's WhatsApp webhook checks signatures with.
pub const WHATSAPP_APP_SECRET: &str = "test-app-secret";

impl TestApp {
    pub fn new() -> Self {
        Self::with_config(&[])
    }

    pub fn with_config(extra: &[(&str, &str)]) -> Self {
        let base = sandbox().to_owned();
        let mut vars: Vec<(String, String)> = vec![
            ("JWT_SECRET".into(), "test-secret-test-secret-test-secret".into()),
            ("TIKTOK_OEMBED_URL".into(), format!("{base}/oembed")),
            ("TIKTOK_WEB_BASE".into(), base.clone()),
            ("OUTBOUND_ALLOWED_ORIGINS".into(), base),
            ("RETRY_BASE_DELAY_SECONDS".into(), "2".into()),
            ("RETRY_MAX_DELAY_SECONDS".into(), "30".into()),
            ("WHATSAPP_APP_SECRET".into(), WHATSAPP_APP_SECRET.into()),
            ("WHATSAPP_VERIFY_TOKEN".into(), "verify-me".into()),
            ("DATA_ENCRYPTION_KEY".into(), "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into()),
            ("WHATSAPP_GRAPH_URL".into(), sandbox().to_owned()),
        ];
        // Later entries win: a test's own settings override these.
        vars.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let cfg = Config::load_all(|name| vars.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone())).unwrap();
        Self {
            sql: SqliteSql::in_memory().unwrap(),
            kv: MemoryKv::default(),
            blobs: MemoryBlobs::default(),
            queue: MemoryQueue::default(),
            http: UreqHttp::default(),
            sys: TestSystem::at(T0),
            cfg,
            outbox: false,
        }
    }

    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Reply {
        self.call_raw(method, path, token, headers, body.map(|v| v.to_string().into_bytes()).unwrap_or_default())
    }

    /// A request with any body (an image upload), through the gateway as `call` sends it.
    pub fn call_raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Reply {
        let mut b = http::Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let req = b.body(body).unwrap();
        // As on Cloudflare, whose edge sets this header for every request.
        let client = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("cf-connecting-ip")).map(|(_, v)| *v);
        let deps = GatewayDeps { sql: &self.sql, kv: &self.kv, sys: &self.sys, cfg: &self.cfg, client };
        let (ctx, action) = block_on(gateway::route(&deps, req));
        let resp = match action {
            Action::Respond(r) => r,
            Action::Forward(Service::Storefront, r) => {
                let deps = PagesDeps { sql: &self.sql, kv: &self.kv, sys: &self.sys };
                block_on(pages::handle(&deps, r))
            }
            Action::Forward(Service::Media, r) => block_on(media::serve(&self.sql, &self.blobs, &self.sys, &r)),
            Action::Forward(Service::Ingest, r) if self.outbox => {
                let queue = Outbox { sql: &self.sql, sys: &self.sys };
                let deps = IngestDeps { sql: &self.sql, blobs: &self.blobs, queue: &queue, sys: &self.sys };
                block_on(ingest::handle(&deps, r))
            }
            Action::Forward(Service::Products, r) if self.outbox => {
                let queue = Outbox { sql: &self.sql, sys: &self.sys };
                let deps =
                    ProductsDeps { sql: &self.sql, kv: &self.kv, blobs: &self.blobs, queue: &queue, sys: &self.sys };
                block_on(products::handle(&deps, r))
            }
            Action::Forward(Service::Products, r) => {
                let deps = ProductsDeps {
                    sql: &self.sql,
                    kv: &self.kv,
                    blobs: &self.blobs,
                    queue: &self.queue,
                    sys: &self.sys,
                };
                block_on(products::handle(&deps, r))
            }
            Action::Forward(Service::Ingest, r) => {
                let deps = IngestDeps { sql: &self.sql, blobs: &self.blobs, queue: &self.queue, sys: &self.sys };
                block_on(ingest::handle(&deps, r))
            }
            Action::Forward(Service::Whatsapp, r) if self.outbox => {
                let queue = Outbox { sql: &self.sql, sys: &self.sys };
                block_on(whatsapp::handle(&self.whatsapp_deps(&queue), r))
            }
            Action::Forward(Service::Whatsapp, r) => block_on(whatsapp::handle(&self.whatsapp_deps(&self.queue), r)),
            Action::Forward(other, _) => panic!("the gateway forwarded to {other:?}, which serves no public route"),
        };
        let resp = gateway::finish(&self.sys, &self.cfg, &ctx, resp);
        let (parts, body) = resp.into_parts();
        Reply { status: parts.status.as_u16(), headers: parts.headers, body }
    }

    pub fn whatsapp_deps<'a, Q>(
        &'a self,
        queue: &'a Q,
    ) -> whatsapp::WhatsappDeps<'a, SqliteSql, MemoryBlobs, Q, UreqHttp, TestSystem> {
        whatsapp::WhatsappDeps {
            sql: &self.sql,
            blobs: &self.blobs,
            queue,
            http: &self.http,
            sys: &self.sys,
            cfg: &self.cfg,
        }
    }

    /// Runs the WhatsApp consumer over every queued delivery reference.
    pub fn step_whatsapp(&self) -> Vec<StageOutcome> {
        let messages = self.queue.take(Topic::Whatsapp);
        messages
            .iter()
            .map(|body| {
                block_on(linkhub_core::whatsapp::webhook::process(
                    &self.sql,
                    &self.blobs,
                    &self.queue,
                    &self.sys,
                    &self.cfg,
                    body,
                ))
            })
            .collect()
    }

    pub fn send_deps(&self) -> SendDeps<'_, SqliteSql, MemoryKv, MemoryBlobs, MemoryQueue, UreqHttp, TestSystem> {
        SendDeps {
            sql: &self.sql,
            kv: &self.kv,
            blobs: &self.blobs,
            queue: &self.queue,
            http: &self.http,
            sys: &self.sys,
            cfg: &self.cfg,
        }
    }

    /// Runs the WhatsApp sender over every queued send job (jobs it puts back wait for the next
    /// call), returning each job with its outcome.
    pub fn step_whatsapp_send(&self) -> Vec<(String, StageOutcome)> {
        let jobs = self.queue.take(Topic::WhatsappSend);
        jobs.into_iter()
            .map(|body| {
                let outcome = block_on(linkhub_core::whatsapp::send::process(&self.send_deps(), &body));
                (body, outcome)
            })
            .collect()
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.call("POST", path, token, &[], Some(body))
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call("GET", path, token, &[], None)
    }

    pub fn signup(&self, handle: &str) -> String {
        let r = self.post(
            "/api/v1/auth/signup",
            None,
            &json!({"email": format!("{handle}@example.com"), "password": "long enough pw", "handle": handle}),
        );
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        r.json()["token"].as_str().unwrap().to_owned()
    }

    /// Submits a link and returns the job id.
    pub fn submit_job(&self, token: &str, url: &str) -> String {
        self.submit(token, url).json()["job_id"].as_str().unwrap().to_owned()
    }

    pub fn submit(&self, token: &str, url: &str) -> Reply {
        self.post("/api/v1/ingestion/tiktok-link", Some(token), &json!({ "url": url }))
    }

    pub fn job(&self, token: &str, id: &str) -> Value {
        self.get(&format!("/api/v1/ingestion/jobs/{id}"), Some(token)).json()
    }

    /// Takes every queued metadata message and processes it once.
    pub fn step_metadata(&self) -> Vec<(String, StageOutcome)> {
        self.queue.take(Topic::Metadata).into_iter().map(|m| (m.clone(), self.process_metadata(&m))).collect()
    }

    /// Processes one message, as a redelivery would.
    pub fn process_metadata(&self, body: &str) -> StageOutcome {
        let deps = metadata::MetadataDeps {
            sql: &self.sql,
            blobs: &self.blobs,
            queue: &self.queue,
            http: &self.http,
            kv: &self.kv,
            sys: &self.sys,
            cfg: &self.cfg,
        };
        block_on(metadata::process(&deps, body))
    }

    /// Takes every queued message of an analysis stage and processes it once.
    pub fn step_stage(&self, which: analysis::Which) -> Vec<(String, StageOutcome)> {
        let topic = match which {
            analysis::Which::Caption => Topic::Caption,
            analysis::Which::Tagging => Topic::Tagging,
        };
        self.queue.take(topic).into_iter().map(|m| (m.clone(), self.process_stage(which, &m))).collect()
    }

    pub fn analysis_deps(&self) -> analysis::AnalysisDeps<'_, SqliteSql, MemoryQueue, TestSystem> {
        analysis::AnalysisDeps { sql: &self.sql, queue: &self.queue, sys: &self.sys, cfg: &self.cfg }
    }

    pub fn process_stage(&self, which: analysis::Which, body: &str) -> StageOutcome {
        block_on(analysis::process(&self.analysis_deps(), which, body))
    }

    pub fn dead_letter_stage(&self, which: analysis::Which, body: &str) -> StageOutcome {
        block_on(analysis::dead_letter(&self.analysis_deps(), which, body))
    }

    /// Takes every queued thumbnail message and processes it once.
    pub fn step_thumbnail(&self) -> Vec<(String, StageOutcome)> {
        self.queue.take(Topic::Thumbnail).into_iter().map(|m| (m.clone(), self.process_thumbnail(&m))).collect()
    }

    pub fn process_thumbnail(&self, body: &str) -> StageOutcome {
        let deps = thumbnail::ThumbnailDeps { sql: &self.sql, blobs: &self.blobs, sys: &self.sys, cfg: &self.cfg };
        block_on(thumbnail::process(&deps, body))
    }

    pub fn dead_letter_thumbnail(&self, body: &str) -> StageOutcome {
        block_on(thumbnail::dead_letter(&self.sql, &self.sys, &self.cfg, body))
    }

    /// Runs every stage after metadata once (the caption stage starts the other two).
    pub fn step_all_stages(&self) {
        self.step_stage(analysis::Which::Caption);
        self.step_stage(analysis::Which::Tagging);
        self.step_thumbnail();
    }

    /// Takes every queued import message and runs it once; returns the outcomes.
    pub fn step_imports(&self) -> Vec<StageOutcome> {
        let deps = linkhub_core::imports::ImportDeps { sql: &self.sql, queue: &self.queue, sys: &self.sys };
        let messages = self.queue.take(Topic::Import);
        messages.iter().map(|m| block_on(linkhub_core::imports::process(&deps, m))).collect()
    }

    pub fn dead_letter(&self, body: &str) -> StageOutcome {
        block_on(dead_letter::process(&self.sql, &self.sys, body)).unwrap()
    }
}
