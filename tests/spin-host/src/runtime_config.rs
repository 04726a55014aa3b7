//! The runtime configuration file (`--runtime-config-file`), read the way Spin 4 reads it
//! (spinframework/spin: crates/runtime-config, factor-key-value, key-value-spin, sqlite), and
//! Spin's check that every store and database label a component names is defined.
//!
//! - Without a file Spin defines only the `default` key-value store
//!   (`<state dir>/sqlite_key_value.db`) and the `default` SQLite database
//!   (`<state dir>/sqlite_db.db`); a file can add labels or move `default`.
//! - `[key_value_store.<label>]` with `type = "spin"`: a SQLite file at `path`; a relative `path`
//!   is taken from the runtime config file's directory. Without `path` the store is in memory.
//! - `[sqlite_database.<label>]` with `type = "spin"` (`path`, `allow_attach_file`): a relative
//!   `path` is taken from the current directory (Spin's `local_database_dir`), not from the file's
//!   directory. Without `path` the database is in memory (a new one per connection, as in Spin).
//!
//! Store types this host does not run (Redis, Cosmos, DynamoDB, libSQL) and other top-level keys
//! (variable providers, LLM, TLS, state_dir...) are refused with a message saying so.

use crate::manifest::App;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The label Spin always defines, for key-value stores and SQLite databases alike.
pub const DEFAULT_LABEL: &str = "default";
/// Spin's file names for the default store and database in the state directory.
pub const DEFAULT_KEY_VALUE_FILE: &str = "sqlite_key_value.db";
pub const DEFAULT_SQLITE_FILE: &str = "sqlite_db.db";

/// Where a store or database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    InMemory,
    File(PathBuf),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::InMemory => f.write_str("in memory"),
            Location::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// The labels that are defined, and where each lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeConfig {
    pub key_value_stores: BTreeMap<String, Location>,
    pub sqlite_databases: BTreeMap<String, Location>,
}

/// The directories relative paths are resolved from.
pub struct Dirs<'a> {
    /// The runtime config file's directory (key-value `path`).
    pub config: &'a Path,
    /// The current directory (SQLite `path`).
    pub cwd: &'a Path,
    /// The state directory (the `default` store and database).
    pub state: &'a Path,
}

/// Spin's SQLite check, word for word (factor-sqlite `ensure_allowed_databases_are_configured`).
const SQLITE_UNDEFINED: &str = "One or more components use SQLite databases which are not defined.\n\
Check the spelling, or pass a runtime configuration file that defines these stores.\n\
See https://spinframework.dev/dynamic-configuration#sqlite-storage-runtime-configuration\n\
Details:";

impl RuntimeConfig {
    /// What Spin defines without a runtime config file.
    pub fn defaults(state_dir: &Path) -> Self {
        Self {
            key_value_stores: BTreeMap::from([(
                DEFAULT_LABEL.to_owned(),
                Location::File(state_dir.join(DEFAULT_KEY_VALUE_FILE)),
            )]),
            sqlite_databases: BTreeMap::from([(
                DEFAULT_LABEL.to_owned(),
                Location::File(state_dir.join(DEFAULT_SQLITE_FILE)),
            )]),
        }
    }

