-- A durable queue in SQL for platforms without one (Spin): stage messages wait here until a drain
-- claims them, with the same retry, backoff and dead-letter rules as the Queues path.
CREATE TABLE outbox (
    id           TEXT PRIMARY KEY,
    topic        TEXT NOT NULL,     -- metadata | caption | thumbnail | tagging
    body         TEXT NOT NULL,     -- the stage message, JSON text
    attempts     INTEGER NOT NULL DEFAULT 0,
    available_at INTEGER NOT NULL,  -- ms; not before this
    lease_until  INTEGER NOT NULL DEFAULT 0, -- ms; claimed by a drain until then
    dead         INTEGER NOT NULL DEFAULT 0, -- 1: retries exhausted, waiting for its dead-letter handling
    created_at   INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (dead, available_at);
