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
    ("0008_catalog.sql", include_str!("../../../migrations/0008_catalog.sql")),
    ("0009_imports.sql", include_str!("../../../migrations/0009_imports.sql")),
    ("0010_uploads.sql", include_str!("../../../migrations/0010_uploads.sql")),
    ("0011_events.sql", include_str!("../../../migrations/0011_events.sql")),
    ("0012_analytics.sql", include_str!("../../../migrations/0012_analytics.sql")),
    ("0013_whatsapp.sql", include_str!("../../../migrations/0013_whatsapp.sql")),
    ("0014_whatsapp_send.sql", include_str!("../../../migrations/0014_whatsapp_send.sql")),
];

/// The statements of a migration file: `--` comments dropped, split at `;`, except inside a
/// trigger's `BEGIN ... END`, whose body statements end in `;` too. The migrations keep to what
/// this needs (no `;` or `--` inside literals).
pub fn statements(sql: &str) -> Vec<String> {
    let without_comments: String =
        sql.lines().map(|l| l.split_once("--").map_or(l, |(code, _)| code)).collect::<Vec<_>>().join("\n");
    let mut out = Vec::new();
    let mut current = String::new();
    for piece in without_comments.split_inclusive(';') {
        current.push_str(piece);
        let words: Vec<String> = current
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_uppercase)
            .collect();
        // A trigger ends at the `END` that closes its `BEGIN`, not one that closes a `CASE`.
        let count = |word: &str| words.iter().filter(|w| *w == word).count();
        let in_trigger = words.first().is_some_and(|w| w == "CREATE")
            && words.iter().take(4).any(|w| w == "TRIGGER")
            && (words.last().is_none_or(|w| w != "END") || count("END") <= count("CASE"));
        if in_trigger {
            continue;
        }
        let stmt = current.trim().trim_end_matches(';').trim();
        if !stmt.is_empty() {
            out.push(stmt.to_owned());
        }
        current.clear();
    }
    let rest = current.trim().trim_end_matches(';').trim();
    if !rest.is_empty() {
        out.push(rest.to_owned());
    }
    out
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

#[cfg(test)]
mod tests {
    use super::statements;

    #[test]
    fn triggers_keep_their_bodies_and_other_statements_split_at_semicolons() {
        let sql = "CREATE TABLE a (x INT); -- a comment; with a semicolon\n\
                   CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO b VALUES (new.x);\n  \
                   UPDATE c SET y = CASE WHEN new.x > 0 THEN 1 ELSE 0 END;\n  DELETE FROM c;\nEND;\n\
                   CREATE INDEX i ON a (x);";
        let got = statements(sql);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[1].starts_with("CREATE TRIGGER t") && got[1].ends_with("END"), "{}", got[1]);
        assert!(got[1].contains("DELETE FROM c;"));
        assert_eq!(got[2], "CREATE INDEX i ON a (x)");
    }

    #[test]
    fn the_catalog_migration_has_its_three_triggers_whole() {
        let (_, text) = super::MIGRATIONS.iter().find(|(n, _)| n.starts_with("0008")).copied().unwrap_or_default();
        let triggers: Vec<String> = statements(text).into_iter().filter(|s| s.contains("TRIGGER")).collect();
        assert_eq!(triggers.len(), 3);
        assert!(triggers.iter().all(|t| t.ends_with("END")), "{triggers:?}");
        assert!(!text.contains('\r'), "D1's runner needs LF line endings");
    }
}
