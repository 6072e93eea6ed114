-- Champion and challenger: the same contract as sqlite's migration 111.
CREATE TABLE model_challenger (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version TEXT    NOT NULL REFERENCES models (version),
    set_at  BIGINT  NOT NULL
);
CREATE TABLE shadow_scores (
    person        TEXT    NOT NULL,
    model_version TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    score         INTEGER NOT NULL,
    band          TEXT    NOT NULL,
    as_of         BIGINT  NOT NULL,
    PRIMARY KEY (person, model_version)
);
CREATE TABLE model_promotions (
    seq      BIGSERIAL PRIMARY KEY,
    version  TEXT   NOT NULL,
    previous TEXT   NOT NULL,
    action   TEXT   NOT NULL,
    reason   TEXT   NOT NULL,
    at       BIGINT NOT NULL
);
