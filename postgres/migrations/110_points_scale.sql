-- The deployment's points scale: the same contract as sqlite's migration
-- 110. Set once, by the first model registered; one row at most.
CREATE TABLE points_scale (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    anchor_score DOUBLE PRECISION NOT NULL,
    anchor_odds  DOUBLE PRECISION NOT NULL,
    pdo          DOUBLE PRECISION NOT NULL,
    fixed_at     BIGINT NOT NULL -- Unix nanoseconds
);
