-- The WhatsApp channel (linkhub_core::whatsapp): each seller's connected number, the buyers who
-- write to it, one conversation per buyer, and every message in and out with its delivery
-- status. Every table carries seller_id and every query filters on it.

-- A seller's WhatsApp Business number. phone_number_id is unique across sellers: it is how a
-- webhook delivery finds its seller, so one number can never reach two sellers' inboxes.
CREATE TABLE wa_connections (
    seller_id       TEXT PRIMARY KEY,
    phone_number_id TEXT NOT NULL UNIQUE,
    waba_id         TEXT NOT NULL,
    display_number  TEXT NOT NULL,
    verified_name   TEXT,               -- what Graph said the number is called, on the save check
    token_sealed    TEXT NOT NULL,      -- the access token, AES-256-GCM (linkhub_core::sealed)
    token_hint      TEXT NOT NULL,      -- its mask, for GET
    catalog_id      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX wa_connections_by_waba ON wa_connections (waba_id);

-- A buyer as seen by one seller. key is the business-scoped user id (BSUID) when Meta sends one,
-- else the wa_id; a contact first seen by wa_id keeps its key when a BSUID arrives later.
CREATE TABLE wa_contacts (
    id            TEXT PRIMARY KEY,
    seller_id     TEXT NOT NULL,
    key           TEXT NOT NULL,
    bsuid         TEXT,
    wa_id         TEXT,
    profile_name  TEXT,
    username      TEXT,
    opted_out_at  INTEGER,              -- "STOP": nothing but replies they ask for
    opt_changed_at INTEGER,             -- Meta's time of the last STOP or START: a later one wins
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (seller_id, key)
);
CREATE INDEX wa_contacts_by_wa_id ON wa_contacts (seller_id, wa_id);
CREATE INDEX wa_contacts_by_bsuid ON wa_contacts (seller_id, bsuid);

-- One conversation per contact per seller. The customer-service window runs 24 hours from the
-- last inbound message.
CREATE TABLE wa_conversations (
    id               TEXT PRIMARY KEY,
    seller_id        TEXT NOT NULL,
    contact_id       TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'open',   -- open | resolved
    unread           INTEGER NOT NULL DEFAULT 0,
    last_message_at  INTEGER NOT NULL,
    last_inbound_at  INTEGER,
    last_preview     TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (seller_id, contact_id)
);
CREATE INDEX wa_conversations_by_recent ON wa_conversations (seller_id, last_message_at DESC, id DESC);

-- Every message, in (from the buyer) and out (from the hub), stored once per wamid. status is
-- applied monotonically by rank: sent 1 < delivered 2 < read 3 < played 4; failed 9 is final.
CREATE TABLE wa_messages (
    id               TEXT PRIMARY KEY,
    seller_id        TEXT NOT NULL,
    conversation_id  TEXT,              -- null for a status about a message the hub never saw
    wamid            TEXT NOT NULL,
    direction        TEXT NOT NULL,     -- in | out
    type             TEXT NOT NULL,     -- text, image, ..., order, reaction, system, unsupported
    preview          TEXT NOT NULL DEFAULT '',
    payload          TEXT NOT NULL DEFAULT '{}',  -- the message object as Meta sent it
    reply_to         TEXT,              -- context.id: the wamid this answers or reacts to
    status           TEXT NOT NULL,     -- received | sent | delivered | read | played | failed
    status_rank      INTEGER NOT NULL,
    error_code       INTEGER,
    error_title      TEXT,
    sent_at          INTEGER NOT NULL,  -- Meta's timestamp, ms
    status_at        INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (seller_id, wamid)
);
CREATE INDEX wa_messages_by_conversation ON wa_messages (seller_id, conversation_id, sent_at, id);

-- Message templates, with the review status Meta reports through the webhook.
CREATE TABLE wa_templates (
    id           TEXT PRIMARY KEY,
    seller_id    TEXT NOT NULL,
    graph_id     TEXT,
    name         TEXT NOT NULL,
    language     TEXT NOT NULL,
    category     TEXT,
    status       TEXT NOT NULL,         -- PENDING | APPROVED | REJECTED | PAUSED | DISABLED ...
    reason       TEXT,
    components   TEXT NOT NULL DEFAULT '[]',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (seller_id, name, language)
);

-- Deliveries whose processing ran out of retries: the body stays in the blob store under
-- blob_key for an operator; nothing is dropped silently.
CREATE TABLE wa_failed_deliveries (
    blob_key    TEXT PRIMARY KEY,
    reason      TEXT NOT NULL,
    failed_at   INTEGER NOT NULL
);
