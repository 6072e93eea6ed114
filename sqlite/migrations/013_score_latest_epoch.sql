-- The latest scores' epoch: every transaction that writes score_latest
-- moves it on by one (sqlite/score.go), so that a server caching the
-- latest scores in memory (sqlite/latest_cache.go) learns that another
-- process — a `sesame rescore` beside it — changed them.
CREATE TABLE score_latest_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO score_latest_epoch (id, n) VALUES (1, 0);
