-- A partner's look at an erased person's id (denied: their consents are
-- gone) would leave a notice in the inbox of someone no longer there,
-- naming them again. Notices to an erased person are skipped, as their
-- scores are (migration 291).
CREATE TRIGGER notices_erased BEFORE INSERT ON notices
WHEN NEW.recipient LIKE 'person:%' AND EXISTS (SELECT 1 FROM erased_people)
    AND EXISTS (SELECT 1 FROM erased_people WHERE key = sesame_erasure_key(substr(NEW.recipient, 8)))
BEGIN SELECT RAISE(IGNORE); END;