    /// Reads the file at `path` if one is given, else Spin's defaults.
    pub fn load(path: Option<&Path>, state_dir: &Path) -> Result<Self, String> {
        let Some(path) = path else { return Ok(Self::defaults(state_dir)) };
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let cwd = std::env::current_dir().map_err(|e| format!("current directory: {e}"))?;
        let config = path.parent().unwrap_or(Path::new(""));
        Self::parse(&text, &Dirs { config, cwd: &cwd, state: state_dir })
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str, dirs: &Dirs<'_>) -> Result<Self, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut config = Self::defaults(dirs.state);
        let mut unsupported = Vec::new();
        for (key, value) in &table {
            match key.as_str() {
                "key_value_store" => {
                    for (label, entry) in labelled(key, value)? {
                        let location = key_value_location(label, entry, dirs.config)?;
                        config.key_value_stores.insert(label.clone(), location);
                    }
                }
                "sqlite_database" => {
                    for (label, entry) in labelled(key, value)? {
                        let location = sqlite_location(label, entry, dirs.cwd)?;
                        config.sqlite_databases.insert(label.clone(), location);
                    }
                }
                other => unsupported.push(other),
            }
        }
        if !unsupported.is_empty() {
            return Err(format!(
                "not supported by the test host: {} (it reads [key_value_store.<label>] and [sqlite_database.<label>] only)",
                unsupported.join(", ")
            ));
        }
        Ok(config)
    }

    /// Spin's check when it configures the app: every key-value store and SQLite database label a
    /// component names must be defined, else Spin refuses to start (with these messages).
    pub fn check(&self, app: &App) -> Result<(), String> {
        for (id, component) in &app.components {
            if let Some(label) = component.key_value_stores.iter().find(|l| !self.key_value_stores.contains_key(*l)) {
                return Err(format!("unknown key_value_stores label {label:?} for component {id:?}"));
            }
        }
        let undefined: Vec<String> = app
            .components
            .iter()
            .flat_map(|(id, c)| c.sqlite_databases.iter().map(move |label| (id, label)))
            .filter(|(_, label)| !self.sqlite_databases.contains_key(*label))
            .map(|(id, label)| format!("- Component {id} uses database '{label}'"))
            .collect();
        if undefined.is_empty() { Ok(()) } else { Err(format!("{SQLITE_UNDEFINED}\n{}", undefined.join("\n"))) }
    }
}

/// The `<label> = { type = ..., ... }` entries of `[key_value_store]` or `[sqlite_database]`.
fn labelled<'a>(key: &str, value: &'a toml::Value) -> Result<&'a toml::Table, String> {
    value.as_table().ok_or_else(|| format!("{key} must be a table of labels ([{key}.<label>])"))
}

/// An entry's `type` and the rest of its fields.
fn typed<'a>(what: &str, entry: &'a toml::Value) -> Result<(&'a str, &'a toml::Table), String> {
    let table = entry.as_table().ok_or_else(|| format!("{what} must be a table"))?;
    let kind = table.get("type").ok_or_else(|| format!("{what}: missing field `type`"))?;
    let kind = kind.as_str().ok_or_else(|| format!("{what}: `type` must be a string"))?;
    Ok((kind, table))
}

fn path_field(what: &str, table: &toml::Table) -> Result<Option<PathBuf>, String> {
    match table.get("path") {
        None => Ok(None),
        Some(toml::Value::String(p)) => Ok(Some(PathBuf::from(p))),
        Some(_) => Err(format!("{what}: `path` must be a string")),
    }
}

/// Spin's rule for a relative path: joined to `base`; an absolute path as it is.
fn resolve(path: PathBuf, base: &Path) -> Location {
    Location::File(if path.is_absolute() { path } else { base.join(path) })
}

fn key_value_location(label: &str, entry: &toml::Value, config_dir: &Path) -> Result<Location, String> {
    let what = format!("[key_value_store.{label}]");
    let (kind, table) = typed(&what, entry)?;
    match kind {
        // Spin's `spin` store reads only `path` (other fields are ignored there too).
        "spin" => Ok(path_field(&what, table)?.map_or(Location::InMemory, |p| resolve(p, config_dir))),
        "redis" | "azure_cosmos" | "aws_dynamo" => Err(format!(
            "{what}: type {kind:?} is a Spin store the test host does not run; it runs type \"spin\" (a SQLite file) only"
        )),
        other => Err(format!(
            "could not configure key-value store with label '{label}': the store type '{other}' was not registered with the config resolver"
        )),
    }
}

