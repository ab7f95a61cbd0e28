-- fieldapp store, version 10: the review queue without a probe per record. Each record
-- row says whether a review was written for its current version (`unreviewed`), kept true
-- by triggers whatever writes the row or the review (local edits, received versions and
-- reviews, in any order); the queue then reads a partial index of the records waiting,
-- newest change first (100k records, 10k waiting: no pass over the 90k reviewed ones).
ALTER TABLE record ADD COLUMN unreviewed INTEGER NOT NULL DEFAULT 1;
UPDATE record SET unreviewed = NOT EXISTS (
    SELECT 1 FROM review q WHERE q.record_id = record.id AND q.version_hash = record.head);
CREATE INDEX record_unreviewed ON record (updated_at DESC, id DESC) WHERE unreviewed = 1;

CREATE TRIGGER record_unreviewed_on_insert AFTER INSERT ON record BEGIN
    UPDATE record SET unreviewed = NOT EXISTS (
        SELECT 1 FROM review q WHERE q.record_id = NEW.id AND q.version_hash = NEW.head)
    WHERE id = NEW.id;
END;

CREATE TRIGGER record_unreviewed_on_head AFTER UPDATE OF head ON record BEGIN
    UPDATE record SET unreviewed = NOT EXISTS (
        SELECT 1 FROM review q WHERE q.record_id = NEW.id AND q.version_hash = NEW.head)
    WHERE id = NEW.id;
END;

CREATE TRIGGER review_marks_record AFTER INSERT ON review BEGIN
    UPDATE record SET unreviewed = 0 WHERE id = NEW.record_id AND head = NEW.version_hash;
END;
