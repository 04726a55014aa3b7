//! `linkhub-spin-host`: runs the Spin components of spin.toml the way `spin up` would, for tests
//! and for trying the Spin build without a Spin install (none is published on the registries).
//!
//! It serves HTTP on `--listen`, keeps Spin's SQLite databases and key-value stores as SQLite
//! files (the `default` ones under `--state-dir`, others where `--runtime-config-file` puts them;
//! like Spin it refuses to start when a component names a label neither defines), can apply the
//! migrations at start (`--migrate`) and, standing in for the scheduler a Spin deployment needs,
//! calls the drain route every `--drain-every-ms`.

mod bindings {
    include!(concat!(env!("OUT_DIR"), "/spin_bindings.rs"));
}
mod manifest;
mod runtime;
mod runtime_config;
mod server;
mod spin_apis;

use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Runs the Link Hub Spin components (spin.toml) on wasmtime 47 with Spin's stores on SQLite.")]
struct Args {
    /// The Spin manifest.
    #[arg(long, default_value = "spin.toml")]
    manifest: PathBuf,
    /// Address to serve on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// Where the `default` SQLite database and key-value store live (Spin uses `.spin/`).
    #[arg(long, default_value = ".spin")]
    state_dir: PathBuf,
    /// Spin's runtime configuration file: the key-value stores and SQLite databases beyond
    /// `default` (`[key_value_store.<label>]`, `[sqlite_database.<label>]`, type "spin").
    #[arg(long)]
    runtime_config_file: Option<PathBuf>,
    /// POST /internal/migrate (with the drain token) before serving.
    #[arg(long)]
    migrate: bool,
    /// Call POST /internal/drain this often (0: never), as a deployment's scheduler would.
    #[arg(long, default_value_t = 0)]
    drain_every_ms: u64,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("[spin-host] tokio: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let options = server::Options {
        manifest: args.manifest,
        listen: args.listen,
        state_dir: args.state_dir,
        runtime_config_file: args.runtime_config_file,
        migrate: args.migrate,
        drain_every: std::time::Duration::from_millis(args.drain_every_ms),
    };
    match rt.block_on(server::run(options)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("[spin-host] {}", e.0);
            std::process::ExitCode::FAILURE
        }
    }
}
