-- fieldapp store, version 11: translations reach the record's own monitor, and the
-- translator gets the project's earlier translations of sentences like the ones assigned.
-- On the coordinator's device an assignment keeps the device that wrote the record
-- (`author_device`, NULL when a coordinator wrote it): a copy of the assignment goes to
-- that monitor, and the translator's translation is relayed to it. `memory` holds the
-- sentence pairs (JSON list of [source, translation]) the coordinator's app found in the
-- project's earlier translations for the assigned text, and nothing else of other records.
ALTER TABLE assignment ADD COLUMN author_device TEXT;
ALTER TABLE assignment ADD COLUMN memory TEXT NOT NULL DEFAULT '[]';
