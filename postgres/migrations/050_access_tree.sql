-- The access log, appended by group commit (postgres/trust_consent.go).
-- Each entry links to the person's previous one (person_prev), and the
-- entries are the leaves of a Merkle tree whose complete subtrees are kept
-- in access_tree (level 0: the leaves), with every signed head in
-- access_heads (package audit).
ALTER TABLE access_log ADD COLUMN person_prev BIGINT NOT NULL DEFAULT 0;
UPDATE access_log SET person_prev = COALESCE((SELECT max(p.seq) FROM access_log p
    WHERE p.person = access_log.person AND p.seq < access_log.seq), 0);
CREATE TABLE access_tree (
    level BIGINT NOT NULL,
    idx   BIGINT NOT NULL,
    hash  BYTEA  NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE access_heads (
    size       BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    root       TEXT   NOT NULL,
    public_key TEXT   NOT NULL,
    signature  TEXT   NOT NULL,
    PRIMARY KEY (at, size)
);
