-- Scores and feature states are derived from a person's events: a rescore
-- that read them before the person's erasure must not write its results
-- after it. Such a row is skipped once the person is erased. Each save
-- holds the ledger lock shared, which an erasure takes whole, and a
-- VOLATILE function's query sees what committed before it: an erasure
-- either waits for a save in flight and deletes its rows, or commits
-- first and the save's rows are skipped. The key is sesame.ErasureKey.
CREATE FUNCTION skip_erased_person() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM erased_people WHERE key = sha256(
            convert_to('sesame erased person', 'UTF8') || '\x00'::bytea || convert_to(NEW.person, 'UTF8'))) THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER scores_erased BEFORE INSERT ON scores FOR EACH ROW EXECUTE FUNCTION skip_erased_person();
CREATE TRIGGER score_latest_erased BEFORE INSERT ON score_latest FOR EACH ROW EXECUTE FUNCTION skip_erased_person();
CREATE TRIGGER feature_state_erased BEFORE INSERT ON feature_state FOR EACH ROW EXECUTE FUNCTION skip_erased_person();
CREATE TRIGGER shadow_scores_erased BEFORE INSERT ON shadow_scores FOR EACH ROW EXECUTE FUNCTION skip_erased_person();
