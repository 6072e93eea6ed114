-- The event ledger. Append-only: rows are inserted, never updated or deleted.
-- Plain types only (no sequences' CACHE tricks, no extensions), so that the
-- schema also runs on distributed PostgreSQL-wire databases.
CREATE TABLE events (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- ledger order
    source      TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    person      TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    occurred_at BIGINT  NOT NULL, -- Unix nanoseconds: timestamptz would drop the nanoseconds a source sent
    occurred_tz INTEGER NOT NULL, -- the sender's UTC offset in seconds
    recorded_at BIGINT  NOT NULL, -- Unix nanoseconds, the database's clock at the append
    version     INTEGER NOT NULL,
    payload     JSONB   NOT NULL, -- queryable by operators; the fingerprint keeps the exact body's identity
    fingerprint BYTEA   NOT NULL, -- SHA-256 of the canonical body
    CONSTRAINT events_key UNIQUE (source, id)
);

CREATE INDEX events_person ON events (person, occurred_at, seq);
