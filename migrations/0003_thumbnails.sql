-- The thumbnail stage: one row per rendition and format, written with the stage's guarded update.
CREATE TABLE thumbnails (
    job_id       TEXT NOT NULL,
    seller_id    TEXT NOT NULL,
    name         TEXT NOT NULL,     -- square-150, square-320, card-360x640, share-1200x630
    format       TEXT NOT NULL,     -- jpeg | webp
    object_key   TEXT NOT NULL,
    content_type TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,
    etag         TEXT NOT NULL,     -- quoted strong ETag: a digest of the bytes
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (job_id, name, format)
);
CREATE INDEX thumbnails_by_seller ON thumbnails (seller_id, job_id);

-- Why the thumbnail stage failed (a readable code such as image_corrupt), when it did.
ALTER TABLE jobs ADD COLUMN thumbnail_error TEXT;
