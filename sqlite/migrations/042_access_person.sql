-- A person's view of the access log (who looked, newest first) no longer
-- reads an index on access_log: inserting each entry into one large
-- (person, seq) index dirtied a page of it per entry once the index was
-- larger than an indexing batch (about 4 KiB of WAL, and again of
-- checkpoint, for a 300-byte entry). New entries go into access_recent, a
-- small table whose pages stay few and hot; the indexer moves them on to
-- access_person one key range at a time (sweep is where the next range
-- starts; recent counts its rows), so each page of the large table is written once per sweep
-- rather than once per entry (sqlite/access_index_raw.go). An entry is in
-- exactly one of the two.
CREATE TABLE access_recent (
    person TEXT    NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (person, seq)
) WITHOUT ROWID;
CREATE TABLE access_person (
    person TEXT    NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (person, seq)
) WITHOUT ROWID;
INSERT INTO access_person (person, seq) SELECT person, seq FROM access_log ORDER BY person, seq;
DROP INDEX access_log_person;
ALTER TABLE access_journal ADD COLUMN sweep TEXT NOT NULL DEFAULT '';
ALTER TABLE access_journal ADD COLUMN recent INTEGER NOT NULL DEFAULT 0; -- rows in access_recent
