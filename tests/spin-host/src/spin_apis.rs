//! Spin's own interfaces, implemented the way Spin's `spin` store and database types do: each
//! SQLite database label is a SQLite file (one connection per `open`, so a component's
//! transaction is its own), each key-value store label a SQLite file with Spin's
//! `spin_key_value` table, at the places the runtime configuration gives (see
//! [`crate::runtime_config`]). Access is limited to what the component declares in spin.toml
//! (`access-denied` otherwise); variables come from the component's `[component.x.variables]`.

use crate::bindings::spin::key_value::key_value as kv;
use crate::bindings::spin::sqlite::sqlite as sq;
use crate::bindings::spin::variables::variables as vars;
use crate::manifest::ComponentSpec;
use crate::runtime::Ctx;
use crate::runtime_config::{Location, RuntimeConfig};
use rusqlite::types::{Value as SqlValue, ValueRef};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime::component::{Access, Accessor, FutureReader, HasData, Resource, StreamReader};

/// How long a statement waits for another connection's write lock before failing `io(...)`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The host's stores, shared by every instance: one connection per key-value store label, and
/// where each SQLite database label lives.
pub struct Stores {
    kv: BTreeMap<String, Mutex<rusqlite::Connection>>,
    databases: BTreeMap<String, Location>,
}

impl Stores {
    /// Opens every key-value store and creates the directories of every database the runtime
    /// configuration defines.
    pub fn open(config: &RuntimeConfig) -> Result<Arc<Self>, String> {
        let mut kv = BTreeMap::new();
        for (label, location) in &config.key_value_stores {
            let conn = open_key_value(location).map_err(|e| format!("key-value store {label} ({location}): {e}"))?;
            kv.insert(label.clone(), Mutex::new(conn));
        }
        for (label, location) in &config.sqlite_databases {
            if let Location::File(path) = location {
                create_parent(path).map_err(|e| format!("SQLite database {label} ({location}): {e}"))?;
            }
        }
        Ok(Arc::new(Self { kv, databases: config.sqlite_databases.clone() }))
    }

    fn database(&self, label: &str) -> Result<rusqlite::Connection, sq::Error> {
        let io = |e: rusqlite::Error| sq::Error::Io(e.to_string());
        match self.databases.get(label) {
            None => Err(sq::Error::NoSuchDatabase),
            // Spin gives each connection to an in-memory database a new, empty one.
            Some(Location::InMemory) => rusqlite::Connection::open_in_memory().map_err(io),
            Some(Location::File(path)) => connect(path).map_err(io),
        }
    }

    fn kv<R>(&self, store: &str, f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<R>) -> Result<R, kv::Error> {
        let conn = self.kv.get(store).ok_or(kv::Error::NoSuchStore)?;
        let conn = conn.lock().map_err(|_| kv::Error::Other("key-value store lock poisoned".into()))?;
        blocking(|| f(&conn)).map_err(|e| kv::Error::Other(e.to_string()))
    }
}

/// Creates the directory a store or database file goes in, as Spin does.
fn create_parent(path: &Path) -> Result<(), String> {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display())),
        None => Ok(()),
    }
}

/// A key-value store's connection, with Spin's table.
fn open_key_value(location: &Location) -> Result<rusqlite::Connection, String> {
    let conn = match location {
        Location::InMemory => rusqlite::Connection::open_in_memory().map_err(|e| e.to_string())?,
        Location::File(path) => {
            create_parent(path)?;
            connect(path).map_err(|e| e.to_string())?
        }
    };
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS spin_key_value (store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (store, key))",
    )
    .map_err(|e| e.to_string())?;
    Ok(conn)
}

fn connect(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    Ok(conn)
}

/// SQLite calls block; on a multi-threaded runtime this lets other requests go on meanwhile.
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// An open database connection (the `connection` resource).
pub struct SqliteConnection(rusqlite::Connection);

/// An open key-value store (the `store` resource): its label.
pub struct KvStore(String);

/// The `HasData` marker for Spin's interfaces: they see the store's [`Ctx`].
pub struct SpinApis;

