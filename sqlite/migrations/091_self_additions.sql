-- What people added to their own record through a vouching source
-- (sesame.Addition). Its events live here, not in the sources' ledger:
-- they count only while the addition is kept (removed_at NULL).
CREATE TABLE self_additions (
    id         TEXT    NOT NULL PRIMARY KEY,
    person     TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    label      TEXT    NOT NULL,
    added_at   INTEGER NOT NULL, -- Unix nanoseconds
    removed_at INTEGER,
    gain       INTEGER NOT NULL DEFAULT 0,
    events     TEXT    NOT NULL  -- JSON array of the vouched events
);
CREATE INDEX self_additions_person ON self_additions (person, added_at);
CREATE INDEX self_additions_kept ON self_additions (person) WHERE removed_at IS NULL;
