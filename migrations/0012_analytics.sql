-- Storefront analytics: every event keeps a visitor hash (the client's address and user agent
-- hashed with that day's random salt, which is deleted once the day is over, so no address is
-- stored and no hash can be linked across days), and triggers keep daily rollups in step with
-- the raw events in the same statement: a rollup never disagrees with the events it counts.

ALTER TABLE events ADD COLUMN visitor TEXT;
-- 1 when the visit came from TikTok (its referrer or TikTok's in-app browser): the funnel's
-- "video" step.
ALTER TABLE events ADD COLUMN from_tiktok INTEGER NOT NULL DEFAULT 0;
CREATE INDEX events_by_visitor ON events (seller_id, day, visitor, kind, product_id);

-- One random salt per UTC day. The sweep deletes it when the day is over.
CREATE TABLE analytics_salts (
    day  TEXT PRIMARY KEY,
    salt TEXT NOT NULL
);

-- Per seller, day and kind: `product_id` is the product ('' for the store page) or '*' for
-- the seller's whole store; kind is an event kind, or 'view' (store and product views
-- together) and 'video' (views that came from TikTok). `visitors` counts distinct visitors
-- of that row's day.
CREATE TABLE daily_stats (
    seller_id  TEXT NOT NULL,
    day        TEXT NOT NULL,
    kind       TEXT NOT NULL,
    product_id TEXT NOT NULL,
    events     INTEGER NOT NULL,
    visitors   INTEGER NOT NULL,
    PRIMARY KEY (seller_id, day, kind, product_id)
) WITHOUT ROWID;

-- Each event counts on its product's row ('' for the store page) and on the store's ('*').
CREATE TRIGGER events_roll_up AFTER INSERT ON events
BEGIN
    INSERT INTO daily_stats (seller_id, day, kind, product_id, events, visitors)
    SELECT NEW.seller_id, NEW.day, NEW.kind, p.key, 1,
           NEW.visitor IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM events e WHERE e.seller_id = NEW.seller_id AND e.day = NEW.day
               AND e.visitor = NEW.visitor AND e.kind = NEW.kind
               AND (p.key = '*' OR e.product_id IS NEW.product_id) AND e.id <> NEW.id)
    FROM (SELECT '*' AS key UNION ALL SELECT COALESCE(NEW.product_id, '')) p
    WHERE true
    ON CONFLICT (seller_id, day, kind, product_id)
    DO UPDATE SET events = events + 1, visitors = visitors + excluded.visitors;
END;

CREATE TRIGGER events_roll_up_views AFTER INSERT ON events
WHEN NEW.kind IN ('store_view', 'product_view')
BEGIN
    INSERT INTO daily_stats (seller_id, day, kind, product_id, events, visitors)
    SELECT NEW.seller_id, NEW.day, 'view', '*', 1,
           NEW.visitor IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM events e WHERE e.seller_id = NEW.seller_id AND e.day = NEW.day
               AND e.visitor = NEW.visitor AND e.kind IN ('store_view', 'product_view') AND e.id <> NEW.id)
    WHERE true
    ON CONFLICT (seller_id, day, kind, product_id)
    DO UPDATE SET events = events + 1, visitors = visitors + excluded.visitors;
END;

CREATE TRIGGER events_roll_up_video AFTER INSERT ON events
WHEN NEW.kind IN ('store_view', 'product_view') AND NEW.from_tiktok = 1
BEGIN
    INSERT INTO daily_stats (seller_id, day, kind, product_id, events, visitors)
    SELECT NEW.seller_id, NEW.day, 'video', p.key, 1,
           NEW.visitor IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM events e WHERE e.seller_id = NEW.seller_id AND e.day = NEW.day
               AND e.visitor = NEW.visitor AND e.kind IN ('store_view', 'product_view') AND e.from_tiktok = 1
               AND (p.key = '*' OR e.product_id IS NEW.product_id) AND e.id <> NEW.id)
    FROM (SELECT '*' AS key UNION ALL SELECT COALESCE(NEW.product_id, '')) p
    WHERE true
    ON CONFLICT (seller_id, day, kind, product_id)
    DO UPDATE SET events = events + 1, visitors = visitors + excluded.visitors;
END;
