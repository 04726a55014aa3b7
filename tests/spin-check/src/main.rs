//! `linkhub-spin-check COMPONENT.wasm...`: lists each component's top-level imports and exports
//! and fails if one imports an interface outside what Spin 4 provides, or exports anything but
//! `wasi:http/handler@0.3.0` (the HTTP trigger's entry point).

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

fn main() -> ExitCode {
    let mut ok = true;
    for path in std::env::args().skip(1) {
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
