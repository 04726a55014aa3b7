//! A black-box client for the running hub: `LINKHUB_URL` and `SANDBOX_URL` come from scripts/e2e.sh.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/tiktok");
pub const PHOTOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/photos");

/// A real JPEG grown to at least `size` bytes with APP15 metadata segments after its start
/// marker, as camera files carry EXIF, XMP and previews: still one valid image.
pub fn padded_jpeg(jpeg: &[u8], size: usize) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8], "a JPEG");
    let mut out = jpeg[..2].to_vec();
    while out.len() + jpeg.len() < size {
        let payload = 65_000usize;
        out.extend_from_slice(&[0xFF, 0xEF]);
        out.extend_from_slice(&u16::try_from(payload + 2).unwrap().to_be_bytes());
        out.extend(std::iter::repeat_n(b'x', payload));
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

pub struct Hub {
    pub base: String,
    pub sandbox: String,
    agent: ureq::Agent,
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or("<none>").to_owned()
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A unique suffix per call, so tests can run in parallel against one persistent stack.
pub fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros();
    format!("{prefix}{}{n}", t % 10_000_000_000)
}

impl Hub {
    pub fn from_env() -> Self {
        let base = std::env::var("LINKHUB_URL").expect("LINKHUB_URL: run through scripts/e2e.sh (make test)");
        let sandbox = std::env::var("SANDBOX_URL").expect("SANDBOX_URL: run through scripts/e2e.sh (make test)");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Self { base, sandbox, agent }
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut b = ureq::http::Request::builder().method(method).uri(format!("{}{path}", self.base));
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let has_body = body.is_some();
        if has_body && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
            b = b.header("content-type", "application/json");
        }
        let req = b.body(body.unwrap_or_default()).unwrap();
        let resp = self.agent.run(req).unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let headers =
            resp.headers().iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned())).collect();
        let body = resp.into_body().with_config().limit(50 * 1024 * 1024).read_to_vec().unwrap();
        Reply { status, headers, body }
    }

    /// A call to the sandbox itself (`/_sandbox/...`): what it was sent, how to misbehave.
    pub fn sandbox_call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let b = ureq::http::Request::builder().method(method).uri(format!("{}{path}", self.sandbox));
        let req =
            b.header("content-type", "application/json").body(body.map(Value::to_string).unwrap_or_default()).unwrap();
        let resp = self.agent.run(req).unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert_eq!(resp.status().as_u16(), 200, "{method} {path}");
        let body = resp.into_body().with_config().limit(50 * 1024 * 1024).read_to_vec().unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request("GET", path, token, &[], None)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.request("POST", path, token, &[], Some(body.to_string().into_bytes()))
    }

    /// Signs up a fresh seller and returns (token, seller id).
    pub fn seller(&self) -> (String, String) {
        let handle = unique("s");
        let r = self.post(
            "/api/v1/auth/signup",
            None,
            &json!({"email": format!("{handle}@example.com"), "password": "correct horse battery", "handle": handle}),
        );
        assert_eq!(r.status, 201, "signup: {}", String::from_utf8_lossy(&r.body));
        let v = r.json();
        (v["token"].as_str().unwrap().to_owned(), v["seller"]["id"].as_str().unwrap().to_owned())
    }

    pub fn submit(&self, token: &str, url: &str) -> Reply {
        self.post("/api/v1/ingestion/tiktok-link", Some(token), &json!({ "url": url }))
    }

    /// Polls a job until `done` holds or the deadline passes (no fixed sleeps).
    pub fn wait_job(&self, token: &str, job_id: &str, deadline: Duration, done: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let r = self.get(&format!("/api/v1/ingestion/jobs/{job_id}"), Some(token));
            assert_eq!(r.status, 200, "job {job_id}: {}", String::from_utf8_lossy(&r.body));
            let job = r.json();
            if done(&job) {
                return job;
            }
            assert!(start.elapsed() < deadline, "job {job_id} did not settle in {deadline:?}: {job:#}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits until the metadata stage is done or the job failed. The later stages may already
    /// have run by then (the job `ready`): how soon depends on the platform's queue or drain.
    pub fn wait_settled(&self, token: &str, job_id: &str) -> Value {
        self.wait_job(token, job_id, Duration::from_secs(60), |j| {
            j["stages"]["metadata"]["state"] == "done" || j["status"] == "failed"
        })
    }
}

pub fn video_url(id: &str) -> String {
    format!("https://www.tiktok.com/@e2e.shop/video/{id}")
}

/// The metadata stage finished for this job (which may have moved on to `ready` since).
pub fn assert_metadata_done(job: &Value) {
    assert_eq!(job["stages"]["metadata"]["state"], "done", "{job:#}");
    assert!(job["status"] == "metadata_ready" || job["status"] == "ready", "{job:#}");
}

/// The `linkhub` command as built by `make test`.
pub fn cli() -> std::process::Command {
    let bin = std::env::var("LINKHUB_BIN")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/debug/linkhub").to_owned());
    std::process::Command::new(bin)
}
