-- How far the access log's journal file (PATH-access, see
-- sqlite/access_journal.go) is copied into access_log: offset is the byte
-- up to which its lines are indexed, gen counts the file's truncations so
-- that an indexer that read an old offset does not apply it to a new file.
CREATE TABLE access_journal (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    gen    INTEGER NOT NULL,
    offset INTEGER NOT NULL
);
INSERT INTO access_journal (id, gen, offset) VALUES (1, 0, 0);
