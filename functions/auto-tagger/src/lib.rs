//! The auto-tagger Worker: consumes the tagging stage queue (and its dead-letter queue); the analysis and
//! the product draft assembly live in `linkhub_core::stages::analysis`.

use linkhub_core::stages::analysis::Which;
use worker::{Context, Env, MessageBatch, Result, event};

#[event(queue)]
async fn queue(batch: MessageBatch<String>, env: Env, _ctx: Context) -> Result<()> {
    linkhub_cloudflare::analysis_stage(batch, env, Which::Tagging).await
}

/// Panics are bugs: make them readable in the logs instead of a bare `unreachable`.
#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}
