-- The access log in partitions (package audit, partition.go): each person's
-- entries are appended to one of 16 partitions, each a hash chain of its own
-- under its own advisory lock (access_append, migration 144), so that
-- logged reads of different people do not wait for one lock. Entries written before this migration
-- keep part 0: the one global chain they were written in.
ALTER TABLE access_log ADD COLUMN part INTEGER NOT NULL DEFAULT 0;
ALTER TABLE access_log ADD COLUMN chain_prev BIGINT NOT NULL DEFAULT 0; -- seq of the partition's previous entry
CREATE INDEX access_log_chain_prev ON access_log (chain_prev) WHERE part <> 0;
CREATE INDEX access_log_part ON access_log (part, seq); -- a partition's last entry: its head

-- Seqs are drawn without a lock; one drawn by a transaction that failed is
-- filled by a void entry when the tree reaches it.
CREATE SEQUENCE access_seq AS BIGINT;
SELECT setval('access_seq', COALESCE(max(seq), 0) + 1, false) FROM access_log;

-- Each partition's last entry in the Merkle tree: where the tree, extended
-- after the appends, checks the next entry's link.
CREATE TABLE access_treed (
    part INTEGER PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT   NOT NULL
);
INSERT INTO access_treed (part, seq, hash) SELECT p, 0, '' FROM generate_series(1, 16) AS p;
