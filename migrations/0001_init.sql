-- Link Hub schema, applied by `wrangler d1 migrations apply` on D1 and by the testkit natively.
-- Every tenant-owned table carries seller_id, and every query filters on it.

CREATE TABLE sellers (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    handle        TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    seller_id    TEXT NOT NULL REFERENCES sellers(id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_by_seller ON api_keys (seller_id, id);

CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,
    seller_id       TEXT NOT NULL,
    -- video:<id> or short:<host>:<code>; one job per seller and video.
    dedupe_key      TEXT NOT NULL,
    source_url      TEXT NOT NULL,
    canonical_url   TEXT NOT NULL,
    link_kind       TEXT NOT NULL,
    video_id        TEXT,
    status          TEXT NOT NULL,
    metadata_state  TEXT NOT NULL DEFAULT 'pending',
    caption_state   TEXT NOT NULL DEFAULT 'pending',
    thumbnail_state TEXT NOT NULL DEFAULT 'pending',
    tagging_state   TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    error_code      TEXT,
    error_message   TEXT,
    request_id      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (seller_id, dedupe_key)
);
CREATE INDEX jobs_by_seller ON jobs (seller_id, id);
CREATE INDEX jobs_by_seller_status ON jobs (seller_id, status, id);

CREATE TABLE videos (
    job_id             TEXT PRIMARY KEY,
    seller_id          TEXT NOT NULL,
    video_id           TEXT NOT NULL,
    canonical_url      TEXT NOT NULL,
    caption            TEXT NOT NULL,
    author_name        TEXT,
    author_url         TEXT,
    cover_source_url   TEXT,
    cover_key          TEXT,
    cover_content_type TEXT,
    cover_bytes        INTEGER,
    cover_width        INTEGER,
    cover_height       INTEGER,
    fetched_at         INTEGER NOT NULL
);
CREATE INDEX videos_by_seller ON videos (seller_id, video_id);

CREATE TABLE idempotency_keys (
    seller_id    TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (seller_id, key)
);

-- Fixed one-minute windows; the upsert counts atomically in SQL.
CREATE TABLE rate_windows (
    bucket     TEXT NOT NULL,
    window     INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (bucket, window)
);
