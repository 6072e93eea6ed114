-- Disputes get a deadline and an answer: the same contract as sqlite's 071.
ALTER TABLE event_disputes ADD COLUMN evidence TEXT NOT NULL DEFAULT '';
ALTER TABLE event_disputes ADD COLUMN deadline BIGINT NOT NULL DEFAULT 0;
ALTER TABLE event_disputes ADD COLUMN answered_at BIGINT;
ALTER TABLE event_disputes ADD COLUMN note TEXT NOT NULL DEFAULT '';
UPDATE event_disputes SET deadline = created_at + 30::bigint * 86400 * 1000000000;
CREATE INDEX event_disputes_open ON event_disputes (deadline) WHERE status = 'open';
