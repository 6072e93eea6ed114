-- The access log: one global hash chain in seq order (see package audit).
-- Rows are only ever inserted; verification recomputes every hash.
CREATE TABLE access_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    person    TEXT    NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    scope     TEXT    NOT NULL,
    purpose   TEXT    NOT NULL,
    consent   TEXT    NOT NULL,
    outcome   TEXT    NOT NULL,
    reason    TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);
CREATE INDEX access_log_person ON access_log (person, seq);
