-- Score history is never rewritten, but it is erased with its person: a
-- delete passes only for a person the erasure's transaction has listed in
-- erasing (and removes from it before it commits).
CREATE TABLE erasing (person TEXT PRIMARY KEY);
DROP TRIGGER scores_append_only_delete;
CREATE TRIGGER scores_append_only_delete BEFORE DELETE ON scores
WHEN NOT EXISTS (SELECT 1 FROM erasing WHERE person = OLD.person)
BEGIN SELECT RAISE(ABORT, 'score history is append-only'); END;
