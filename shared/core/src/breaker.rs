//! The circuit breaker in front of a third party: TikTok (one breaker, [`KEY`]) and Meta's
//! Graph (one per sending phone number, [`whatsapp_key`]). When the other side is failing, every
//! message that calls it would fail too, burn one of its attempts and end dead-lettered; the
//! breaker stops calling instead, and the caller puts its messages back for later without
//! counting an attempt.
//!
//! - **Opens** after [`CONSECUTIVE`] failed calls in a row, or when at least half of the last
//!   [`MIN_CALLS`] or more calls within [`WINDOW_MS`] failed, for [`OPEN_MS`].
//! - **Half-open** after that: one caller probes (others still see it open for [`PROBE_MS`]); a
//!   success closes it, a failure opens it again.
//! - A failure is a network fault or a 429/5xx answer; a 404 or a private video is TikTok
//!   answering, not failing.
//!
//! The open state and the consecutive count are shared through KV ([`KEY`]), so every isolate
//! and every Spin instance backs off together (Workers KV takes up to a minute to reach other
//! locations, so far-away isolates may make a few more calls). KV is read once per stage message,
//! and again before a write; it is written only when the state changes (Workers KV allows one write per second per key; a write refused then
//! is dropped, the next failure writes again). The ratio rule counts within one isolate (a Spin
//! instance serves one request, so there only the consecutive rule applies). A KV fault never
//! stops a call: the breaker is advice, the stage's own retries are the guarantee.

use crate::log::LogCtx;
use crate::ports::{Http, Kv, OutboundRequest, OutboundResponse, PortError, PortErrorKind, System};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};

pub const KEY: &str = "breaker/tiktok";

/// The breaker of one WhatsApp sending number: a number Meta is throttling or failing does not
/// hold back another seller's.
pub fn whatsapp_key(phone_number_id: &str) -> String {
    format!("breaker/whatsapp/{phone_number_id}")
}
pub const CONSECUTIVE: u32 = 5;
pub const WINDOW_MS: i64 = 30_000;
pub const MIN_CALLS: u32 = 10;
pub const OPEN_MS: i64 = 30_000;
pub const PROBE_MS: i64 = 10_000;
/// The shared state outlives an open period, then expires by itself.
const TTL_SECONDS: u64 = 120;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Shared {
    #[serde(default)]
    failures: u32,
    #[serde(default)]
    open_until: i64,
    #[serde(default)]
    probe_until: i64,
}

/// What a caller may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Closed,
    /// This caller is the half-open probe.
    Probe,
    /// Do not call; try again in this many seconds.
    Open {
        retry_after: u32,
    },
}

thread_local! {
    /// This isolate's calls in the current window, per breaker: (window start, calls, failures).
    static WINDOWS: RefCell<std::collections::HashMap<String, (i64, u32, u32)>> = RefCell::default();
}

/// Whether one outbound result counts as the other side failing.
pub fn is_failure(result: &Result<OutboundResponse, PortError>) -> bool {
    match result {
        Ok(resp) => resp.status == 429 || resp.status >= 500,
        Err(e) => e.kind == PortErrorKind::Unavailable,
    }
}

fn seconds_until(at: i64, now: i64) -> u32 {
    u32::try_from(((at - now).max(0) + 999) / 1000).unwrap_or(u32::MAX).max(1)
}

/// One stage run's view of the breaker: read once by [`Breaker::gate`], written on changes.
pub struct Breaker<'a, K, Y> {
    kv: &'a K,
    sys: &'a Y,
    key: String,
    state: RefCell<Shared>,
    probing: Cell<bool>,
}

impl<'a, K: Kv, Y: System> Breaker<'a, K, Y> {
    /// TikTok's breaker.
    pub fn new(kv: &'a K, sys: &'a Y) -> Self {
        Self::keyed(kv, sys, KEY.to_owned())
    }

    /// The breaker kept under `key`.
    pub fn keyed(kv: &'a K, sys: &'a Y, key: String) -> Self {
        Breaker { kv, sys, key, state: RefCell::new(Shared::default()), probing: Cell::new(false) }
    }

    async fn load(&self) -> Shared {
        match self.kv.get(&self.key).await {
            Ok(Some(raw)) => serde_json::from_slice(&raw).unwrap_or_default(),
            _ => Shared::default(),
        }
    }

    async fn store(&self, s: Shared) {
        *self.state.borrow_mut() = s;
        let result = if s == Shared::default() {
            self.kv.delete(&self.key).await
        } else {
            match serde_json::to_vec(&s) {
                Ok(raw) => self.kv.put(&self.key, &raw, Some(TTL_SECONDS)).await,
                Err(e) => Err(PortError::invalid(e.to_string())),
            }
        };
        if let Err(e) = result {
            LogCtx::new("breaker").warn(self.sys, "circuit breaker state not saved", &e.to_string());
        }
    }

    /// Reads the shared state and says whether to call.
    pub async fn gate(&self) -> Gate {
        let s = self.load().await;
        *self.state.borrow_mut() = s;
        let now = self.sys.now_ms();
        if s.open_until > now {
            return Gate::Open { retry_after: seconds_until(s.open_until, now) };
        }
        if s.open_until == 0 {
            return Gate::Closed;
        }
        if s.probe_until > now {
            return Gate::Open { retry_after: seconds_until(s.probe_until, now) };
        }
        self.store(Shared { probe_until: now + PROBE_MS, ..s }).await;
        self.probing.set(true);
        Gate::Probe
    }

    /// Counts one call's result, opening or closing the breaker when it should. Before a write
    /// the shared state is read again, so a run that started before another isolate opened the
    /// breaker does not close it or lower its count with what it read earlier.
    pub async fn record(&self, failed: bool) {
        let now = self.sys.now_ms();
        let (calls, fails) = WINDOWS.with(|w| {
            let mut windows = w.borrow_mut();
            let window = windows.entry(self.key.clone()).or_default();
            let (start, calls, fails) = *window;
            let (start, calls, fails) = if now - start > WINDOW_MS { (now, 0, 0) } else { (start, calls, fails) };
            *window = (start, calls + 1, fails + u32::from(failed));
            (window.1, window.2)
        });
        let probing = self.probing.replace(false);
        if !failed && !probing && *self.state.borrow() == Shared::default() {
            return; // closed and staying closed: no KV traffic
        }
        let current = self.load().await;
        if current.open_until > now {
            *self.state.borrow_mut() = current;
            return; // opened meanwhile, by this run or another: it stays open
        }
        if failed {
            let failures = current.failures + 1;
            if probing || failures >= CONSECUTIVE || (calls >= MIN_CALLS && fails * 2 >= calls) {
                WINDOWS.with(|w| w.borrow_mut().insert(self.key.clone(), (now, 0, 0)));
                self.store(Shared { failures: 0, open_until: now + OPEN_MS, probe_until: 0 }).await;
            } else {
                self.store(Shared { failures, ..current }).await;
            }
        } else if probing || (current.open_until == 0 && current.failures > 0) {
            self.store(Shared::default()).await;
        } else {
            *self.state.borrow_mut() = current;
        }
    }
}

/// An [`Http`] whose every call is counted by the breaker.
pub struct Guarded<'b, 'a, H, K, Y> {
    pub inner: &'b H,
    pub breaker: &'b Breaker<'a, K, Y>,
}

impl<H: Http, K: Kv, Y: System> Http for Guarded<'_, '_, H, K, Y> {
    async fn send(&self, req: OutboundRequest) -> Result<OutboundResponse, PortError> {
        let result = self.inner.send(req).await;
        self.breaker.record(is_failure(&result)).await;
        result
    }
}