impl HasData for SpinApis {
    type Data<'a> = &'a mut Ctx;
}

impl sq::Host for Ctx {}
impl sq::HostConnection for Ctx {}
impl kv::Host for Ctx {}
impl kv::HostStore for Ctx {}
impl vars::Host for Ctx {}

/// Spin's rule: a component opens only the databases its manifest entry lists.
pub fn may_open_database(spec: &ComponentSpec, label: &str) -> Result<(), sq::Error> {
    if spec.sqlite_databases.iter().any(|d| d == label) { Ok(()) } else { Err(sq::Error::AccessDenied) }
}

fn open_database(ctx: &mut Ctx, label: &str) -> wasmtime::Result<Result<Resource<SqliteConnection>, sq::Error>> {
    if let Err(e) = may_open_database(&ctx.component, label) {
        return Ok(Err(e));
    }
    match ctx.stores.database(label) {
        Ok(conn) => Ok(Ok(ctx.table.push(SqliteConnection(conn))?)),
        Err(e) => Ok(Err(e)),
    }
}

fn to_sql(v: sq::Value) -> SqlValue {
    match v {
        sq::Value::Integer(i) => SqlValue::Integer(i),
        sq::Value::Real(f) => SqlValue::Real(f),
        sq::Value::Text(s) => SqlValue::Text(s),
        sq::Value::Blob(b) => SqlValue::Blob(b),
        sq::Value::Null => SqlValue::Null,
    }
}

fn from_sql(v: ValueRef<'_>) -> sq::Value {
    match v {
        ValueRef::Null => sq::Value::Null,
        ValueRef::Integer(i) => sq::Value::Integer(i),
        ValueRef::Real(f) => sq::Value::Real(f),
        ValueRef::Text(t) => sq::Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => sq::Value::Blob(b.to_vec()),
    }
}

/// Runs one statement with its parameters: the column names and every row.
fn run(conn: &rusqlite::Connection, sql: &str, params: Vec<sq::Value>) -> Result<sq::QueryResult, sq::Error> {
    let io = |e: rusqlite::Error| sq::Error::Io(e.to_string());
    blocking(|| {
        let mut stmt = conn.prepare(sql).map_err(io)?;
        let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
        let params = rusqlite::params_from_iter(params.into_iter().map(to_sql));
        let mut rows = stmt.query(params).map_err(io)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(io)? {
            let values =
                (0..columns.len()).map(|i| row.get_ref(i).map(from_sql)).collect::<Result<_, _>>().map_err(io)?;
            out.push(sq::RowResult { values });
        }
        Ok(sq::QueryResult { columns, rows: out })
    })
}

fn connection<'a>(ctx: &'a Ctx, res: &Resource<SqliteConnection>) -> wasmtime::Result<&'a rusqlite::Connection> {
    Ok(&ctx.table.get(res)?.0)
}

impl sq::HostConnectionWithStore<Ctx> for SpinApis {
    async fn drop(accessor: &Accessor<Ctx, Self>, rep: Resource<SqliteConnection>) -> wasmtime::Result<()> {
        accessor.with(|mut a| a.get().table.delete(rep).map(|_| ()).map_err(Into::into))
    }

    async fn open(
        mut host: Access<'_, Ctx, Self>,
        database: String,
    ) -> wasmtime::Result<Result<Resource<SqliteConnection>, sq::Error>> {
        open_database(host.get(), &database)
    }

    async fn open_async(
        accessor: &Accessor<Ctx, Self>,
        database: String,
    ) -> wasmtime::Result<Result<Resource<SqliteConnection>, sq::Error>> {
        accessor.with(|mut a| open_database(a.get(), &database))
    }

    async fn execute(
        mut host: Access<'_, Ctx, Self>,
        conn: Resource<SqliteConnection>,
        statement: String,
        parameters: Vec<sq::Value>,
    ) -> wasmtime::Result<Result<sq::QueryResult, sq::Error>> {
        Ok(run(connection(host.get(), &conn)?, &statement, parameters))
    }

