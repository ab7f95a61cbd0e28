-- fieldapp store, version 6: a membership may allow plain http:// beyond this computer.
-- Set only when `project create` or `join` was given --insecure-http (a lab network), so
-- later syncs to that lab server keep working; 0 everywhere else.
ALTER TABLE membership ADD COLUMN insecure_http INTEGER NOT NULL DEFAULT 0;
