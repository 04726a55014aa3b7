//! Generates the host bindings for Spin's interfaces from the WIT that ships inside the spin-sdk
//! crate our components are built with (the same version, from the lock file's registry copy).

use std::path::{Path, PathBuf};

const SPIN_SDK: &str = "spin-sdk-7.0.0";

fn main() {
    let wit = find_wit().unwrap_or_else(|| {
        panic!("{SPIN_SDK}/wit not found under $CARGO_HOME/registry/src: fetch the workspace first (cargo fetch)")
    });
    println!("cargo:rerun-if-changed={}", wit.display());
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("spin_bindings.rs");
    let code = format!(
        r#"wasmtime::component::bindgen!({{
    path: {path:?},
    inline: "package linkhub:host; world spin-imports {{ import spin:sqlite/sqlite@3.1.0; import spin:key-value/key-value@3.0.0; import spin:variables/variables@3.0.0; }}",
    world: "linkhub:host/spin-imports",
    imports: {{ default: async | store | trappable }},
    with: {{
        "spin:sqlite/sqlite.connection": crate::spin_apis::SqliteConnection,
        "spin:key-value/key-value.store": crate::spin_apis::KvStore,
    }},
}});
"#,
        path = wit.display().to_string()
    );
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
}

fn find_wit() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let registries = std::fs::read_dir(home.join("registry/src")).ok()?;
    registries.flatten().map(|r| r.path().join(SPIN_SDK).join("wit")).find(|p| p.is_dir())
}
