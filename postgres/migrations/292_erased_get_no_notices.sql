-- A partner's look at an erased person's id (denied: their consents are
-- gone) would leave a notice in the inbox of someone no longer there,
-- naming them again. Notices to an erased person are skipped, as their
-- scores are (migration 291); the notices' writers hold the ledger lock
-- shared, as the scores' do.
CREATE FUNCTION skip_erased_recipient() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF NEW.recipient LIKE 'person:%' AND EXISTS (SELECT 1 FROM erased_people WHERE key = sha256(
            convert_to('sesame erased person', 'UTF8') || '\x00'::bytea || convert_to(substr(NEW.recipient, 8), 'UTF8'))) THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER notices_erased BEFORE INSERT ON notices FOR EACH ROW EXECUTE FUNCTION skip_erased_recipient();
