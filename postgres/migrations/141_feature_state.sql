-- Each person's folded feature state, as in SQLite's migration 040: a full
-- rescore reads features from one row a person instead of refolding every
-- event. See feature.Snapshot for what a row guarantees; any row can be
-- dropped and rebuilt from the ledger.
CREATE TABLE feature_state (
    person    TEXT COLLATE "C" PRIMARY KEY, -- read in person order, bytewise like the ledger scans
    version   INTEGER NOT NULL, -- feature.SnapshotVersion of the code that wrote it
    seq       BIGINT  NOT NULL, -- ledger position covered: the person's events with seq <= it
    folded_at BIGINT  NOT NULL, -- Unix ns: covered events that occurred (and were recorded) before it are folded in
    horizon   BIGINT  NOT NULL, -- Unix ns: earliest occurred_at of a covered event left out (max int64: none)
    state     BYTEA   NOT NULL
);

-- How far the table as a whole is known to be complete: every person with an
-- event at or below `through` has a row covering all their events up to it.
CREATE TABLE feature_state_coverage (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    through BIGINT  NOT NULL,
    at      BIGINT  NOT NULL  -- Unix ns, when it was set
);
