-- Disputes get a deadline and an answer: the source has 30 days (45 with
-- the person's added information) to say verified, corrected or deleted; a
-- dispute unanswered at its deadline is suppressed and its event no longer
-- counts in scoring.
ALTER TABLE event_disputes ADD COLUMN evidence TEXT NOT NULL DEFAULT '';
ALTER TABLE event_disputes ADD COLUMN deadline INTEGER NOT NULL DEFAULT 0; -- Unix nanoseconds
ALTER TABLE event_disputes ADD COLUMN answered_at INTEGER;                  -- Unix nanoseconds, NULL while open
ALTER TABLE event_disputes ADD COLUMN note TEXT NOT NULL DEFAULT '';
UPDATE event_disputes SET deadline = created_at + 30 * 86400 * 1000000000;
-- The expiry sweep finds open disputes by deadline.
CREATE INDEX event_disputes_open ON event_disputes (deadline) WHERE status = 'open';
