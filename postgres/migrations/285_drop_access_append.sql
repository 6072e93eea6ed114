-- Entries are sealed in Go on every path now, an erasure's too
-- (postgres/access.go, appendOn): the functions that sealed them in
-- PL/pgSQL were a second implementation of audit.Seal to keep in step.
DROP FUNCTION IF EXISTS access_append(integer, bigint[], text[], text[], text[], text[], text[], text[], text[], text[]);
DROP FUNCTION IF EXISTS access_append_parts(integer[], bigint[], text[], text[], text[], text[], text[], text[], text[], text[]);
