-- fieldapp store, version 9: the project's glossary (terms with their agreed translation),
-- edited by coordinators and sent to translators as signed items; the outbox learns the
-- new item kind. Every edit is a row; the glossary is the latest row of each term and
-- language (a row with deleted = 1 takes the term out).
CREATE TABLE glossary (
    id          TEXT PRIMARY KEY,
    term        TEXT NOT NULL,
    folded      TEXT NOT NULL,
    target_lang TEXT NOT NULL CHECK (target_lang IN ('fr', 'en')),
    translation TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    deleted     INTEGER NOT NULL DEFAULT 0,
    editor      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    origin      TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX glossary_term ON glossary (folded, target_lang, created_at);

CREATE TABLE outbox_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL CHECK (kind IN ('version', 'attachment', 'media', 'review',
                                             'translation', 'assignment', 'bundle',
                                             'glossary')),
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
INSERT INTO outbox_new SELECT * FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_state ON outbox (state, priority, id);
CREATE INDEX outbox_record ON outbox (record_id);