fn sqlite_location(label: &str, entry: &toml::Value, cwd: &Path) -> Result<Location, String> {
    let what = format!("[sqlite_database.{label}]");
    let (kind, table) = typed(&what, entry)?;
    match kind {
        "spin" => {
            // Spin refuses unknown fields here (serde deny_unknown_fields).
            if let Some(field) = table.keys().find(|k| !matches!(k.as_str(), "type" | "path" | "allow_attach_file")) {
                return Err(format!("{what}: unknown field `{field}`, expected `path` or `allow_attach_file`"));
            }
            if table.get("allow_attach_file").is_some_and(|v| !v.is_bool()) {
                return Err(format!("{what}: `allow_attach_file` must be a boolean"));
            }
            Ok(path_field(&what, table)?.map_or(Location::InMemory, |p| resolve(p, cwd)))
        }
        "libsql" => Err(format!(
            "{what}: type \"libsql\" is a Spin database the test host does not run; it runs type \"spin\" (a SQLite file) only"
        )),
        other => Err(format!("Unknown database kind: {other}")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn dirs() -> Dirs<'static> {
        Dirs { config: Path::new("/app/conf"), cwd: Path::new("/cwd"), state: Path::new("/app/.spin") }
    }

    fn file(p: &str) -> Location {
        Location::File(PathBuf::from(p))
    }

    #[test]
    fn without_a_file_only_default_is_defined_in_the_state_dir() {
        let c = RuntimeConfig::defaults(Path::new("/app/.spin"));
        assert_eq!(c.key_value_stores.keys().collect::<Vec<_>>(), ["default"]);
        assert_eq!(c.key_value_stores["default"], file("/app/.spin/sqlite_key_value.db"));
        assert_eq!(c.sqlite_databases["default"], file("/app/.spin/sqlite_db.db"));
        assert_eq!(RuntimeConfig::parse("", &dirs()).unwrap(), c);
    }

    #[test]
    fn paths_resolve_as_in_spin() {
        let c = RuntimeConfig::parse(
            r#"
[key_value_store.objects]
type = "spin"
path = ".spin/objects.db"
[key_value_store.abs]
type = "spin"
path = "/data/abs.db"
[key_value_store.memory]
type = "spin"
[key_value_store.default]
type = "spin"
path = "kv.db"
[sqlite_database.analytics]
type = "spin"
path = "db/analytics.db"
allow_attach_file = false
[sqlite_database.scratch]
type = "spin"
"#,
            &dirs(),
        )
        .unwrap();
        // Key-value paths: from the runtime config file's directory.
        assert_eq!(c.key_value_stores["objects"], file("/app/conf/.spin/objects.db"));
        assert_eq!(c.key_value_stores["abs"], file("/data/abs.db"));
        assert_eq!(c.key_value_stores["memory"], Location::InMemory);
        assert_eq!(c.key_value_stores["default"], file("/app/conf/kv.db"), "a file may move the default store");
        // SQLite paths: from the current directory; the default database stays in the state dir.
        assert_eq!(c.sqlite_databases["analytics"], file("/cwd/db/analytics.db"));
        assert_eq!(c.sqlite_databases["scratch"], Location::InMemory);
        assert_eq!(c.sqlite_databases["default"], file("/app/.spin/sqlite_db.db"));
    }

    #[test]
    fn what_the_host_cannot_run_is_refused_with_a_reason() {
        let err = |text: &str| RuntimeConfig::parse(text, &dirs()).unwrap_err();
        let redis = err("[key_value_store.objects]\ntype = \"redis\"\nurl = \"redis://localhost\"");
        assert!(redis.contains("type \"redis\"") && redis.contains("does not run"), "{redis}");
        let libsql = err("[sqlite_database.x]\ntype = \"libsql\"\nurl = \"https://db\"\ntoken = \"t\"");
        assert!(libsql.contains("type \"libsql\""), "{libsql}");
        assert_eq!(
            err("[key_value_store.x]\ntype = \"nosuch\""),
            "could not configure key-value store with label 'x': the store type 'nosuch' was not registered with the config resolver"
        );
        assert_eq!(err("[sqlite_database.x]\ntype = \"nosuch\""), "Unknown database kind: nosuch");
        assert!(err("[key_value_store.x]\npath = \"a.db\"").contains("missing field `type`"));
        assert!(err("[sqlite_database.x]\ntype = \"spin\"\npaht = \"a.db\"").contains("unknown field `paht`"));
        let others = err("state_dir = \"s\"\n[[config_provider]]\ntype = \"vault\"");
        assert!(others.contains("config_provider, state_dir") && others.contains("not supported"), "{others}");
        assert!(err("key_value_store = 1").contains("table of labels"));
    }

    fn app(kv: &str, sqlite: &str) -> App {
        let manifest = format!(
            "spin_manifest_version = 2\n[application]\nname = \"t\"\n[[trigger.http]]\nroute = \"/...\"\ncomponent = \"ingest\"\n\
             [component.ingest]\nsource = \"i.wasm\"\nkey_value_stores = [{kv}]\nsqlite_databases = [{sqlite}]\n\
             [component.gateway]\nsource = \"g.wasm\"\nsqlite_databases = [{sqlite}]\n"
        );
        App::parse(&manifest, Path::new("/app"), |_| None).unwrap()
    }

    #[test]
    fn labels_beyond_default_must_be_declared_with_spins_messages() {
        let defaults = RuntimeConfig::defaults(Path::new("/app/.spin"));
        assert!(defaults.check(&app("\"default\"", "\"default\"")).is_ok());
        assert_eq!(
            defaults.check(&app("\"default\", \"objects\"", "\"default\"")).unwrap_err(),
            "unknown key_value_stores label \"objects\" for component \"ingest\""
        );
        assert_eq!(
            defaults.check(&app("", "\"default\", \"analytics\"")).unwrap_err(),
            "One or more components use SQLite databases which are not defined.\n\
             Check the spelling, or pass a runtime configuration file that defines these stores.\n\
             See https://spinframework.dev/dynamic-configuration#sqlite-storage-runtime-configuration\n\
             Details:\n\
             - Component gateway uses database 'analytics'\n\
             - Component ingest uses database 'analytics'"
        );
        let declared = RuntimeConfig::parse(
            "[key_value_store.objects]\ntype = \"spin\"\npath = \"o.db\"\n[sqlite_database.analytics]\ntype = \"spin\"\npath = \"a.db\"",
            &dirs(),
        )
        .unwrap();
        assert!(declared.check(&app("\"default\", \"objects\"", "\"default\", \"analytics\"")).is_ok());
    }

    /// The project's own spin.toml: refused as Spin refuses it without the shipped
    /// runtime-config.toml, accepted with it.
    #[test]
    fn the_shipped_manifest_needs_the_shipped_runtime_config() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let secrets = ["SPIN_VARIABLE_JWT_SECRET", "SPIN_VARIABLE_DRAIN_TOKEN"];
        let app = App::load(&root.join("spin.toml"), |k| secrets.contains(&k).then(|| "x".to_owned())).unwrap();
        let state = root.join(".spin");
        let without = RuntimeConfig::load(None, &state).unwrap();
        assert_eq!(
            without.check(&app).unwrap_err(),
            "unknown key_value_stores label \"objects\" for component \"ingest\""
        );
        let with = RuntimeConfig::load(Some(&root.join("runtime-config.toml")), &state).unwrap();
        with.check(&app).unwrap();
        assert_eq!(with.key_value_stores["objects"], Location::File(root.join(".spin/sqlite_key_value_objects.db")));
        assert_eq!(with.key_value_stores["default"], Location::File(state.join(DEFAULT_KEY_VALUE_FILE)));
    }
}
