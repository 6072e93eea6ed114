-- Champion and challenger. The challenger (at most one) scores in shadow
-- beside the active model; its scores live in shadow_scores, apart from
-- the served ones, and no read path for people or partners touches them.
-- model_promotions records every promotion and rollback with its reason.
CREATE TABLE model_challenger (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version TEXT    NOT NULL REFERENCES models (version),
    set_at  INTEGER NOT NULL -- Unix nanoseconds
);
CREATE TABLE shadow_scores (
    person        TEXT    NOT NULL,
    model_version TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    score         INTEGER NOT NULL,
    band          TEXT    NOT NULL,
    as_of         INTEGER NOT NULL,
    PRIMARY KEY (person, model_version)
) WITHOUT ROWID;
CREATE TABLE model_promotions (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    version  TEXT    NOT NULL,
    previous TEXT    NOT NULL,
    action   TEXT    NOT NULL, -- promote | rollback
    reason   TEXT    NOT NULL,
    at       INTEGER NOT NULL
);
