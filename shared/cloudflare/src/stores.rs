use crate::convert::{Capped, read_capped};
use linkhub_core::ports::{
    Blob, Blobs, Http, Kv, MAX_QUEUE_DELAY_SECONDS, MAX_QUEUE_MESSAGE_BYTES, OutboundRequest, OutboundResponse,
    PortError, PortErrorKind, Queue, Row, Sql, SqlValue, Stmt, System, Topic,
};
use wasm_bindgen::{JsCast, JsValue};
use worker::{
    Bucket, D1Database, D1PreparedStatement, Env, Fetch, Headers, HttpMetadata, MessageBuilder, Method, Request,
    RequestInit, RequestRedirect, kv::KvStore,
};

use crate::bindings;

fn classify(detail: String) -> PortError {
    let lower = detail.to_ascii_lowercase();
    let kind = if lower.contains("constraint failed") {
        PortErrorKind::Conflict
    } else if lower.contains("no such") || lower.contains("syntax error") || lower.contains("sqlite_error") {
        PortErrorKind::Invalid
    } else if lower.contains("too large") || lower.contains("too big") {
        PortErrorKind::TooLarge
    } else {
        PortErrorKind::Unavailable
    };
    PortError::new(kind, detail)
}

fn d1_error(e: worker::Error) -> PortError {
    match e {
        // Not `Display`: worker 0.8.7 formats a missing cause with an unchecked string cast that
        // aborts the isolate.
        worker::Error::D1(d) => classify(js_error_text(d.as_ref())),
        other => classify(other.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------

pub struct D1Sql(pub D1Database);

/// Text of a thrown JS value (D1 throws `Error`s whose message and cause carry SQLite's text).
fn js_error_text(e: &JsValue) -> String {
    match e.dyn_ref::<js_sys::Error>() {
        Some(err) => {
            let cause = err.cause();
            let cause = cause.dyn_ref::<js_sys::Error>().map(|c| String::from(c.message())).unwrap_or_default();
            format!("{} {cause}", String::from(err.message()))
        }
        None => e.as_string().unwrap_or_else(|| format!("{e:?}")),
    }
}

fn js_get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

impl D1Sql {
    fn prepare(&self, stmt: &Stmt) -> Result<D1PreparedStatement, PortError> {
        let params: Vec<JsValue> = stmt
            .params
            .iter()
            .map(|p| match p {
                SqlValue::Null => JsValue::NULL,
                // JS numbers hold integers exactly up to 2^53; ids and timestamps stay well below.
                #[allow(clippy::cast_precision_loss)]
                SqlValue::Int(i) => JsValue::from_f64(*i as f64),
                SqlValue::Real(f) => JsValue::from_f64(*f),
                SqlValue::Text(s) => JsValue::from_str(s),
            })
            .collect();
        self.0.prepare(stmt.sql.as_str()).bind(&params).map_err(d1_error)
    }

    /// Runs `all()` on the raw binding and returns the result object. Rows are read through
    /// `JSON.stringify` rather than serde-wasm-bindgen, whose map access aborted the isolate on
    /// some D1 rows (seen with worker 0.8.7).
    async fn all(&self, stmt: &Stmt) -> Result<JsValue, PortError> {
        let promise = self.prepare(stmt)?.inner().all().map_err(|e| classify(js_error_text(&e)))?;
        wasm_bindgen_futures::JsFuture::from(promise).await.map_err(|e| classify(js_error_text(&e)))
    }
}

fn changes_of(result: &JsValue) -> u64 {
    js_get(&js_get(result, "meta"), "changes").as_f64().map_or(0, |n| n as u64)
}

impl Sql for D1Sql {
    async fn query(&self, stmt: Stmt) -> Result<Vec<Row>, PortError> {
        let result = self.all(&stmt).await?;
        let json = js_sys::JSON::stringify(&js_get(&result, "results"))
            .map(String::from)
            .map_err(|e| classify(js_error_text(&e)))?;
        let rows: Vec<Row> = serde_json::from_str(&json).map_err(|e| PortError::invalid(e.to_string()))?;
        Ok(rows)
    }

    async fn execute(&self, stmt: Stmt) -> Result<u64, PortError> {
        Ok(changes_of(&self.all(&stmt).await?))
    }

    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<u64>, PortError> {
        let prepared = stmts.iter().map(|s| self.prepare(s)).collect::<Result<Vec<_>, _>>()?;
        let results = self.0.batch(prepared).await.map_err(d1_error)?;
        results.iter().map(|r| Ok(r.meta().map_err(d1_error)?.and_then(|m| m.changes).unwrap_or(0) as u64)).collect()
    }
}

// ---------------------------------------------------------------------------------------------

pub struct KvPort(pub KvStore);

impl Kv for KvPort {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        self.0.get(key).bytes().await.map_err(|e| classify(e.to_string()))
    }
    async fn put(&self, key: &str, value: &[u8], ttl_seconds: Option<u64>) -> Result<(), PortError> {
        let mut builder = self.0.put_bytes(key, value).map_err(|e| classify(e.to_string()))?;
        if let Some(ttl) = ttl_seconds {
            builder = builder.expiration_ttl(ttl);
        }
        builder.execute().await.map_err(|e| classify(e.to_string()))
    }
    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.0.delete(key).await.map_err(|e| classify(e.to_string()))
    }
}

// ---------------------------------------------------------------------------------------------

pub struct R2Blobs(pub Bucket);

impl Blobs for R2Blobs {
    async fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), PortError> {
        let meta = HttpMetadata { content_type: Some(content_type.to_owned()), ..Default::default() };
        self.0
            .put(key, bytes.to_vec())
            .http_metadata(meta)
            .execute()
            .await
            .map(|_| ())
            .map_err(|e| classify(e.to_string()))
    }
    async fn get(&self, key: &str) -> Result<Option<Blob>, PortError> {
        let Some(object) = self.0.get(key).execute().await.map_err(|e| classify(e.to_string()))? else {
            return Ok(None);
        };
        let content_type = object.http_metadata().content_type.unwrap_or_else(|| "application/octet-stream".into());
        let bytes = match object.body() {
            Some(body) => body.bytes().await.map_err(|e| classify(e.to_string()))?,
            None => Vec::new(),
        };
        Ok(Some(Blob { bytes, content_type }))
    }
    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.0.delete(key).await.map_err(|e| classify(e.to_string()))
    }
}

