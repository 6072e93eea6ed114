-- Every policy version ever used (content-addressed by SHA-256 of the
-- source), the current version of each uploaded product, and decisions
-- with their full inputs so that they can be replayed exactly.
CREATE TABLE policy_versions (
    version     TEXT PRIMARY KEY,
    product     TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    purpose     TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    source      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE products (
    id      TEXT PRIMARY KEY,
    version TEXT NOT NULL REFERENCES policy_versions (version)
) WITHOUT ROWID;

CREATE TABLE decisions (
    id             TEXT PRIMARY KEY,
    partner        TEXT    NOT NULL,
    person         TEXT    NOT NULL,
    product        TEXT    NOT NULL,
    policy_version TEXT    NOT NULL REFERENCES policy_versions (version),
    model_version  TEXT    NOT NULL,
    consent        TEXT    NOT NULL,
    input          TEXT    NOT NULL, -- JSON of sesame.DecisionInput
    result         TEXT    NOT NULL, -- canonical JSON of sesame.DecisionResult
    created_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX decisions_person ON decisions (person, created_at);