    async fn execute_async(
        accessor: &Accessor<Ctx, Self>,
        conn: Resource<SqliteConnection>,
        statement: String,
        parameters: Vec<sq::Value>,
    ) -> wasmtime::Result<
        Result<(Vec<String>, StreamReader<sq::RowResult>, FutureReader<Result<(), sq::Error>>), sq::Error>,
    > {
        accessor.with(|mut a| {
            let result = run(connection(a.get(), &conn)?, &statement, parameters);
            match result {
                Ok(q) => {
                    let rows = StreamReader::new(&mut a, q.rows)?;
                    let done = FutureReader::new(&mut a, async { wasmtime::error::Ok(Ok(())) })?;
                    Ok(Ok((q.columns, rows, done)))
                }
                Err(e) => Ok(Err(e)),
            }
        })
    }

    async fn last_insert_rowid(
        mut host: Access<'_, Ctx, Self>,
        conn: Resource<SqliteConnection>,
    ) -> wasmtime::Result<i64> {
        Ok(connection(host.get(), &conn)?.last_insert_rowid())
    }

    async fn last_insert_rowid_async(
        accessor: &Accessor<Ctx, Self>,
        conn: Resource<SqliteConnection>,
    ) -> wasmtime::Result<i64> {
        accessor.with(|mut a| Ok(connection(a.get(), &conn)?.last_insert_rowid()))
    }

    async fn changes(mut host: Access<'_, Ctx, Self>, conn: Resource<SqliteConnection>) -> wasmtime::Result<u64> {
        Ok(connection(host.get(), &conn)?.changes())
    }

    async fn changes_async(accessor: &Accessor<Ctx, Self>, conn: Resource<SqliteConnection>) -> wasmtime::Result<u64> {
        accessor.with(|mut a| Ok(connection(a.get(), &conn)?.changes()))
    }
}

fn store_label(ctx: &Ctx, res: &Resource<KvStore>) -> wasmtime::Result<String> {
    Ok(ctx.table.get(res)?.0.clone())
}

/// Runs `f` on the host's stores with the label of the store behind `res`.
fn with_kv<R>(
    accessor: &Accessor<Ctx, SpinApis>,
    res: &Resource<KvStore>,
    f: impl FnOnce(&Stores, &str) -> Result<R, kv::Error>,
) -> wasmtime::Result<Result<R, kv::Error>> {
    accessor.with(|mut a| {
        let ctx = a.get();
        let label = store_label(ctx, res)?;
        Ok(f(&ctx.stores, &label))
    })
}

/// Key-value operations, one SQL statement each, in the store's own file (Spin's table, keyed by label).
impl Stores {
    pub fn kv_get(&self, store: &str, key: &str) -> Result<Option<Vec<u8>>, kv::Error> {
        self.kv(store, |c| {
            let mut stmt = c.prepare_cached("SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2")?;
            let mut rows = stmt.query((store, key))?;
            rows.next()?.map(|r| r.get::<_, Vec<u8>>(0)).transpose()
        })
    }

    pub fn kv_set(&self, store: &str, key: &str, value: &[u8]) -> Result<(), kv::Error> {
        self.kv(store, |c| {
            c.prepare_cached(
                "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
            )?
            .execute((store, key, value))
            .map(|_| ())
        })
    }

    pub fn kv_delete(&self, store: &str, key: &str) -> Result<(), kv::Error> {
        self.kv(store, |c| {
            c.prepare_cached("DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2")?
                .execute((store, key))
                .map(|_| ())
        })
    }

    pub fn kv_exists(&self, store: &str, key: &str) -> Result<bool, kv::Error> {
        self.kv(store, |c| {
            c.prepare_cached("SELECT 1 FROM spin_key_value WHERE store = ?1 AND key = ?2")?.exists((store, key))
        })
    }

    pub fn kv_keys(&self, store: &str) -> Result<Vec<String>, kv::Error> {
        self.kv(store, |c| {
            let mut stmt = c.prepare_cached("SELECT key FROM spin_key_value WHERE store = ?1 ORDER BY key")?;
            stmt.query_map([store], |r| r.get::<_, String>(0))?.collect()
        })
    }
}