// ---------------------------------------------------------------------------------------------

/// The stage queues a function may produce to; a binding it does not have answers `Unavailable`.
pub struct QueuePort<'a>(pub &'a Env);

impl Queue for QueuePort<'_> {
    async fn send_after(&self, topic: Topic, body: &str, delay_seconds: u32) -> Result<(), PortError> {
        if body.len() > MAX_QUEUE_MESSAGE_BYTES {
            return Err(PortError::new(PortErrorKind::TooLarge, "queue message over 128 KB"));
        }
        let binding = match topic {
            Topic::Metadata => bindings::METADATA_QUEUE,
            Topic::Caption => bindings::CAPTION_QUEUE,
            Topic::Thumbnail => bindings::THUMBNAIL_QUEUE,
            Topic::Tagging => bindings::TAGGING_QUEUE,
            Topic::Import => bindings::IMPORT_QUEUE,
            Topic::Whatsapp => bindings::WHATSAPP_QUEUE,
            Topic::WhatsappSend => bindings::WHATSAPP_SEND_QUEUE,
        };
        let queue = self.0.queue(binding).map_err(|e| PortError::unavailable(format!("{binding}: {e}")))?;
        // A JS string on the wire: every consumer reads the same JSON text.
        let mut message = MessageBuilder::new(body.to_owned());
        if delay_seconds > 0 {
            message = message.delay_seconds(delay_seconds.min(MAX_QUEUE_DELAY_SECONDS));
        }
        queue.send(message.build()).await.map_err(|e| classify(e.to_string()))
    }
}

// ---------------------------------------------------------------------------------------------

pub struct FetchHttp;

impl Http for FetchHttp {
    async fn send(&self, req: OutboundRequest) -> Result<OutboundResponse, PortError> {
        let headers = Headers::new();
        for (k, v) in &req.headers {
            headers.set(k, v).map_err(|e| PortError::invalid(e.to_string()))?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::from(req.method.as_str().to_owned()))
            .with_headers(headers)
            .with_redirect(RequestRedirect::Manual);
        if !req.body.is_empty() {
            init.with_body(Some(js_sys::Uint8Array::from(req.body.as_slice()).into()));
        }
        let request = Request::new_with_init(&req.url, &init).map_err(|e| PortError::invalid(e.to_string()))?;
        let mut resp = Fetch::Request(request).send().await.map_err(|e| PortError::unavailable(e.to_string()))?;
        let status = resp.status_code();
        let headers: Vec<(String, String)> =
            resp.headers().entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
        let declared = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > req.max_response_bytes) {
            return Err(PortError::new(PortErrorKind::TooLarge, "declared length over the cap"));
        }
        let body = match resp.stream() {
            Ok(stream) => read_capped(stream, req.max_response_bytes).await.map_err(|e| match e {
                Capped::Over => PortError::new(PortErrorKind::TooLarge, "response over the cap"),
                Capped::Failed(e) => PortError::unavailable(e),
            })?,
            Err(_) => Vec::new(),
        };
        Ok(OutboundResponse { status, headers, body })
    }
}

// ---------------------------------------------------------------------------------------------

pub struct WorkerSystem;

impl System for WorkerSystem {
    #[allow(clippy::cast_possible_truncation)]
    fn now_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }
    fn fill_random(&self, buf: &mut [u8]) -> Result<(), PortError> {
        getrandom::fill(buf).map_err(|e| PortError::unavailable(e.to_string()))
    }
    fn log(&self, line: &str) {
        worker::console_log!("{line}");
    }
}
