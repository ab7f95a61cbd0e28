-- fieldapp store, version 1: records with immutable versions, attachments, reviews,
-- translations, the audit chain, user places, drafts and search.

CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per record: the current head version and the columns lists sort and filter on.
CREATE TABLE record (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('incident', 'testimony', 'person', 'identity')),
    head        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    title       TEXT,
    occurred_on TEXT,
    region      TEXT,
    event_type  TEXT,
    status      TEXT NOT NULL DEFAULT 'new',
    owner       TEXT REFERENCES record (id)
);
CREATE INDEX record_kind_date ON record (kind, occurred_on DESC, id DESC);
CREATE INDEX record_kind_updated ON record (kind, updated_at DESC);
CREATE INDEX record_owner ON record (owner);

-- Immutable versions: an edit adds a row holding its parent's hash; nothing is updated.
CREATE TABLE version (
    hash       TEXT PRIMARY KEY,
    record_id  TEXT NOT NULL REFERENCES record (id),
    parent     TEXT,
    kind       TEXT NOT NULL,
    author     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body       TEXT NOT NULL,
    origin     TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX version_record ON version (record_id, created_at);
CREATE TRIGGER version_is_immutable BEFORE UPDATE ON version
BEGIN
    SELECT RAISE(ABORT, 'versions are immutable');
END;

-- Links between records (a testimony to its incidents, a person to an incident).
CREATE TABLE link (
    from_id TEXT NOT NULL REFERENCES record (id),
    to_id   TEXT NOT NULL,
    role    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (from_id, to_id, role)
);
CREATE INDEX link_to ON link (to_id);

CREATE TABLE attachment (
    id              TEXT PRIMARY KEY,
    record_id       TEXT NOT NULL REFERENCES record (id),
    kind            TEXT NOT NULL CHECK (kind IN ('image', 'audio', 'video', 'document')),
    mime            TEXT NOT NULL,
    name            TEXT NOT NULL,
    size            INTEGER NOT NULL,
    stored_size     INTEGER NOT NULL,
    sha256_original TEXT NOT NULL,
    sha256_stored   TEXT NOT NULL,
    file_key        BLOB NOT NULL,
    has_original    INTEGER NOT NULL DEFAULT 0,
    stripped        TEXT NOT NULL DEFAULT '{}',
    thumbnail       BLOB,
    width           INTEGER,
    height          INTEGER,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL
);
CREATE INDEX attachment_record ON attachment (record_id);

CREATE TABLE review (
    id           TEXT PRIMARY KEY,
    record_id    TEXT NOT NULL,
    version_hash TEXT,
    status       TEXT NOT NULL CHECK (status IN
                   ('new', 'needs-info', 'verified', 'unsubstantiated', 'duplicate')),
    duplicate_of TEXT,
    confidence   TEXT,
    note         TEXT NOT NULL DEFAULT '',
    reviewer     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    origin       TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX review_record ON review (record_id, created_at);

CREATE TABLE translation (
    id          TEXT PRIMARY KEY,
    record_id   TEXT NOT NULL,
    field       TEXT NOT NULL,
    source_lang TEXT,
    target_lang TEXT NOT NULL CHECK (target_lang IN ('fr', 'en')),
    text        TEXT NOT NULL,
    translator  TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'done' CHECK (status IN ('draft', 'done', 'approved')),
    created_at  TEXT NOT NULL,
    origin      TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX translation_record ON translation (record_id, field, target_lang);

-- Append-only, hash-chained: each entry's hash covers the previous entry's hash.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    record_id TEXT,
    detail    TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- Places typed by users; they join the shipped gazetteer in autocomplete.
CREATE TABLE place (
    folded    TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    region    TEXT,
    cercle    TEXT,
    latitude  REAL,
    longitude REAL,
    uses      INTEGER NOT NULL DEFAULT 1
);

-- Form drafts autosaved by the desktop app (so no typing is lost).
CREATE TABLE draft (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    record_id  TEXT,
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Full-text search; rowid = record.rowid. "lere" finds "Léré".
CREATE VIRTUAL TABLE record_fts USING fts5 (
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Typed views of the data model over the head versions.
CREATE VIEW incident AS
SELECT r.id, r.status, r.created_by, r.updated_at,
       json_extract(v.body, '$.title') AS title,
       json_extract(v.body, '$.occurred_on') AS occurred_on,
       json_extract(v.body, '$.date_precision') AS date_precision,
       json_extract(v.body, '$.region') AS region,
       json_extract(v.body, '$.cercle') AS cercle,
       json_extract(v.body, '$.commune') AS commune,
       json_extract(v.body, '$.locality') AS locality,
       json_extract(v.body, '$.latitude') AS latitude,
       json_extract(v.body, '$.longitude') AS longitude,
       json_extract(v.body, '$.geo_precision') AS geo_precision,
       json_extract(v.body, '$.event_type') AS event_type,
       json_extract(v.body, '$.sub_event_type') AS sub_event_type,
       json_extract(v.body, '$.killed_min') AS killed_min,
       json_extract(v.body, '$.killed_max') AS killed_max,
       json_extract(v.body, '$.description') AS description,
       v.body
FROM record r JOIN version v ON v.hash = r.head
WHERE r.kind = 'incident';

CREATE VIEW testimony AS
SELECT r.id, r.status, r.created_by, r.updated_at,
       json_extract(v.body, '$.witness_code') AS witness_code,
       json_extract(v.body, '$.relation') AS relation,
       json_extract(v.body, '$.interview_date') AS interview_date,
       json_extract(v.body, '$.language') AS language,
       json_extract(v.body, '$.text') AS text,
       v.body
FROM record r JOIN version v ON v.hash = r.head
WHERE r.kind = 'testimony';

CREATE VIEW person AS
SELECT r.id, r.created_by, r.updated_at,
       json_extract(v.body, '$.code') AS code,
       json_extract(v.body, '$.role') AS role,
       json_extract(v.body, '$.sex') AS sex,
       json_extract(v.body, '$.age_bracket') AS age_bracket,
       v.body
FROM record r JOIN version v ON v.hash = r.head
WHERE r.kind = 'person';

CREATE VIEW identity AS
SELECT r.id, r.owner, r.created_by, r.updated_at, v.body
FROM record r JOIN version v ON v.hash = r.head
WHERE r.kind = 'identity';
