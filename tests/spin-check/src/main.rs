//! `linkhub-spin-check [--manifest spin.toml] [--runtime-config runtime-config.toml] COMPONENT.wasm...`:
//! lists each component's top-level imports and exports and fails if one imports an interface
//! outside what Spin 4 provides, or exports anything but `wasi:http/handler@0.3.0` (the HTTP
//! trigger's entry point); and fails if a component in the manifest names a key-value store or
//! SQLite database label that neither `default` nor the runtime config file provides (see
//! [`labels`]).

mod labels;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wasmparser::{Parser, Payload};

/// Interface families Spin 4 provides to components: (interface prefix, version or version
/// track). WASI 0.2 interfaces are linked semver-compatibly by Spin's wasmtime, so any 0.2.x that
/// Rust's std imports is one interface; sockets are left out on purpose (outbound traffic goes
/// through allow-listed HTTP only).
const ALLOWED: &[(&str, &str)] = &[
    ("wasi:http/types", "0.3.0"),
    ("wasi:http/client", "0.3.0"),
    ("wasi:cli/", "0.2."),
    ("wasi:io/", "0.2."),
    ("wasi:clocks/", "0.2."),
    ("wasi:random/", "0.2."),
    ("wasi:filesystem/", "0.2."),
    ("wasi:cli/", "0.3.0"),
    ("wasi:clocks/", "0.3.0"),
    ("wasi:random/", "0.3.0"),
    ("spin:key-value/key-value", "3.0.0"),
    ("spin:sqlite/sqlite", "3.1.0"),
    ("spin:variables/variables", "3.0.0"),
];
const EXPORTS: &[&str] = &["wasi:http/handler@0.3.0"];

fn allowed(name: &str) -> bool {
    let Some((interface, version)) = name.rsplit_once('@') else { return false };
    ALLOWED.iter().any(|(prefix, track)| {
        interface.starts_with(prefix)
            && if track.ends_with('.') { version.starts_with(track) } else { version == *track }
    })
}

/// Top-level (depth 0) imports and exports of a component.
fn surface(bytes: &[u8]) -> Result<(Vec<String>, Vec<String>), String> {
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| e.to_string())? {
            Payload::Version { encoding: wasmparser::Encoding::Component, .. } => depth += 1,
            Payload::Version { encoding: wasmparser::Encoding::Module, .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(section) if depth == 1 => {
                for import in section {
                    imports.push(import.map_err(|e| e.to_string())?.name.name.to_owned());
                }
            }
            Payload::ComponentExportSection(section) if depth == 1 => {
                for export in section {
                    exports.push(export.map_err(|e| e.to_string())?.name.name.to_owned());
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

/// Checks the manifest's store and database labels against the runtime config file.
fn check_labels(manifest: &Path, runtime_config: &Path) -> bool {
    let manifest_text = match std::fs::read_to_string(manifest) {
        Ok(t) => t,
        Err(e) => {
            println!("FAIL {}: {e}", manifest.display());
            return false;
        }
    };
    // No file: only `default` is defined, as for `spin up` without --runtime-config-file.
    let runtime_text = std::fs::read_to_string(runtime_config).ok();
    let name = match runtime_text {
        Some(_) => runtime_config.display().to_string(),
        None => format!("{} (not found)", runtime_config.display()),
    };
    match labels::check(&manifest_text, runtime_text.as_deref(), &name) {
        Ok(problems) if problems.is_empty() => {
            println!("ok {}: every store and database label is `default` or declared in {name}", manifest.display());
            true
        }
        Ok(problems) => {
            println!("FAIL {}: store and database labels", manifest.display());
            for p in problems {
                println!("  {p}");
            }
            false
        }
        Err(e) => {
            println!("FAIL {e}");
            false
        }
    }
}

fn main() -> ExitCode {
    let (mut manifest, mut runtime_config) = (PathBuf::from("spin.toml"), PathBuf::from("runtime-config.toml"));
    let mut components = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--manifest" | "--runtime-config" => {
                let Some(value) = args.next() else {
                    eprintln!("{arg} needs a path");
                    return ExitCode::FAILURE;
                };
                let target = if arg == "--manifest" { &mut manifest } else { &mut runtime_config };
                *target = PathBuf::from(value);
            }
            _ => components.push(arg),
        }
    }
    let mut ok = check_labels(&manifest, &runtime_config);
    for path in components {
        let (imports, exports) = match std::fs::read(&path).map_err(|e| e.to_string()).and_then(|b| surface(&b)) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{path}: {e}");
                ok = false;
                continue;
            }
        };
        let bad_imports: Vec<&String> = imports.iter().filter(|i| !allowed(i)).collect();
        let bad_exports: Vec<&String> = exports.iter().filter(|e| !EXPORTS.contains(&e.as_str())).collect();
        let verdict =
            if bad_imports.is_empty() && bad_exports.is_empty() && !exports.is_empty() { "ok" } else { "FAIL" };
        println!("{verdict} {path}\n  imports: {}\n  exports: {}", imports.join(", "), exports.join(", "));
        for i in &bad_imports {
            println!("  not provided by Spin 4: {i}");
        }
        for e in &bad_exports {
            println!("  unexpected export: {e}");
        }
        if exports.is_empty() {
            println!("  exports nothing: not an HTTP component");
        }
        ok &= verdict == "ok";
    }
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_spin_4_interfaces_pass() {
        assert!(allowed("spin:sqlite/sqlite@3.1.0"));
        assert!(allowed("wasi:cli/environment@0.2.6"));
        assert!(allowed("wasi:io/streams@0.2.12"));
        assert!(!allowed("wasi:io/streams@0.20.0"));
        assert!(allowed("wasi:http/types@0.3.0"));
        assert!(!allowed("spin:sqlite/sqlite@9.0.0"));
        assert!(!allowed("fermyon:spin/sqlite@2.0.0"));
        assert!(!allowed("wasi:sockets/tcp@0.2.6"));
        assert!(!allowed("wasi:http/outgoing-handler@0.2.6"));
        assert!(!allowed("no-version"));
    }
}
