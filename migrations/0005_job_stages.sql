-- Stage state as rows: one per job and stage, each with its attempts and last error, so a new
-- stage is a row rather than three columns, and every stage backs off by its own attempt count.
CREATE TABLE job_stages (
    job_id     TEXT NOT NULL,
    seller_id  TEXT NOT NULL,
    stage      TEXT NOT NULL,     -- metadata | caption | tagging | thumbnail
    state      TEXT NOT NULL DEFAULT 'pending', -- pending | done | failed
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,              -- the last transient fault, or the code a failed stage ended with
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (job_id, stage)
);
CREATE INDEX job_stages_by_seller ON job_stages (seller_id, job_id);
CREATE INDEX job_stages_by_state ON job_stages (state, updated_at);

INSERT INTO job_stages (job_id, seller_id, stage, state, attempts, last_error, updated_at)
    SELECT id, seller_id, 'metadata', metadata_state, attempts, last_error, updated_at FROM jobs;
INSERT INTO job_stages (job_id, seller_id, stage, state, attempts, last_error, updated_at)
    SELECT id, seller_id, 'caption', caption_state, 0, NULL, updated_at FROM jobs;
INSERT INTO job_stages (job_id, seller_id, stage, state, attempts, last_error, updated_at)
    SELECT id, seller_id, 'tagging', tagging_state, 0, NULL, updated_at FROM jobs;
INSERT INTO job_stages (job_id, seller_id, stage, state, attempts, last_error, updated_at)
    SELECT id, seller_id, 'thumbnail', thumbnail_state, 0, thumbnail_error, updated_at FROM jobs;

-- Jobs that were stuck in metadata_ready by a dead-lettered caption or tagging stage: every stage
-- has finished, so they are ready now with what their stages made (the draft follows on retry).
UPDATE jobs SET status = 'ready' WHERE status = 'metadata_ready'
    AND caption_state IN ('done', 'failed') AND tagging_state IN ('done', 'failed')
    AND thumbnail_state IN ('done', 'failed');

ALTER TABLE jobs DROP COLUMN metadata_state;
ALTER TABLE jobs DROP COLUMN caption_state;
ALTER TABLE jobs DROP COLUMN thumbnail_state;
ALTER TABLE jobs DROP COLUMN tagging_state;
ALTER TABLE jobs DROP COLUMN attempts;
ALTER TABLE jobs DROP COLUMN last_error;
ALTER TABLE jobs DROP COLUMN thumbnail_error;

-- A job whose video another job of the same seller already has points at that job (status
-- 'duplicate'); among the others, one job per seller and video.
ALTER TABLE jobs ADD COLUMN duplicate_of TEXT;
-- The original is the job that got furthest (ready first), then the oldest.
UPDATE jobs SET status = 'duplicate', duplicate_of = (SELECT o.id FROM jobs o
        WHERE o.seller_id = jobs.seller_id AND o.video_id = jobs.video_id
        ORDER BY o.status = 'ready' DESC, o.status = 'metadata_ready' DESC, o.id LIMIT 1)
    WHERE video_id IS NOT NULL AND id != (SELECT o.id FROM jobs o
        WHERE o.seller_id = jobs.seller_id AND o.video_id = jobs.video_id
        ORDER BY o.status = 'ready' DESC, o.status = 'metadata_ready' DESC, o.id LIMIT 1);
UPDATE job_stages SET state = 'skipped' WHERE stage != 'metadata' AND state = 'pending'
    AND job_id IN (SELECT id FROM jobs WHERE status = 'duplicate');
CREATE UNIQUE INDEX jobs_one_per_video ON jobs (seller_id, video_id)
    WHERE video_id IS NOT NULL AND duplicate_of IS NULL;
