//! Spin 4 defines only the `default` key-value store and the `default` SQLite database; any other
//! label a component names in spin.toml must be declared in the runtime config file, or
//! `spin up` refuses the app ("unknown key_value_stores label ..."). This checks spin.toml against
//! the runtime-config.toml the project ships, and that the file's local (`type = "spin"`) stores
//! and databases have a `path` (without one Spin keeps them in memory, and loses them at a restart).

use std::collections::BTreeSet;

const DEFAULT_LABEL: &str = "default";

/// The problems found, one line each; empty when `spin up --runtime-config-file` would accept the
/// labels. `runtime_config` is `None` when there is no such file.
pub fn check(manifest: &str, runtime_config: Option<&str>, runtime_config_name: &str) -> Result<Vec<String>, String> {
    let manifest: toml::Table = toml::from_str(manifest).map_err(|e| format!("spin.toml: {e}"))?;
    let runtime: toml::Table = match runtime_config {
        Some(text) => toml::from_str(text).map_err(|e| format!("{runtime_config_name}: {e}"))?,
        None => toml::Table::new(),
    };
    let mut problems = Vec::new();
    let mut declared = |section: &str| -> BTreeSet<String> {
        let mut labels = BTreeSet::from([DEFAULT_LABEL.to_owned()]);
        for (label, entry) in runtime.get(section).and_then(toml::Value::as_table).into_iter().flatten() {
            labels.insert(label.clone());
            let local = entry.get("type").and_then(toml::Value::as_str) == Some("spin");
            if local && entry.get("path").is_none() {
                problems.push(format!(
                    "{runtime_config_name}: [{section}.{label}] is type \"spin\" without `path`: Spin keeps it in memory and loses it at every restart"
                ));
            }
        }
        labels
    };
    let stores = declared("key_value_store");
    let databases = declared("sqlite_database");
    let components = manifest.get("component").and_then(toml::Value::as_table).into_iter().flatten();
    for (id, component) in components {
        for (field, defined) in [("key_value_stores", &stores), ("sqlite_databases", &databases)] {
            let labels = component.get(field).and_then(toml::Value::as_array).into_iter().flatten();
            for label in labels.filter_map(toml::Value::as_str).filter(|l| !defined.contains(*l)) {
                problems.push(format!(
                    "spin.toml: component {id:?} names {field} label {label:?}, which neither `default` nor {runtime_config_name} provides (Spin refuses to start)"
                ));
            }
        }
    }
    problems.sort();
    Ok(problems)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const MANIFEST: &str = r#"
spin_manifest_version = 2
[application]
name = "t"
[component.ingest]
source = "i.wasm"
sqlite_databases = ["default"]
key_value_stores = ["objects"]
[component.gateway]
source = "g.wasm"
sqlite_databases = ["default", "analytics"]
key_value_stores = ["default"]
[component.site]
source = "s.wasm"
"#;

    const DECLARED: &str = r#"
[key_value_store.objects]
type = "spin"
path = ".spin/objects.db"
[sqlite_database.analytics]
type = "libsql"
url = "https://db.example"
token = "t"
"#;

    #[test]
    fn labels_beyond_default_must_be_declared() {
        let problems = check(MANIFEST, None, "runtime-config.toml").unwrap();
        assert_eq!(
            problems,
            [
                "spin.toml: component \"gateway\" names sqlite_databases label \"analytics\", which neither `default` nor runtime-config.toml provides (Spin refuses to start)",
                "spin.toml: component \"ingest\" names key_value_stores label \"objects\", which neither `default` nor runtime-config.toml provides (Spin refuses to start)",
            ]
        );
        assert_eq!(check(MANIFEST, Some(DECLARED), "runtime-config.toml").unwrap(), Vec::<String>::new());
        let only_kv = "[key_value_store.objects]\ntype = \"redis\"\nurl = \"redis://r\"";
        let problems = check(MANIFEST, Some(only_kv), "rc.toml").unwrap();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("\"analytics\"") && problems[0].contains("rc.toml"), "{problems:?}");
    }

    #[test]
    fn a_local_store_without_a_path_is_flagged() {
        let memory = "[key_value_store.objects]\ntype = \"spin\"\n[sqlite_database.analytics]\ntype = \"spin\"";
        let problems = check(MANIFEST, Some(memory), "runtime-config.toml").unwrap();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems.iter().all(|p| p.contains("without `path`")), "{problems:?}");
    }

    #[test]
    fn malformed_files_are_errors() {
        assert!(check("component = [", None, "runtime-config.toml").unwrap_err().starts_with("spin.toml:"));
        assert!(check(MANIFEST, Some("key_value_store = ["), "rc.toml").unwrap_err().starts_with("rc.toml:"));
    }

    /// The project's own spin.toml against the runtime-config.toml it ships.
    #[test]
    fn the_shipped_manifest_and_runtime_config_agree() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let manifest = std::fs::read_to_string(root.join("spin.toml")).unwrap();
        let runtime = std::fs::read_to_string(root.join("runtime-config.toml")).unwrap();
        assert_eq!(check(&manifest, Some(&runtime), "runtime-config.toml").unwrap(), Vec::<String>::new());
        assert!(!check(&manifest, None, "runtime-config.toml").unwrap().is_empty(), "spin.toml names `objects`");
    }
}
