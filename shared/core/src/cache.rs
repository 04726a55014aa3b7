//! The catalog's read cache in two levels, for what the storefront and the WhatsApp assistant
//! read over and over (a product by code, a seller's published list, a seller's settings):
//! isolate memory first, then KV, then SQL.
//!
//! Keys carry the seller's catalog version (`storefronts.catalog_version`, bumped in the batch
//! of every product or settings write), so an entry never goes stale: a write makes new keys,
//! and the old ones age out (KV TTL, memory eviction). The version itself is read from SQL, and
//! remembered in this isolate for at most [`VERSION_TTL_MS`]: a write made in this isolate
//! forgets it at once ([`forget`]); another isolate serves the previous version for at most that
//! long. The seller's own API reads never come from here. Job status, dedupe, counters, and
//! anything a decision depends on never come from KV.

use crate::error::ApiResult;
use crate::ports::{Kv, Sql, System};
use crate::products::ProductView;
use crate::storefront::{self, StorefrontView};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};

/// How long an isolate trusts the catalog version it read.
pub const VERSION_TTL_MS: i64 = 5_000;
/// How long KV keeps an entry (keys are versioned: this only bounds storage).
pub const KV_TTL_SECONDS: u64 = 24 * 3600;
/// Entries kept in isolate memory (oldest dropped first).
pub const MEMORY_ENTRIES: usize = 512;

/// Where a read was answered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Memory,
    Kv,
    Sql,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::Memory => "memory",
            Tier::Kv => "kv",
            Tier::Sql => "sql",
        }
    }
}

#[derive(Default)]
struct Memory {
    entries: HashMap<String, Vec<u8>>,
    order: VecDeque<String>,
    versions: HashMap<String, (i64, i64)>,
    /// Bumped by [`forget`]: a version read that raced a write in this isolate is not kept.
    forgotten: HashMap<String, u64>,
}

thread_local! {
    static MEMORY: RefCell<Memory> = RefCell::new(Memory::default());
}

fn memory_get(key: &str) -> Option<Vec<u8>> {
    MEMORY.with(|m| m.borrow().entries.get(key).cloned())
}

fn memory_put(key: &str, value: &[u8]) {
    MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        if m.entries.insert(key.to_owned(), value.to_vec()).is_none() {
            m.order.push_back(key.to_owned());
        }
        while m.order.len() > MEMORY_ENTRIES {
            if let Some(old) = m.order.pop_front() {
                m.entries.remove(&old);
            }
        }
    });
}

/// Forgets this isolate's copy of the seller's catalog version: called after the seller's writes.
pub fn forget(seller_id: &str) {
    MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        m.versions.remove(seller_id);
        *m.forgotten.entry(seller_id.to_owned()).or_insert(0) += 1;
    });
}

/// Empties this isolate's memory level (tests and the benchmark's KV column).
pub fn clear_memory() {
    MEMORY.with(|m| *m.borrow_mut() = Memory::default());
}

async fn version(sql: &impl Sql, sys: &impl System, seller_id: &str) -> ApiResult<i64> {
    let now = sys.now_ms();
    if let Some((v, at)) = MEMORY.with(|m| m.borrow().versions.get(seller_id).copied())
        && now - at < VERSION_TTL_MS
        && now >= at
    {
        return Ok(v);
    }
    let generation = |m: &Memory| m.forgotten.get(seller_id).copied().unwrap_or(0);
    let before = MEMORY.with(|m| generation(&m.borrow()));
    let v = storefront::catalog_version(sql, seller_id).await?;
    MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        // A write in this isolate while the version was being read: it may be older than the
        // write, so it is used for this read only.
        if generation(&m) == before {
            m.versions.insert(seller_id.to_owned(), (v, now));
        }
    });
    Ok(v)
}

