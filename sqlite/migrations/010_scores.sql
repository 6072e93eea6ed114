-- Scores: an append-only history per person, the latest score per person for
-- fast reads, the model registry and checkpoints of long jobs.
CREATE TABLE scores (
    seq           INTEGER PRIMARY KEY,
    person        TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    score         INTEGER NOT NULL, -- 0 when status is not "scored"
    band          TEXT    NOT NULL,
    model_version TEXT    NOT NULL,
    as_of         INTEGER NOT NULL, -- Unix nanoseconds
    computed_at   INTEGER NOT NULL
);
CREATE INDEX scores_person ON scores (person, seq);

-- History is evidence a person may rely on: it is never rewritten.
CREATE TRIGGER scores_append_only_update BEFORE UPDATE ON scores
BEGIN SELECT RAISE(ABORT, 'score history is append-only'); END;
CREATE TRIGGER scores_append_only_delete BEFORE DELETE ON scores
BEGIN SELECT RAISE(ABORT, 'score history is append-only'); END;

-- The latest score of each person, whole (dimensions, reasons, tips, features).
CREATE TABLE score_latest (
    person TEXT PRIMARY KEY,
    seq    INTEGER NOT NULL, -- the history row it copies
    body   BLOB    NOT NULL  -- JSON
) WITHOUT ROWID;

CREATE TABLE models (
    version    TEXT PRIMARY KEY,
    kind       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    active     INTEGER NOT NULL DEFAULT 0,
    auc        REAL    NOT NULL DEFAULT 0,
    note       TEXT    NOT NULL DEFAULT '',
    artifact   BLOB    NOT NULL
);
-- At most one active model.
CREATE UNIQUE INDEX models_one_active ON models (active) WHERE active = 1;

CREATE TABLE checkpoints (
    job        TEXT PRIMARY KEY,
    position   TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
