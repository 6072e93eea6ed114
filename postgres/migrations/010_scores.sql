-- Scores: the same contract as sqlite's migration 010. An append-only
-- history per person, the latest score per person for fast reads, the model
-- registry (at most one active version) and checkpoints of long jobs. Times
-- are Unix nanoseconds.
CREATE TABLE scores (
    seq           BIGSERIAL PRIMARY KEY,
    person        TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    score         INTEGER NOT NULL, -- 0 when status is not "scored"
    band          TEXT    NOT NULL,
    model_version TEXT    NOT NULL,
    as_of         BIGINT  NOT NULL,
    computed_at   BIGINT  NOT NULL
);
CREATE INDEX scores_person ON scores (person, seq);

-- History is evidence a person may rely on: it is never rewritten.
CREATE FUNCTION scores_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'score history is append-only';
END $$;
CREATE TRIGGER scores_append_only BEFORE UPDATE OR DELETE ON scores
    FOR EACH ROW EXECUTE FUNCTION scores_append_only();
CREATE TRIGGER scores_no_truncate BEFORE TRUNCATE ON scores
    FOR EACH STATEMENT EXECUTE FUNCTION scores_append_only();

-- The latest score of each person: body is the score as the API shows it
-- (served as stored), features the profile it was computed from
-- (sesame.AppendFeatures), kept apart because partners never see it.
CREATE TABLE score_latest (
    person   TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL, -- the history row it copies
    body     BYTEA  NOT NULL, -- JSON, no features
    features BYTEA            -- NULL when the score had none
);

CREATE TABLE models (
    version    TEXT PRIMARY KEY,
    kind       TEXT             NOT NULL,
    created_at BIGINT           NOT NULL,
    active     BOOLEAN          NOT NULL DEFAULT false,
    auc        DOUBLE PRECISION NOT NULL DEFAULT 0,
    note       TEXT             NOT NULL DEFAULT '',
    artifact   BYTEA            NOT NULL
);
-- At most one active model.
CREATE UNIQUE INDEX models_one_active ON models (active) WHERE active;

CREATE TABLE checkpoints (
    job        TEXT PRIMARY KEY,
    position   TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);
