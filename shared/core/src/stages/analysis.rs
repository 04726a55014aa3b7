//! The caption-parser and auto-tagger stages. The caption stage runs the analysis once per job
//! and stores it, then starts the tagger (which reads the stored analysis) and the thumbnails
//! (whose badge prints its price). Both are idempotent: a redelivered or late message finds its
//! stage settled and only retries the job's completion.

use super::state::{self, Stage};
use super::{StageMessage, StageOutcome, begin, finish, retry};
use crate::config::Config;
use crate::jobs::status;
use crate::ports::{PortError, Queue, Sql, Stmt, System, Topic};
use linkhub_analysis::{Analysis, Analyzer};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Caption,
    Tagging,
}

impl Which {
    fn stage(self) -> Stage {
        match self {
            Which::Caption => Stage::Caption,
            Which::Tagging => Stage::Tagging,
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
    status: String,
    caption: Option<String>,
    analysis: Option<String>,
}

pub struct AnalysisDeps<'a, S, Q, Y> {
    pub sql: &'a S,
    pub queue: &'a Q,
    pub sys: &'a Y,
    pub cfg: &'a Config,
}

pub async fn process<S: Sql, Q: Queue, Y: System>(
    d: &AnalysisDeps<'_, S, Q, Y>,
    which: Which,
    body: &str,
) -> StageOutcome {
    let (msg, log) = match super::open(which.name(), d.sys, body) {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    let select = "SELECT j.status, v.caption, a.body AS analysis FROM jobs j \
                  LEFT JOIN videos v ON v.job_id = j.id LEFT JOIN analyses a ON a.job_id = j.id \
                  WHERE j.id = ? AND j.seller_id = ?";
    let row: StageRow = match super::job_row(d.sql, d.sys, &log, &msg, select.to_owned()).await {
        Ok(row) => row,
        Err(outcome) => return outcome,
    };
    if row.status == status::QUEUED {
        // The metadata stage sends this message just before it commits the job's move to
        // metadata_ready: a delivery in between must wait, not be dropped.
        return StageOutcome::RetryAfter(2);
    }
    if row.status != status::METADATA_READY {
        // Settled already (ready), or a job whose stages were skipped (failed, duplicate).
        return StageOutcome::Done;
    }
    let attempt = match begin(d.sql, d.sys, &msg, which.stage()).await {
        Ok(Some(n)) => Some(n),
        Ok(None) => None,
        Err(e) => return retry(&log, d.sys, d.cfg, 1, &e),
    };
    if let Some(attempt) = attempt {
        let Some(caption) = row.caption else {
            // Metadata fans out only after the video is stored, so this is a message for a job
            // whose video row is not visible yet: try again shortly.
            return StageOutcome::RetryAfter(2);
        };
        // The tagger reads the caption stage's analysis; it analyses by itself only when the
        // caption stage failed and stored none.
        let stored = row.analysis.as_deref().and_then(|b| serde_json::from_str::<Analysis>(b).ok());
        let analysis = match (which, stored) {
            (Which::Tagging, Some(a)) => a,
            _ => Analyzer::shared().analyze(&caption),
        };
        if let Err(e) = store(d.sql, d.sys, which, &msg, &analysis).await {
            let _ = d
                .sql
                .execute(state::record_fault(
                    &msg.job_id,
                    &msg.seller_id,
                    which.stage(),
                    &e.to_string(),
                    d.sys.now_ms(),
                ))
                .await;
            return retry(&log, d.sys, d.cfg, attempt, &e);
        }
    }
    // Sent on every delivery that finds the caption stage settled, so a lost send is made good
    // by the next one; the other stages ignore duplicates.
    if which == Which::Caption
        && let Err(e) = start_followers(d.sql, d.queue, &msg).await
    {
        return retry(&log, d.sys, d.cfg, attempt.unwrap_or(1), &e);
    }
    finish(d.sql, d.sys, d.cfg, &log, &msg, StageOutcome::Done).await
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
    stmts.push(state::settle(&msg.job_id, &msg.seller_id, which.stage(), state::DONE, None, now));
    sql.batch(stmts).await.map(|_| ())
}

fn json<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

/// Starts the stages that follow the caption analysis, those still pending.
async fn start_followers(sql: &impl Sql, queue: &impl Queue, msg: &StageMessage) -> Result<(), PortError> {
    let rows = state::of_job(sql, &msg.job_id, &msg.seller_id).await?;
    let body = msg.to_json().map_err(|e| PortError::invalid(e.message))?;
    for (stage, topic) in [(Stage::Tagging, Topic::Tagging), (Stage::Thumbnail, Topic::Thumbnail)] {
        if state::pick(&rows, stage).state == state::PENDING {
            queue.send(topic, &body).await?;
        }
    }
    Ok(())
}

/// Dead letter of a caption or tagging message: the stage is marked failed
/// (`retries_exhausted`) instead of vanishing, the caption stage's followers still start (the
/// thumbnails without a price badge), and the job completes with what the other stages made.
/// A storage fault here is retried (up to the dead-letter queue's own retries); a job whose dead
/// letter never reached the database is ended by the stalled-job sweep ([`crate::maintenance`]).
pub async fn dead_letter<S: Sql, Q: Queue, Y: System>(
    d: &AnalysisDeps<'_, S, Q, Y>,
    which: Which,
    body: &str,
) -> StageOutcome {
    let Ok(msg) = StageMessage::parse(body) else { return StageOutcome::Discarded };
    let now = d.sys.now_ms();
    let settle =
        state::settle(&msg.job_id, &msg.seller_id, which.stage(), state::FAILED, Some(super::RETRIES_EXHAUSTED), now);
    if d.sql.execute(settle).await.is_err() {
        return StageOutcome::RetryAfter(d.cfg.retry_delay(1));
    }
    if which == Which::Caption && start_followers(d.sql, d.queue, &msg).await.is_err() {
        return StageOutcome::RetryAfter(d.cfg.retry_delay(1));
    }
    match super::complete(d.sql, d.sys, &msg.job_id, &msg.seller_id).await {
        Ok(_) => StageOutcome::Failed { code: super::RETRIES_EXHAUSTED.into() },
        Err(_) => StageOutcome::RetryAfter(d.cfg.retry_delay(1)),
    }
}
