-- fieldapp store, version 7: a version may resolve a conflict. Besides its parent (the head
-- it was written on) it names the other heads it merges; those are no longer leaves, so
-- the record leaves the `conflict` view on every device that has the resolving version.
CREATE TABLE version_merge (
    hash   TEXT NOT NULL,   -- the resolving version
    parent TEXT NOT NULL,   -- a head it merges (besides version.parent)
    PRIMARY KEY (hash, parent)
);
CREATE INDEX version_merge_parent ON version_merge (parent);

-- A record is in conflict while it has more than one leaf: a version that no version
-- names as its parent or merges. Both leaves are kept; coordinators resolve them.
DROP VIEW conflict;
CREATE VIEW conflict AS
SELECT a.record_id, a.parent, a.hash AS version_a, b.hash AS version_b,
       a.author AS author_a, b.author AS author_b
FROM version a JOIN version b ON a.record_id = b.record_id AND a.hash < b.hash
WHERE NOT EXISTS (SELECT 1 FROM version c WHERE c.parent = a.hash)
  AND NOT EXISTS (SELECT 1 FROM version c WHERE c.parent = b.hash)
  AND NOT EXISTS (SELECT 1 FROM version_merge m WHERE m.parent = a.hash)
  AND NOT EXISTS (SELECT 1 FROM version_merge m WHERE m.parent = b.hash);
