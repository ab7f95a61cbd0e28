-- fieldapp store, version 3: acknowledgements carried back by USB bundles, and an index
-- to find a version's children (pulling records chooses heads by leaves).
-- When this device applies items from a bundle, or uploads a bundle to the server, it
-- keeps one acknowledgement per item (its own signed "applied", or the server's receipt);
-- its next bundle export carries them back to the author, whose outbox then says "sent".
CREATE TABLE bundle_ack (
    sha256     TEXT NOT NULL,
    sender     TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('device', 'server')),
    ack        TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (sha256, kind)
);
CREATE INDEX bundle_ack_sender ON bundle_ack (sender);

CREATE INDEX version_parent ON version (parent);
