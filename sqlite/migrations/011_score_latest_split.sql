-- The latest score of each person, now in two parts: body is the score as
-- the API shows it (served as stored, without decoding), features the
-- profile it was computed from in sesame.AppendFeatures' binary form (or,
-- for rows carried over from migration 010, a JSON object). A rowid table:
-- its rows run to a kilobyte or more, past what WITHOUT ROWID suits.
CREATE TABLE score_latest_v2 (
    person   TEXT    NOT NULL UNIQUE,
    seq      INTEGER NOT NULL, -- the history row it copies
    body     BLOB    NOT NULL, -- JSON, no features
    features BLOB              -- NULL when the score had none
);
INSERT INTO score_latest_v2 (person, seq, body, features)
    SELECT person, seq, CAST(json_remove(body, '$.features') AS BLOB),
           CAST(json_extract(body, '$.features') AS BLOB)
    FROM score_latest;
DROP TABLE score_latest;
ALTER TABLE score_latest_v2 RENAME TO score_latest;

-- The name lists of stored feature values (see sqlite/featureset.go): a
-- latest score stores only its values and the hash of its list.
CREATE TABLE feature_sets (
    hash  INTEGER PRIMARY KEY, -- FNV-1a 64 of the names, NUL-separated
    names TEXT    NOT NULL     -- JSON array, in value order
);
