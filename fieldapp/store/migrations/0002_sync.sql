-- fieldapp store, version 2: sync. The device's own keys (inside the encrypted vault),
-- project membership, the directory of peer devices, the outbox, the pull checkpoint,
-- quarantined envelopes, assignments to translators, epoch keys, and conflicts.

-- This device's identity (Ed25519 + HPKE). One row per suite; private bytes never leave.
CREATE TABLE device_key (
    key_id     TEXT PRIMARY KEY,
    suite      TEXT NOT NULL CHECK (suite IN ('MLKEM768_X25519', 'X25519')),
    private    BLOB NOT NULL,
    public     TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Project signing key: only on coordinators' devices (made by `project create`).
CREATE TABLE project_key (
    project_id TEXT PRIMARY KEY,
    suite      TEXT NOT NULL,
    private    BLOB NOT NULL,
    created_at TEXT NOT NULL
);

-- The project this profile belongs to (one at a time for now).
CREATE TABLE membership (
    project_id          TEXT PRIMARY KEY,
    name                TEXT NOT NULL DEFAULT '',
    server_url          TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('coordinator', 'monitor', 'translator')),
    device_id           TEXT NOT NULL,
    device_token        TEXT NOT NULL,
    key_id              TEXT NOT NULL REFERENCES device_key (key_id),
    suite               TEXT NOT NULL,
    project_sign_public TEXT NOT NULL DEFAULT '',
    coordinators        TEXT NOT NULL DEFAULT '[]',
    server_receipt_key  TEXT NOT NULL DEFAULT '',
    tls_pin             TEXT,
    joined_at           TEXT NOT NULL,
    revoked             INTEGER NOT NULL DEFAULT 0
);

-- Peer devices' public keys (from the server's directory or an invite), with fingerprints
-- to compare aloud.
CREATE TABLE peer_device (
    device_id   TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    role        TEXT NOT NULL,
    pseudonym   TEXT NOT NULL DEFAULT '',
    public      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL
);
CREATE INDEX peer_device_role ON peer_device (project_id, role);

-- Epoch keys: this device's own (own = 1) and those other devices sent us in key packets.
CREATE TABLE epoch_key (
    epoch_id   TEXT PRIMARY KEY,
    sender     TEXT NOT NULL,
    key        BLOB NOT NULL,
    recipients TEXT NOT NULL DEFAULT '[]',
    own        INTEGER NOT NULL DEFAULT 0,
    packet     BLOB,
    created_at TEXT NOT NULL
);
CREATE INDEX epoch_key_own ON epoch_key (own, created_at);

-- What waits to be sent. kind says what ref points to; priority orders text (0) before
-- thumbnails (1) before full media (2). A row is never deleted: its state is the honest
-- answer to "was it sent?". An item is sealed once (envelope, epoch_id) and the same bytes
-- are re-sent on every retry, so the server's idempotent PUT recognises them.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL CHECK (kind IN ('version', 'attachment', 'media', 'review',
                                             'translation', 'assignment', 'bundle')),
    ref        TEXT NOT NULL,
    record_id  TEXT,
    priority   INTEGER NOT NULL DEFAULT 0,
    state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    reason     TEXT,
    attempts   INTEGER NOT NULL DEFAULT 0,
    size       INTEGER NOT NULL DEFAULT 0,
    receipt    TEXT,
    envelope   BLOB,
    epoch_id   TEXT,
    created_at TEXT NOT NULL,
    sent_at    TEXT,
    UNIQUE (kind, ref)
);
CREATE INDEX outbox_state ON outbox (state, priority, id);
CREATE INDEX outbox_record ON outbox (record_id);

-- Where the pull stopped: advanced in the same transaction as what it applied.
CREATE TABLE pull_checkpoint (
    project_id TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

-- Envelopes refused on arrival (tampered, truncated, unsigned, unknown sender), kept for
-- inspection and never applied.
CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    source      TEXT NOT NULL,
    seq         INTEGER,
    sender      TEXT,
    reason      TEXT NOT NULL,
    envelope    BLOB NOT NULL
);

-- Items already applied (by content hash), so a replayed envelope or bundle is a no-op.
CREATE TABLE applied (
    item_hash  TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    record_id  TEXT,
    applied_at TEXT NOT NULL
);

-- Attachments described by an arrived item whose encrypted file is not here yet.
CREATE TABLE incoming_attachment (
    id         TEXT PRIMARY KEY,
    record_id  TEXT NOT NULL,
    item       TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'done')),
    created_at TEXT NOT NULL
);

-- Which device wrote a record (so reviews go back to the author's device).
CREATE TABLE record_origin (
    record_id  TEXT PRIMARY KEY,
    device_id  TEXT NOT NULL,
    project_id TEXT NOT NULL
);

-- A coordinator's assignment of a record to a translator, for one target language.
CREATE TABLE assignment (
    id                TEXT PRIMARY KEY,
    record_id         TEXT NOT NULL,
    translator        TEXT NOT NULL,
    translator_device TEXT NOT NULL,
    target_lang       TEXT NOT NULL CHECK (target_lang IN ('fr', 'en')),
    fields            TEXT NOT NULL DEFAULT '[]',
    assigned_by       TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    origin            TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX assignment_record ON assignment (record_id);

-- Two versions of a record with the same parent: both are kept; coordinators see this.
CREATE VIEW conflict AS
SELECT a.record_id, a.parent, a.hash AS version_a, b.hash AS version_b,
       a.author AS author_a, b.author AS author_b
FROM version a JOIN version b
  ON a.record_id = b.record_id AND a.parent = b.parent AND a.hash < b.hash;
