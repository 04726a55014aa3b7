-- Images sellers upload (a product's photo, the storefront's avatar): the original in the blob
-- store, the renditions the thumbnailer makes in `thumbnails` under the upload's id. Each upload
-- ends ready or failed; the product or storefront points at its latest one.

CREATE TABLE uploads (
    id           TEXT PRIMARY KEY,
    seller_id    TEXT NOT NULL,
    target       TEXT NOT NULL,     -- product | avatar
    product_id   TEXT,              -- the product, for target product
    object_key   TEXT NOT NULL,     -- the original
    content_type TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    state        TEXT NOT NULL,     -- processing | ready | failed | superseded
    error        TEXT,              -- why it failed: image_corrupt, image_too_large, retries_exhausted...
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX uploads_by_seller ON uploads (seller_id, id);

-- The latest upload of each: only its renditions replace what the product or storefront shows.
ALTER TABLE products ADD COLUMN image_upload TEXT;
ALTER TABLE storefronts ADD COLUMN avatar_upload TEXT;
-- The avatar's renditions (JSON, as products.images).
ALTER TABLE storefronts ADD COLUMN avatar TEXT NOT NULL DEFAULT '[]';
