-- The deployment's points scale: the score at the anchor odds and the
-- points that double the odds. It is set once, by the first model
-- registered, so that a score means the same odds under every model
-- version; one row at most.
CREATE TABLE points_scale (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    anchor_score REAL    NOT NULL,
    anchor_odds  REAL    NOT NULL,
    pdo          REAL    NOT NULL,
    fixed_at     INTEGER NOT NULL -- Unix nanoseconds
);
