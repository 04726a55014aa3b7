//! `linkhub`: command-line tools over the Link Hub core.

mod analyze;
mod buyer;
mod import;
mod thumbnail;

use clap::{Parser, Subcommand};
use linkhub_core::tiktok::TikTokLink;
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "linkhub", version, about = "Link Hub: TikTok links to sellable products at the edge")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check TikTok links offline: one JSON line per link with its canonical form or the error code.
    Link {
        /// Links as pasted by sellers.
        #[arg(required = true)]
        urls: Vec<String>,
    },
    /// Print the OpenAPI 3.1 description of the HTTP API.
    Openapi,
    /// Import a CSV of TikTok links into a hub's catalog (a `url` column, optional `title`,
    /// `price`, `currency`), show progress until every row is done, and print a summary.
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
        /// The hub's base URL (plain HTTP: a local hub, or a TLS-terminating tunnel).
        #[arg(long)]
        hub: String,
        /// An API key (`lh_...`) or session token of the seller.
        #[arg(long, env = "LINKHUB_API_KEY")]
        api_key: String,
        /// Give up waiting after this many seconds (the import goes on at the hub).
        #[arg(long, default_value_t = 1800)]
        timeout: u64,
    },
    /// Make the thumbnail set of each cover (squares 150 and 320, card 360x640, share 1200x630;
    /// JPEG and WebP) and print one JSON line per input: each output's path, bytes, size, and time.
    Thumbnail {
        /// Cover images (JPEG, PNG or WebP, recognised by content).
        #[arg(required = true)]
        inputs: Vec<std::path::PathBuf>,
        /// Directory for the renditions (created if missing).
        #[arg(long)]
        out: std::path::PathBuf,
        /// JPEG quality, 1-100.
        #[arg(long, default_value_t = thumbnail::DEFAULT_QUALITY)]
        quality: u8,
        /// Repeat each input N times and report per-image milliseconds.
        #[arg(long)]
        bench: Option<u32>,
        /// Product title, written on the share image.
        #[arg(long)]
        title: Option<String>,
        /// Price for the badge, as a plain decimal (19.99).
        #[arg(long, requires = "currency")]
        price: Option<String>,
        /// ISO 4217 code of the price (USD, NGN, KES...).
        #[arg(long, requires = "price")]
        currency: Option<String>,
    },
    /// Play a WhatsApp buyer against a local hub: send Meta-shaped, signed webhook deliveries (a
    /// text, a button tap, an order, a status) and print the hub's replies (from the sandbox).
    Buyer {
        /// The hub's base URL.
        #[arg(long, default_value = "http://127.0.0.1:8787")]
        hub: String,
        /// The sandbox's base URL, where the hub's Graph calls are recorded.
        #[arg(long, default_value = "http://127.0.0.1:8790")]
        sandbox: String,
        /// Meta's app secret as the hub has it (default: WHATSAPP_APP_SECRET, else
        /// functions/whatsapp/.dev.vars, which `make dev` writes).
        #[arg(long, env = "WHATSAPP_APP_SECRET", hide_env_values = true)]
        app_secret: Option<String>,
        /// The seller's connected phone_number_id.
        #[arg(long)]
        phone_number_id: String,
        /// The buyer's WhatsApp number.
        #[arg(long, default_value = "2348030000001")]
        from: String,
        /// The buyer's profile name.
        #[arg(long, default_value = "Amara Buyer")]
        name: String,
        /// Text messages to send.
        #[arg(long)]
        text: Vec<String>,
        /// Reply-button taps to send (the button's title).
        #[arg(long)]
        button: Vec<String>,
        /// An order's items, each `retailer_id:quantity:price:currency`.
        #[arg(long)]
        order: Vec<String>,
        /// Statuses of messages the hub sent, each `wamid:status` (sent, delivered, read, failed).
        #[arg(long)]
        status: Vec<String>,
        /// Seconds to wait for the hub's replies.
        #[arg(long, default_value_t = 5)]
        wait: u64,
    },
    /// Analyse captions: JSONL {"id","caption"} in, one JSONL analysis per line out
    /// (language, prices, ctas, sentiment, category, hashtags, products, plus tags, seo, codes, phones).
    Analyze {
        /// Input file (default: stdin).
        #[arg(long)]
        input: Option<std::path::PathBuf>,
        /// Output file (default: stdout).
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    let result = match cli.command {
        Command::Link { urls } => {
            let mut all_ok = true;
            for url in urls {
                let line = match TikTokLink::parse(&url) {
                    Ok(link) => json!({
                        "input": url,
                        "ok": true,
                        "kind": link.kind(),
                        "canonical_url": link.canonical_url(),
                        "video_id": link.video_id(),
                    }),
                    Err(e) => {
                        all_ok = false;
                        json!({"input": url, "ok": false, "error": {"code": e.code(), "message": e.message()}})
                    }
                };
                if writeln!(out, "{line}").is_err() {
                    return ExitCode::FAILURE;
                }
            }
            if all_ok { Ok(()) } else { Err(()) }
        }
        Command::Thumbnail { inputs, out, quality, bench, title, price, currency } => {
            let price = price.zip(currency).map(|(p, c)| linkhub_analysis::display_price(&p, &c.to_ascii_uppercase()));
            let overlay = linkhub_imaging::Overlay { title, price };
            if thumbnail::run(&inputs, &out, quality, bench, &overlay) { Ok(()) } else { Err(()) }
        }
        Command::Analyze { input, output } => match analyze::run(input, output) {
            Ok((done, errors)) => {
                eprintln!("analysed {done} lines, {errors} errors");
                Ok(())
            }
            Err(e) => {
                eprintln!("linkhub analyze: {e}");
                Err(())
            }
        },
        Command::Import { file, hub, api_key, timeout } => {
            let args = import::Args { file, hub, api_key, timeout: std::time::Duration::from_secs(timeout) };
            match import::run(&args) {
                Ok(all_imported) => {
                    if all_imported {
                        Ok(())
                    } else {
                        Err(())
                    }
                }
                Err(e) => {
                    eprintln!("linkhub import: {e}");
                    Err(())
                }
            }
        }
        Command::Buyer { hub, sandbox, app_secret, phone_number_id, from, name, text, button, order, status, wait } => {
            let run = buyer::app_secret(app_secret).and_then(|app_secret| {
                let args = buyer::Args {
                    hub,
                    sandbox,
                    app_secret,
                    phone_number_id,
                    from,
                    name,
                    text,
                    button,
                    order,
                    status,
                    wait,
                };
                buyer::run(&args)
            });
            run.map_err(|e| eprintln!("linkhub buyer: {e}"))
        }
        Command::Openapi => {
            let doc = serde_json::to_string_pretty(&linkhub_core::api::openapi::document()).unwrap_or_default();
            writeln!(out, "{doc}").map_err(|_| ())
        }
    };
    if result.is_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
