-- An erased person's access-log entries keep only their seq, links and
-- hash; erased_by is the seq of the erasure entry that names them.
ALTER TABLE access_log ADD COLUMN erased_by INTEGER NOT NULL DEFAULT 0;
