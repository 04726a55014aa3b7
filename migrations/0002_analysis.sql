-- Caption analysis (caption-parser), tags and SEO (auto-tagger), trend events, product drafts.

CREATE TABLE analyses (
    job_id     TEXT PRIMARY KEY,
    seller_id  TEXT NOT NULL,
    -- The analysis as JSON (language, prices, ctas, sentiment, category, hashtags, products, ...).
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE taggings (
    job_id     TEXT PRIMARY KEY,
    seller_id  TEXT NOT NULL,
    category   TEXT NOT NULL,
    tags       TEXT NOT NULL,
    keywords   TEXT NOT NULL,
    seo        TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- One row per (job, term): the per-seller frequency over time that trend signals are computed from.
CREATE TABLE tag_events (
    seller_id TEXT NOT NULL,
    job_id    TEXT NOT NULL,
    term      TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (seller_id, job_id, term)
);
CREATE INDEX tag_events_by_seller_time ON tag_events (seller_id, at);

CREATE TABLE product_drafts (
    job_id     TEXT PRIMARY KEY,
    seller_id  TEXT NOT NULL,
    title      TEXT NOT NULL,
    price      TEXT,
    currency   TEXT,
    category   TEXT NOT NULL,
    tags       TEXT NOT NULL,
    seo        TEXT NOT NULL,
    thumbnails TEXT,
    updated_at INTEGER NOT NULL
);
CREATE INDEX product_drafts_by_seller ON product_drafts (seller_id, job_id);
