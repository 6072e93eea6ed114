-- The latest scores keyed for one-descent lookups: each row's rowid is
-- person_key, the hash of the person's id (sqlite/person_key.go), so that
-- a lookup reads one B-tree instead of the person index and then the
-- table. A person whose key another person already has is stored under a
-- free rowid instead, and found through the person index, which stays
-- (upserts and listings use it).
CREATE TABLE score_latest_keyed (
    person_key INTEGER PRIMARY KEY, -- sesame_person_key(person), unless taken
    person     TEXT    NOT NULL UNIQUE,
    seq        INTEGER NOT NULL, -- the history row it copies
    body       BLOB    NOT NULL, -- JSON, no features
    features   BLOB              -- NULL when the score had none
);
-- OR IGNORE skips the second of two people with one key: the next
-- statement stores them under rowids of SQLite's choosing.
INSERT OR IGNORE INTO score_latest_keyed (person_key, person, seq, body, features)
    SELECT sesame_person_key(person), person, seq, body, features FROM score_latest;
INSERT INTO score_latest_keyed (person, seq, body, features)
    SELECT person, seq, body, features FROM score_latest
    WHERE person NOT IN (SELECT person FROM score_latest_keyed);
DROP TABLE score_latest;
ALTER TABLE score_latest_keyed RENAME TO score_latest;
