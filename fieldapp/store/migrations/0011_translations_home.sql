-- fieldapp store, version 11: translations reach the record's own monitor, and the
-- translator gets the project's earlier translations of sentences like the ones assigned.
-- An assignment names the device that wrote the record (`author_device`, NULL when a
-- coordinator wrote it): the assignment goes to that device too, and the translator seals
-- its translations for the coordinators and that device. `memory` holds the sentence pairs
-- (JSON list of [source, translation]) the coordinator's app found in the project's
-- earlier translations for the assigned text, and nothing else of other records.
ALTER TABLE assignment ADD COLUMN author_device TEXT;
ALTER TABLE assignment ADD COLUMN memory TEXT NOT NULL DEFAULT '[]';