/// Spin's rule: a component opens only the stores its manifest entry lists.
pub fn may_open_store(spec: &ComponentSpec, label: &str) -> Result<(), kv::Error> {
    if spec.key_value_stores.iter().any(|s| s == label) { Ok(()) } else { Err(kv::Error::AccessDenied) }
}

/// A component's variable: lower-case names only, and only those its manifest entry lists.
pub fn variable(spec: &ComponentSpec, name: String) -> Result<String, vars::Error> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(vars::Error::InvalidName(name));
    }
    spec.variables.get(&name).cloned().ok_or(vars::Error::Undefined(name))
}

impl kv::HostStoreWithStore<Ctx> for SpinApis {
    async fn drop(accessor: &Accessor<Ctx, Self>, rep: Resource<KvStore>) -> wasmtime::Result<()> {
        accessor.with(|mut a| a.get().table.delete(rep).map(|_| ()).map_err(Into::into))
    }

    async fn open(
        accessor: &Accessor<Ctx, Self>,
        label: String,
    ) -> wasmtime::Result<Result<Resource<KvStore>, kv::Error>> {
        accessor.with(|mut a| {
            let ctx = a.get();
            match may_open_store(&ctx.component, &label) {
                Ok(()) => Ok(Ok(ctx.table.push(KvStore(label))?)),
                Err(e) => Ok(Err(e)),
            }
        })
    }

