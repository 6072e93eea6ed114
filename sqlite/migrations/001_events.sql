-- The event ledger. Append-only: rows are inserted, never updated or deleted.
CREATE TABLE events (
    -- Ledger order. An INTEGER PRIMARY KEY is the rowid, so appends go to
    -- the right edge of the table's b-tree: the cheapest insert SQLite has.
    seq         INTEGER PRIMARY KEY,
    source      TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    person      TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    occurred_at INTEGER NOT NULL, -- Unix nanoseconds (the instant)
    occurred_tz INTEGER NOT NULL, -- the sender's UTC offset in seconds, to give the time back as sent
    recorded_at INTEGER NOT NULL, -- Unix nanoseconds, set by the ledger
    version     INTEGER NOT NULL, -- envelope version
    payload     BLOB    NOT NULL, -- canonical JSON of the typed payload
    fingerprint BLOB    NOT NULL  -- SHA-256 of the body: duplicate or conflict?
);

-- The idempotency key.
CREATE UNIQUE INDEX events_key ON events (source, id);

-- A person's events in reading order: Events pages and ScanPeople walk it.
CREATE INDEX events_person ON events (person, occurred_at, seq);