/// Memory, then KV, then `load` (SQL); what `load` finds is written to both levels. A KV fault
/// is not an error: the read falls through to SQL. A miss is remembered only under versioned
/// keys (`keep_missing`): an unversioned key (a code's owner) may come to exist later.
async fn read<T, F>(kv: &impl Kv, key: &str, keep_missing: bool, load: F) -> ApiResult<(Option<T>, Tier)>
where
    T: Serialize + DeserializeOwned,
    F: AsyncFnOnce() -> ApiResult<Option<T>>,
{
    if let Some(bytes) = memory_get(key)
        && let Ok(v) = serde_json::from_slice::<Option<T>>(&bytes)
    {
        return Ok((v, Tier::Memory));
    }
    if let Ok(Some(bytes)) = kv.get(key).await
        && let Ok(v) = serde_json::from_slice::<Option<T>>(&bytes)
    {
        memory_put(key, &bytes);
        return Ok((v, Tier::Kv));
    }
    let v = load().await?;
    if v.is_none() && !keep_missing {
        return Ok((None, Tier::Sql));
    }
    let bytes = serde_json::to_vec(&v)?;
    memory_put(key, &bytes);
    let _ = kv.put(key, &bytes, Some(KV_TTL_SECONDS)).await;
    Ok((v, Tier::Sql))
}

/// A published product by its public code, with its seller's id.
pub async fn product_by_code(
    sql: &impl Sql,
    kv: &impl Kv,
    sys: &impl System,
    code: &str,
) -> ApiResult<(Option<(String, ProductView)>, Tier)> {
    if !crate::products::is_code(code) {
        return Ok((None, Tier::Memory));
    }
    // A code never moves to another seller: its owner is cached without a version.
    let (owner, owner_tier) = read(kv, &format!("code/{code}"), false, async || {
        Ok(crate::products::by_code(sql, code).await?.map(|(seller, _)| seller))
    })
    .await?;
    let Some(seller_id) = owner else { return Ok((None, owner_tier)) };
    let v = version(sql, sys, &seller_id).await?;
    let (product, tier) = read(kv, &format!("cat/{seller_id}/{v}/p/{code}"), true, async || {
        Ok(crate::products::by_code(sql, code)
            .await?
            .map(|(_, p)| p)
            .filter(|p| p.status == crate::products::PUBLISHED))
    })
    .await?;
    Ok((product.map(|p| (seller_id, p)), tier))
}

/// A seller's public settings and published products (newest first, at most `PUBLIC_LIST`).
pub async fn storefront(
    sql: &impl Sql,
    kv: &impl Kv,
    sys: &impl System,
    seller_id: &str,
) -> ApiResult<(Option<PublicStore>, Tier)> {
    let v = version(sql, sys, seller_id).await?;
    read(kv, &format!("cat/{seller_id}/{v}/store"), true, async || {
        let seller = crate::accounts::SellerId(seller_id.to_owned());
        let settings = storefront::get(sql, &seller).await?;
        let page = crate::products::search::search(
            sql,
            &seller,
            crate::products::search::SearchQuery {
                status: Some(crate::products::PUBLISHED.to_owned()),
                limit: Some(PUBLIC_LIST),
                ..Default::default()
            },
        )
        .await?;
        Ok(Some(PublicStore { settings, products: page.items }))
    })
    .await
}

/// A seller's public settings.
pub async fn settings(
    sql: &impl Sql,
    kv: &impl Kv,
    sys: &impl System,
    seller_id: &str,
) -> ApiResult<(Option<StorefrontView>, Tier)> {
    let v = version(sql, sys, seller_id).await?;
    read(kv, &format!("cat/{seller_id}/{v}/settings"), true, async || {
        Ok(Some(storefront::get(sql, &crate::accounts::SellerId(seller_id.to_owned())).await?))
    })
    .await
}

/// A rendered page of the seller's (`kind`: `store`, `product`, a feed), one entry per `variant`
/// (the origin, the browser kind, the path and query), under catalog version `v`, which the
/// caller read from SQL with the seller (`pages::seller_of`): a page is never older than the
/// seller's last write. A page that does not exist is not remembered: made-up slugs must not
/// fill KV.
pub async fn html<F>(
    kv: &impl Kv,
    seller_id: &str,
    v: i64,
    kind: &str,
    variant: &str,
    render: F,
) -> ApiResult<(Option<String>, Tier)>
where
    F: AsyncFnOnce() -> ApiResult<Option<String>>,
{
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(variant.as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    read(kv, &format!("cat/{seller_id}/{v}/html/{kind}/{hex}"), false, render).await
}

pub const PUBLIC_LIST: u32 = 100;

#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct PublicStore {
    pub settings: StorefrontView,
    pub products: Vec<ProductView>,
}
