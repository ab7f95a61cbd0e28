-- fieldapp store, version 5: the roster. Who belongs to the project is a statement signed by
-- the project key (or a coordinator it certified) with a counter that only goes up; this
-- device keeps the latest one it verified. The server's directory only says who waits for
-- approval: `peer_device.state` is 'approved' or 'revoked' only when a roster says so.
CREATE TABLE roster (
    project_id TEXT PRIMARY KEY,
    counter    INTEGER NOT NULL,
    statement  BLOB NOT NULL,
    adopted_at TEXT NOT NULL
);

ALTER TABLE peer_device ADD COLUMN state TEXT NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'approved', 'revoked'));
ALTER TABLE peer_device ADD COLUMN revoked_at INTEGER;
ALTER TABLE peer_device ADD COLUMN seq_cutoff INTEGER;
-- What the server claims of a device not in the roster (shown, never trusted).
ALTER TABLE peer_device ADD COLUMN claimed_role TEXT;
CREATE INDEX peer_device_state ON peer_device (project_id, state, role);
-- Devices known before rosters existed wait for a coordinator's approval like new ones;
-- those revoked stay revoked.
UPDATE peer_device SET state = 'revoked' WHERE revoked = 1;
UPDATE peer_device SET claimed_role = role WHERE state = 'pending';
