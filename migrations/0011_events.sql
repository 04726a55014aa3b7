-- What buyers do on the storefront: one row per event, no address kept (the referrer's host,
-- the platform's country, a device class). Link-preview crawlers are `preview`, never `click`.

CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    seller_id     TEXT NOT NULL,
    product_id    TEXT,
    kind          TEXT NOT NULL,     -- click | preview (store_view, product_view, chat, order to come)
    at            INTEGER NOT NULL,
    day           TEXT NOT NULL,     -- YYYY-MM-DD, UTC
    referrer_host TEXT,
    country       TEXT,              -- ISO 3166-1 alpha-2, when the platform gives it
    device        TEXT NOT NULL      -- mobile | tablet | desktop
);
CREATE INDEX events_by_product ON events (seller_id, product_id, day);
CREATE INDEX events_by_day ON events (seller_id, day, kind);
