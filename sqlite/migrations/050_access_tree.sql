-- The access log is a table again, appended by group commit in durable
-- transactions (sqlite/audit.go): the journal file and its indexes go.
-- Each entry links to the person's previous one (person_prev), and the
-- entries are the leaves of a Merkle tree whose complete subtrees are kept
-- in access_tree (level 0: the leaves), with every signed head in
-- access_heads (package audit).
DROP TABLE access_journal;
DROP TABLE access_recent;
DROP TABLE access_person;
-- The latest-score cache's epoch went with the cache.
DROP TABLE score_latest_epoch;
CREATE INDEX access_log_person ON access_log (person, seq);
ALTER TABLE access_log ADD COLUMN person_prev INTEGER NOT NULL DEFAULT 0;
UPDATE access_log SET person_prev = COALESCE((SELECT max(p.seq) FROM access_log p
    WHERE p.person = access_log.person AND p.seq < access_log.seq), 0);
CREATE TABLE access_tree (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE access_heads (
    size       INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    root       TEXT    NOT NULL,
    public_key TEXT    NOT NULL,
    signature  TEXT    NOT NULL,
    PRIMARY KEY (at, size)
);
