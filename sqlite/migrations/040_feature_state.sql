-- Each person's folded feature state (feature.State in its binary form), so
-- that a full rescore reads features from one row a person instead of
-- refolding every event. See feature.Snapshot for what a row guarantees.
CREATE TABLE feature_state (
    person    TEXT    PRIMARY KEY,
    version   INTEGER NOT NULL, -- feature.SnapshotVersion of the code that wrote it
    seq       INTEGER NOT NULL, -- ledger position covered: the person's events with seq <= it
    folded_at INTEGER NOT NULL, -- Unix ns: covered events that occurred (and were recorded) before it are folded in
    horizon   INTEGER NOT NULL, -- Unix ns: earliest occurred_at of a covered event left out (max int64: none)
    state     BLOB    NOT NULL
) WITHOUT ROWID; -- read in person order: the rows are the b-tree's leaves

-- How far the table as a whole is known to be complete: every person with an
-- event at or below `through` has a row covering all their events up to it.
-- A full build or rescore sets it; a row of another version means rebuild.
CREATE TABLE feature_state_coverage (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    through INTEGER NOT NULL,
    at      INTEGER NOT NULL  -- Unix ns, when it was set
);
