-- A person's and a source's disputes are read newest first a page at a
-- time (DisputesAfter): the same contract as sqlite's 260.
DROP INDEX event_disputes_person;
CREATE INDEX event_disputes_person ON event_disputes (person, created_at);
CREATE INDEX event_disputes_source ON event_disputes (source, created_at);
