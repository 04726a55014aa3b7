-- The seller's catalog: products (one per ready job, or made by hand), the storefront settings
-- with the catalog version the caches key on, and the full-text index kept in step by triggers.
-- D1's migration runner wants triggers without nested CASE and with LF line endings.

CREATE TABLE storefronts (
    seller_id       TEXT PRIMARY KEY,
    display_name    TEXT NOT NULL DEFAULT '',
    bio             TEXT NOT NULL DEFAULT '',
    avatar_key      TEXT,
    whatsapp        TEXT,
    currency        TEXT,
    language        TEXT NOT NULL DEFAULT 'en',
    accent          TEXT NOT NULL DEFAULT '#0f766e',
    auto_publish    INTEGER NOT NULL DEFAULT 1,
    -- Bumped by every product or settings write: the caches' keys carry it (read-your-writes).
    catalog_version INTEGER NOT NULL DEFAULT 1,
    updated_at      INTEGER NOT NULL
);
INSERT INTO storefronts (seller_id, updated_at) SELECT id, created_at FROM sellers;

CREATE TABLE products (
    -- The integer key is the full-text index's rowid: explicit, so VACUUM cannot renumber it.
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    seller_id        TEXT NOT NULL,
    -- Short public code for the storefront and WhatsApp; globally unique.
    code             TEXT NOT NULL UNIQUE,
    slug             TEXT NOT NULL,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    price            TEXT,              -- exact decimal
    price_e4         INTEGER,           -- price x 10^4, for ranges and sorting
    compare_at_price TEXT,
    currency         TEXT,              -- ISO 4217
    status           TEXT NOT NULL,     -- draft | published | archived
    status_reason    TEXT,              -- why a new product stayed a draft
    availability     TEXT NOT NULL DEFAULT 'in_stock',
    category         TEXT NOT NULL,
    category_path    TEXT,
    tags             TEXT NOT NULL DEFAULT '[]',
    seo_title        TEXT NOT NULL DEFAULT '',
    seo_description  TEXT NOT NULL DEFAULT '',
    images           TEXT NOT NULL DEFAULT '[]',
    -- video: the job's renditions (a re-render replaces them); upload: the seller's own.
    images_from      TEXT NOT NULL DEFAULT 'video',
    job_id           TEXT UNIQUE,
    video_id         TEXT,
    video_url        TEXT,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (seller_id, slug)
);
-- The product a job made, set once: a product the seller deleted is not made again when the job
-- completes again (a retry, a new cover).
ALTER TABLE jobs ADD COLUMN product_id TEXT;

CREATE INDEX products_by_seller_new ON products (seller_id, created_at, seq);
CREATE INDEX products_by_seller_price ON products (seller_id, price_e4, seq);
CREATE INDEX products_by_seller_status ON products (seller_id, status, created_at, seq);

-- owner is the seller id without '_' (one token), so a search intersects the seller's rows
-- inside the index instead of filtering every seller's matches.
CREATE VIRTUAL TABLE products_fts USING fts5(
    owner, title, description, tags,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
    INSERT INTO products_fts (rowid, owner, title, description, tags)
    VALUES (new.seq, replace(new.seller_id, '_', ''), new.title, new.description, new.tags);
END;

CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
    DELETE FROM products_fts WHERE rowid = old.seq;
END;

CREATE TRIGGER products_fts_update AFTER UPDATE OF title, description, tags ON products BEGIN
    DELETE FROM products_fts WHERE rowid = old.seq;
    INSERT INTO products_fts (rowid, owner, title, description, tags)
    VALUES (new.seq, replace(new.seller_id, '_', ''), new.title, new.description, new.tags);
END;
