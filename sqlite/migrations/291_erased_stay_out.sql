-- Scores and feature states are derived from a person's events: a rescore
-- that read them before the person's erasure must not write its results
-- after it. Such a row is skipped once the person is erased; the one
-- writer orders each save with the erasure. sesame_erasure_key is
-- sesame.ErasureKey, known to every connection (sqlite/person_key.go); the
-- first test spares the call while no one is erased.
CREATE TRIGGER scores_erased BEFORE INSERT ON scores
WHEN EXISTS (SELECT 1 FROM erased_people) AND EXISTS (SELECT 1 FROM erased_people WHERE key = sesame_erasure_key(NEW.person))
BEGIN SELECT RAISE(IGNORE); END;
CREATE TRIGGER score_latest_erased BEFORE INSERT ON score_latest
WHEN EXISTS (SELECT 1 FROM erased_people) AND EXISTS (SELECT 1 FROM erased_people WHERE key = sesame_erasure_key(NEW.person))
BEGIN SELECT RAISE(IGNORE); END;
CREATE TRIGGER feature_state_erased BEFORE INSERT ON feature_state
WHEN EXISTS (SELECT 1 FROM erased_people) AND EXISTS (SELECT 1 FROM erased_people WHERE key = sesame_erasure_key(NEW.person))
BEGIN SELECT RAISE(IGNORE); END;
CREATE TRIGGER shadow_scores_erased BEFORE INSERT ON shadow_scores
WHEN EXISTS (SELECT 1 FROM erased_people) AND EXISTS (SELECT 1 FROM erased_people WHERE key = sesame_erasure_key(NEW.person))
BEGIN SELECT RAISE(IGNORE); END;
