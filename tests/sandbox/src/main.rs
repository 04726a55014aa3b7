//! `linkhub-sandbox`: serves the fixtures on `SANDBOX_ADDR` (default 127.0.0.1:8790).

fn main() {
    let addr = std::env::var("SANDBOX_ADDR").unwrap_or_else(|_| "127.0.0.1:8790".to_owned());
    let fixtures =
        std::env::var("SANDBOX_FIXTURES_DIR").map_or_else(|_| linkhub_sandbox::default_fixtures(), Into::into);
    let public_url = std::env::var("SANDBOX_PUBLIC_URL").ok();
    match linkhub_sandbox::start(&addr, fixtures.clone(), public_url) {
        Ok(running) => {
            eprintln!("sandbox: listening on {}, fixtures in {}", running.base_url, fixtures.display());
            loop {
                std::thread::park();
            }
        }
        Err(e) => {
            eprintln!("sandbox: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    }
}
