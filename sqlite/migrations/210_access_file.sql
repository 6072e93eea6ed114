-- The access log moved to a file of its own (PATH-access.db, see
-- sqlite/access_file.go), which holds these tables' rows from now on.
DROP TABLE access_log;
DROP TABLE access_tree;
DROP TABLE access_heads;
