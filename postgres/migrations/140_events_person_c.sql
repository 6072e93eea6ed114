-- People are ordered bytewise, as in SQLite, whatever the database's
-- default collation: the batch scans compare and sort on person COLLATE
-- "C", which an index in the default collation cannot serve, so each chunk
-- of people scanned the whole table. With the column itself in "C" the
-- person index (rebuilt by this statement; the rows are not rewritten)
-- serves both those scans and the equality lookups, whose results do not
-- change: equality is bytewise in every deterministic collation.
ALTER TABLE events ALTER COLUMN person TYPE TEXT COLLATE "C";
