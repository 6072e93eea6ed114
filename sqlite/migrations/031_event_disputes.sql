-- Disputes a person raised about one of their events. The ledger stays
-- append-only: a dispute is recorded beside the event, never on it. The full
-- workflow (a source answers, a correction event follows) comes later; for
-- now the person marks an event and sees it marked.
CREATE TABLE event_disputes (
    source     TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    person     TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    created_at INTEGER NOT NULL, -- Unix nanoseconds
    status     TEXT    NOT NULL DEFAULT 'open',
    PRIMARY KEY (source, id)
) WITHOUT ROWID;
CREATE INDEX event_disputes_person ON event_disputes (person);
