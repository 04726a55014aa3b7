-- Bulk imports: a CSV of TikTok links, one row per line, worked through at the hub's own pace by
-- the import queue (Spin: the outbox), each row ending submitted, existing, or failed with why.

CREATE TABLE imports (
    id         TEXT PRIMARY KEY,
    seller_id  TEXT NOT NULL,
    total      INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX imports_by_seller ON imports (seller_id, id);

CREATE TABLE import_rows (
    import_id TEXT NOT NULL,
    seller_id TEXT NOT NULL,
    line      INTEGER NOT NULL,
    url       TEXT NOT NULL,
    -- Overrides for the product the row's job makes.
    title     TEXT,
    price     TEXT,
    currency  TEXT,
    state     TEXT NOT NULL,   -- pending | submitted | existing | failed
    job_id    TEXT,
    error     TEXT,
    PRIMARY KEY (import_id, line)
);
CREATE INDEX import_rows_by_job ON import_rows (job_id) WHERE job_id IS NOT NULL;
-- A seller's imports still working (the cap on open imports).
CREATE INDEX import_rows_open ON import_rows (seller_id, state);
