//! The SQL migrations, in order: the files `wrangler d1 migrations apply` reads for D1, applied
//! through the `Sql` port on platforms without a migration tool (Spin), and by rusqlite natively.
//! Applied names are recorded in `d1_migrations`, the table wrangler uses, so each runs once.

use crate::ports::{PortError, Sql, Stmt};

pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init.sql", include_str!("../../../migrations/0001_init.sql")),
    ("0002_analysis.sql", include_str!("../../../migrations/0002_analysis.sql")),
    ("0003_thumbnails.sql", include_str!("../../../migrations/0003_thumbnails.sql")),
    ("0004_outbox.sql", include_str!("../../../migrations/0004_outbox.sql")),
    ("0005_job_stages.sql", include_str!("../../../migrations/0005_job_stages.sql")),
    ("0006_maintenance.sql", include_str!("../../../migrations/0006_maintenance.sql")),
    ("0007_stalled_jobs.sql", include_str!("../../../migrations/0007_stalled_jobs.sql")),
];

/// The statements of a migration file: `--` comments dropped, split at `;`. The migrations keep
/// to what this needs (no `;` inside literals, no triggers).
pub fn statements(sql: &str) -> Vec<String> {
    let without_comments: String =
        sql.lines().map(|l| l.split_once("--").map_or(l, |(code, _)| code)).collect::<Vec<_>>().join("\n");
    without_comments.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Applies every migration not yet recorded, each in one batch with its record. Returns the
/// names applied.
pub async fn apply(sql: &impl Sql, now_ms: i64) -> Result<Vec<&'static str>, PortError> {
    sql.execute(Stmt::new(
        "CREATE TABLE IF NOT EXISTS d1_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
    ))
    .await?;
    let mut applied = Vec::new();
    for (name, text) in MIGRATIONS {
        let done = sql.query(Stmt::new("SELECT name FROM d1_migrations WHERE name = ?").bind(*name)).await?;
        if !done.is_empty() {
            continue;
        }
        let mut stmts: Vec<Stmt> = statements(text).into_iter().map(Stmt::new).collect();
        stmts.push(Stmt::new("INSERT INTO d1_migrations (name, applied_at) VALUES (?, ?)").bind(*name).bind(now_ms));
        sql.batch(stmts).await?;
        applied.push(*name);
    }
    Ok(applied)
}
