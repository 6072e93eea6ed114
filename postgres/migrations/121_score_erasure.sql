-- Score history is never rewritten, but it is erased with its person: a
-- delete passes only for a person the erasure's transaction has listed in
-- erasing (and removes from it before it commits).
CREATE TABLE erasing (person TEXT PRIMARY KEY);
CREATE OR REPLACE FUNCTION scores_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM erasing WHERE person = OLD.person) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'score history is append-only';
END $$;
