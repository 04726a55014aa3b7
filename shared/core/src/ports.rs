//! Ports: the small traits through which the core reaches storage, queues, the network and the
//! system. Each platform (Cloudflare, Spin, native) implements them in its own crate; the contract
//! suites in `linkhub-contract` pin down the behaviour every implementation must share.
//!
//! The traits are single-threaded async traits on purpose: wasm hosts run one thread and the
//! `worker` crate's futures are not `Send`. Use cases take them as generics.

use serde::Serialize;
use serde_json::{Map, Value};

/// What went wrong inside an adapter, stripped of SDK text that must never reach a response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {detail}")]
pub struct PortError {
    pub kind: PortErrorKind,
    /// For logs only.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PortErrorKind {
    NotFound,
    /// A uniqueness or guard condition failed.
    Conflict,
    /// The backing service is down, timed out or refused; worth retrying.
    Unavailable,
    /// The payload exceeds a limit of the store or of the request.
    TooLarge,
    /// The request to the port was malformed (bad SQL, bad key).
    Invalid,
    /// The destination is not on the outbound allow-list.
    Forbidden,
}

impl PortError {
    pub fn new(kind: PortErrorKind, detail: impl Into<String>) -> Self {
        Self { kind, detail: detail.into() }
    }
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(PortErrorKind::Unavailable, detail)
    }
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::new(PortErrorKind::Invalid, detail)
    }
}

// ---------------------------------------------------------------------------------------------
// SQL (D1, Spin SQLite, rusqlite): SQLite dialect everywhere, so queries are written once.

#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        SqlValue::Text(v.to_owned())
    }
}
impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        SqlValue::Text(v)
    }
}
impl From<&String> for SqlValue {
    fn from(v: &String) -> Self {
        SqlValue::Text(v.clone())
    }
}
impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        SqlValue::Int(v)
    }
}
impl From<u32> for SqlValue {
    fn from(v: u32) -> Self {
        SqlValue::Int(i64::from(v))
    }
}
impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(SqlValue::Null, Into::into)
    }
}

/// One statement with positional `?` parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub sql: String,
    pub params: Vec<SqlValue>,
}

impl Stmt {
    pub fn new(sql: impl Into<String>) -> Self {
        Self { sql: sql.into(), params: Vec::new() }
    }
    pub fn bind(mut self, v: impl Into<SqlValue>) -> Self {
        self.params.push(v.into());
        self
    }
}

/// A row as column name -> JSON value (integers as numbers, text as strings, NULL as null).
pub type Row = Map<String, Value>;

pub trait Sql {
    /// Runs a statement that returns rows (SELECT, or anything with RETURNING).
    async fn query(&self, stmt: Stmt) -> Result<Vec<Row>, PortError>;
    /// Runs a statement and returns how many rows it changed. A UNIQUE violation is `Conflict`.
    async fn execute(&self, stmt: Stmt) -> Result<u64, PortError>;
    /// Runs statements atomically, in order: all take effect or none does.
    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<u64>, PortError>;
}

// ---------------------------------------------------------------------------------------------
// Key-value (Workers KV, Spin key-value, memory): small, eventually consistent state.

pub trait Kv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError>;
    /// `ttl_seconds`, when given, is at least 60 (the Workers KV minimum).
    async fn put(&self, key: &str, value: &[u8], ttl_seconds: Option<u64>) -> Result<(), PortError>;
    async fn delete(&self, key: &str) -> Result<(), PortError>;
}

// ---------------------------------------------------------------------------------------------
// Objects (R2, temp dir, memory).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

pub trait Blobs {
    async fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), PortError>;
    async fn get(&self, key: &str) -> Result<Option<Blob>, PortError>;
    async fn delete(&self, key: &str) -> Result<(), PortError>;
}

// ---------------------------------------------------------------------------------------------
// Queues (Cloudflare Queues, outbox on Spin, in-process natively).

/// The queues the hub uses. Each platform maps a topic to its own binding or table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Topic {
    Metadata,
    Caption,
    Thumbnail,
    Tagging,
    /// Bulk imports: one message works through a few rows, then sends itself again.
    Import,
    /// WhatsApp webhook deliveries: a reference to the body kept in the blob store.
    Whatsapp,
    /// Calls the WhatsApp sender makes to Graph: messages and read receipts.
    WhatsappSend,
}

impl Topic {
    pub const ALL: [Topic; 7] = [
        Topic::Metadata,
        Topic::Caption,
        Topic::Thumbnail,
        Topic::Tagging,
        Topic::Import,
        Topic::Whatsapp,
        Topic::WhatsappSend,
    ];
    pub fn from_name(name: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.name() == name)
    }
    pub fn name(self) -> &'static str {
        match self {
            Topic::Metadata => "metadata",
            Topic::Caption => "caption",
            Topic::Thumbnail => "thumbnail",
            Topic::Tagging => "tagging",
            Topic::Import => "import",
            Topic::Whatsapp => "whatsapp",
            Topic::WhatsappSend => "whatsapp-send",
        }
    }
}

/// Largest message body any platform accepts (Cloudflare Queues: 128 KB).
pub const MAX_QUEUE_MESSAGE_BYTES: usize = 128 * 1024;

/// Longest delivery delay any platform accepts (Cloudflare Queues: 12 hours).
pub const MAX_QUEUE_DELAY_SECONDS: u32 = 12 * 3600;

pub trait Queue {
    /// Sends one message: a JSON text owned by the core, so every platform carries the same bytes.
    async fn send(&self, topic: Topic, body: &str) -> Result<(), PortError> {
        self.send_after(topic, body, 0).await
    }
    /// Sends one message that is delivered no sooner than `delay_seconds` from now (capped at
    /// [`MAX_QUEUE_DELAY_SECONDS`]).
    async fn send_after(&self, topic: Topic, body: &str, delay_seconds: u32) -> Result<(), PortError>;
}

// ---------------------------------------------------------------------------------------------
// Outbound HTTP (Fetch, Spin outbound, ureq). Redirects are never followed by the adapter.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    pub method: http::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The adapter stops reading after this many bytes and answers `TooLarge`.
    pub max_response_bytes: usize,
}

impl OutboundRequest {
    pub fn get(url: impl Into<String>, max_response_bytes: usize) -> Self {
        Self { method: http::Method::GET, url: url.into(), headers: Vec::new(), body: Vec::new(), max_response_bytes }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl OutboundResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

pub trait Http {
    /// Sends the request without following redirects. Network failures are `Unavailable`;
    /// a body over `max_response_bytes` is `TooLarge`.
    async fn send(&self, req: OutboundRequest) -> Result<OutboundResponse, PortError>;
}

// ---------------------------------------------------------------------------------------------
// Clock, randomness and logs.

pub trait System {
    fn now_ms(&self) -> i64;
    fn fill_random(&self, buf: &mut [u8]) -> Result<(), PortError>;
    /// Writes one structured log line (already JSON).
    fn log(&self, line: &str);
}

impl<T: Sql> Sql for &T {
    async fn query(&self, stmt: Stmt) -> Result<Vec<Row>, PortError> {
        (**self).query(stmt).await
    }
    async fn execute(&self, stmt: Stmt) -> Result<u64, PortError> {
        (**self).execute(stmt).await
    }
    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<u64>, PortError> {
        (**self).batch(stmts).await
    }
}
