-- fieldapp store, version 8: the coordinator's review queue asks, for every record, whether
-- a review was written for its current version. With the version beside the record in the
-- index, that question is answered from the index alone (100k records: 200 -> 140 ms).
CREATE INDEX review_head ON review (record_id, version_hash);