    async fn get(
        accessor: &Accessor<Ctx, Self>,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, kv::Error>> {
        with_kv(accessor, &store, |s, label| s.kv_get(label, &key))
    }

    async fn set(
        accessor: &Accessor<Ctx, Self>,
        store: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), kv::Error>> {
        with_kv(accessor, &store, |s, label| s.kv_set(label, &key, &value))
    }

    async fn delete(
        accessor: &Accessor<Ctx, Self>,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), kv::Error>> {
        with_kv(accessor, &store, |s, label| s.kv_delete(label, &key))
    }

    async fn exists(
        accessor: &Accessor<Ctx, Self>,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, kv::Error>> {
        with_kv(accessor, &store, |s, label| s.kv_exists(label, &key))
    }

    async fn get_keys(
        accessor: &Accessor<Ctx, Self>,
        store: Resource<KvStore>,
    ) -> wasmtime::Result<(StreamReader<String>, FutureReader<Result<(), kv::Error>>)> {
        let keys = with_kv(accessor, &store, |s, label| s.kv_keys(label))?;
        accessor.with(|mut a| {
            let (keys, result) = match keys {
                Ok(k) => (k, Ok(())),
                Err(e) => (Vec::new(), Err(e)),
            };
            Ok((
                StreamReader::new(&mut a, keys)?,
                FutureReader::new(&mut a, async move { wasmtime::error::Ok(result) })?,
            ))
        })
    }
}

impl vars::HostWithStore<Ctx> for SpinApis {
    async fn get(accessor: &Accessor<Ctx, Self>, name: String) -> wasmtime::Result<Result<String, vars::Error>> {
        accessor.with(|mut a| Ok(variable(&a.get().component, name)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::runtime_config::{DEFAULT_KEY_VALUE_FILE, DEFAULT_SQLITE_FILE, Dirs};
    use std::path::PathBuf;

    /// A fresh directory with a runtime config declaring store `a` (a file under it, at
    /// `stores/a.db`) and `b` (in memory) besides `default` (in its `state/`).
    fn config(name: &str) -> (PathBuf, RuntimeConfig) {
        let dir = std::env::temp_dir().join(format!("spin-host-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let state = dir.join("state");
        let text =
            "[key_value_store.a]\ntype = \"spin\"\npath = \"stores/a.db\"\n[key_value_store.b]\ntype = \"spin\"\n";
        let config = RuntimeConfig::parse(text, &Dirs { config: &dir, cwd: &dir, state: &state }).unwrap();
        (dir, config)
    }

    fn spec() -> ComponentSpec {
        ComponentSpec {
            name: "c".into(),
            source: PathBuf::from("c.wasm"),
            sqlite_databases: vec!["default".into()],
            key_value_stores: vec!["objects".into()],
            allowed_outbound_hosts: Vec::new(),
            variables: BTreeMap::from([("drain_token".to_owned(), "t".to_owned())]),
            files: Vec::new(),
        }
    }

    #[test]
    fn components_reach_only_what_their_manifest_entry_lists() {
        let spec = spec();
        assert!(may_open_store(&spec, "objects").is_ok());
        assert!(matches!(may_open_store(&spec, "default"), Err(kv::Error::AccessDenied)));
        assert!(may_open_database(&spec, "default").is_ok());
        assert!(matches!(may_open_database(&spec, "other"), Err(sq::Error::AccessDenied)));
        assert_eq!(variable(&spec, "drain_token".into()).unwrap(), "t");
        assert!(matches!(variable(&spec, "jwt_secret".into()), Err(vars::Error::Undefined(_))));
        assert!(matches!(variable(&spec, "DRAIN_TOKEN".into()), Err(vars::Error::InvalidName(_))));
    }

    #[test]
    fn key_value_stores_are_apart_live_at_their_declared_paths_and_persist() {
        let (dir, config) = config("kv");
        let stores = Stores::open(&config).unwrap();
        stores.kv_set("a", "k", b"one").unwrap();
        stores.kv_set("default", "k", b"two").unwrap();
        stores.kv_set("b", "k", b"three").unwrap();
        stores.kv_set("a", "k", b"uno").unwrap();
        assert_eq!(stores.kv_get("a", "k").unwrap().as_deref(), Some(&b"uno"[..]));
        assert_eq!(stores.kv_get("default", "k").unwrap().as_deref(), Some(&b"two"[..]));
        assert_eq!(stores.kv_keys("a").unwrap(), vec!["k".to_owned()]);
        assert!(matches!(stores.kv_get("undeclared", "k"), Err(kv::Error::NoSuchStore)));
        stores.kv_delete("a", "k").unwrap();
        assert!(!stores.kv_exists("a", "k").unwrap() && stores.kv_exists("default", "k").unwrap());
        stores.kv_set("a", "kept", b"1").unwrap();
        // Each store in its own file: the declared one beside the config, default in the state dir.
        assert!(dir.join("stores/a.db").is_file());
        assert!(dir.join("state").join(DEFAULT_KEY_VALUE_FILE).is_file());
        drop(stores);
        let reopened = Stores::open(&config).unwrap();
        assert_eq!(reopened.kv_get("default", "k").unwrap().as_deref(), Some(&b"two"[..]));
        assert_eq!(reopened.kv_get("a", "kept").unwrap().as_deref(), Some(&b"1"[..]));
        assert_eq!(reopened.kv_get("b", "k").unwrap(), None, "an in-memory store starts empty");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn statements_return_columns_rows_and_sqlite_errors() {
        let (dir, config) = config("sql");
        let stores = Stores::open(&config).unwrap();
        let conn = stores.database("default").unwrap();
        assert!(dir.join("state").join(DEFAULT_SQLITE_FILE).is_file());
        run(&conn, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, raw BLOB)", vec![]).unwrap();
        let params = vec![sq::Value::Integer(1), sq::Value::Text("é".into()), sq::Value::Real(1.5), sq::Value::Null];
        run(&conn, "INSERT INTO t VALUES (?, ?, ?, ?)", params).unwrap();
        assert_eq!(conn.changes(), 1);
        let q = run(&conn, "SELECT id, name, score, raw FROM t WHERE id = ?", vec![sq::Value::Integer(1)]).unwrap();
        assert_eq!(q.columns, ["id", "name", "score", "raw"]);
        assert!(
            matches!(q.rows[0].values[..], [sq::Value::Integer(1), sq::Value::Text(ref n), sq::Value::Real(_), sq::Value::Null] if n == "é")
        );
        let dup = run(&conn, "INSERT INTO t (id) VALUES (1)", vec![]).unwrap_err();
        assert!(matches!(dup, sq::Error::Io(ref m) if m.contains("UNIQUE constraint")), "{dup:?}");
        assert!(matches!(stores.database("other"), Err(sq::Error::NoSuchDatabase)), "only defined labels open");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
