//! The caption-parser and auto-tagger stages. Both are idempotent: a redelivered or late message
//! finds its stage done and only retries the draft assembly (`super::draft`).

use super::draft::assemble;
use super::{StageMessage, StageOutcome, retry};
use crate::jobs::{stage, status};
use crate::ports::{PortError, Queue, Sql, Stmt, System, Topic};
use linkhub_analysis::{Analysis, Analyzer};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Caption,
    Tagging,
}

impl Which {
    fn column(self) -> &'static str {
        match self {
            Which::Caption => "caption_state",
            Which::Tagging => "tagging_state",
        }
    }
    fn name(self) -> &'static str {
        match self {
            Which::Caption => "caption-parser",
            Which::Tagging => "auto-tagger",
        }
    }
}

#[derive(Deserialize)]
struct StageRow {
    state: String,
    status: String,
    caption: Option<String>,
    thumbnail_state: String,
}

pub async fn process(sql: &impl Sql, queue: &impl Queue, sys: &impl System, which: Which, body: &str) -> StageOutcome {
    let (msg, log) = match super::open(which.name(), sys, body) {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    let select = format!(
        "SELECT j.{} AS state, j.status, v.caption, j.thumbnail_state FROM jobs j \
         LEFT JOIN videos v ON v.job_id = j.id WHERE j.id = ? AND j.seller_id = ?",
        which.column()
    );
    let row: StageRow = match super::job_row(sql, sys, &log, &msg, select).await {
        Ok(row) => row,
        Err(outcome) => return outcome,
    };
    if row.status == status::FAILED {
        return StageOutcome::Done;
    }
    if row.state == stage::PENDING {
        let Some(caption) = row.caption else {
            // Metadata fans out only after the video is stored, so this is a message for a job
            // whose video row is not visible yet: try again shortly.
            return StageOutcome::RetryAfter(2);
        };
        let analysis = Analyzer::shared().analyze(&caption);
        if let Err(e) = store(sql, sys, which, &msg, &analysis).await {
            return retry(&log, sys, &e);
        }
    }
    if which == Which::Caption
        && row.thumbnail_state == stage::PENDING
        && let Err(e) = start_thumbnails(queue, &msg).await
    {
        return retry(&log, sys, &e);
    }
    match assemble(sql, sys, &msg.job_id, &msg.seller_id).await {
        Ok(true) => log.info(sys, "stage done; product draft assembled, job ready"),
        Ok(false) => log.info(sys, "stage done"),
        Err(e) => return retry(&log, sys, &e),
    }
    StageOutcome::Done
}

async fn store(
    sql: &impl Sql,
    sys: &impl System,
    which: Which,
    msg: &StageMessage,
    a: &Analysis,
) -> Result<(), PortError> {
    let now = sys.now_ms();
    let mut stmts = match which {
        Which::Caption => vec![
            Stmt::new(
                "INSERT INTO analyses (job_id, seller_id, body, created_at) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (job_id) DO UPDATE SET body = excluded.body",
            )
            .bind(&msg.job_id)
            .bind(&msg.seller_id)
            .bind(json(a))
            .bind(now),
        ],
        Which::Tagging => {
            let mut v = vec![
                Stmt::new(
                    "INSERT INTO taggings (job_id, seller_id, category, tags, keywords, seo, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET category = excluded.category, \
                     tags = excluded.tags, keywords = excluded.keywords, seo = excluded.seo",
                )
                .bind(&msg.job_id)
                .bind(&msg.seller_id)
                .bind(&a.category)
                .bind(json(&a.tags))
                .bind(json(&a.keywords))
                .bind(json(&a.seo))
                .bind(now),
            ];
            for term in a.hashtags.iter().chain(a.keywords.iter()) {
                v.push(
                    Stmt::new("INSERT INTO tag_events (seller_id, job_id, term, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
                        .bind(&msg.seller_id)
                        .bind(&msg.job_id)
                        .bind(term)
                        .bind(now),
                );
            }
            v
        }
    };
    // The guarded stage update rides in the same batch: results and state change together.
    stmts.push(
        Stmt::new(format!(
            "UPDATE jobs SET {col} = ?, updated_at = ? WHERE id = ? AND seller_id = ? AND {col} = ?",
            col = which.column()
        ))
        .bind(stage::DONE)
        .bind(now)
        .bind(&msg.job_id)
        .bind(&msg.seller_id)
        .bind(stage::PENDING),
    );
    sql.batch(stmts).await.map(|_| ())
}

fn json<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

/// The thumbnail stage runs once the caption is analysed: its badge prints the caption's price.
/// Sent whenever the caption stage sees the thumbnails pending, so a lost send is made good by the
/// next delivery; the thumbnail stage ignores duplicates.
async fn start_thumbnails(queue: &impl Queue, msg: &StageMessage) -> Result<(), PortError> {
    let body = msg.to_json().map_err(|e| PortError::invalid(e.message))?;
    queue.send(Topic::Thumbnail, &body).await
}

/// Dead letter of a caption or tagging message: the stage is marked failed (the job keeps its
/// metadata and can be retried by resubmitting), instead of vanishing. A failed caption still
/// starts the thumbnails, without a price badge.
pub async fn dead_letter(
    sql: &impl Sql,
    queue: &impl Queue,
    sys: &impl System,
    which: Which,
    body: &str,
) -> StageOutcome {
    let Ok(msg) = StageMessage::parse(body) else { return StageOutcome::Discarded };
    let done = sql
        .execute(
            Stmt::new(format!(
                "UPDATE jobs SET {col} = ?, updated_at = ? WHERE id = ? AND seller_id = ? AND {col} = ?",
                col = which.column()
            ))
            .bind(stage::FAILED)
            .bind(sys.now_ms())
            .bind(&msg.job_id)
            .bind(&msg.seller_id)
            .bind(stage::PENDING),
        )
        .await;
    if done.is_err() || (which == Which::Caption && start_thumbnails(queue, &msg).await.is_err()) {
        return StageOutcome::RetryAfter(5);
    }
    StageOutcome::Failed { code: "retries_exhausted".into() }
}
