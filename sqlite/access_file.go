package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
)

// The access log lives in a SQLite file of its own beside the database
// (PATH-access.db), with its own writer, WAL and checkpointer. In the main
// file every read's entry waited behind whatever the one writer was doing
// (ingestion cut reads to a trickle: bench/RESULTS.md), and the log's pages
// filled the main file's WAL that every score
// lookup reads through. Each file commits atomically on its own; the only
// write touching both, an erasure, writes the log first (erase.go).

// AccessPath is the file that holds the access log of the database at path.
func AccessPath(path string) string { return path + "-access.db" }

// Files are the files a database at path consists of: the main file and
// the access log's, each with its WAL and shared-memory index.
func Files(path string) []string {
	var out []string
	for _, f := range []string{path, AccessPath(path)} {
		out = append(out, f, f+"-wal", f+"-shm")
	}
	return out
}

// accessSchema is the log file's schema: the tables of migrations 022,
// 050 and 120 as they end up in the main file, which migration 210 drops
// once copyAccessLog has moved their rows.
const accessSchema = `
CREATE TABLE IF NOT EXISTS access_log (
    seq         INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    person      TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    scope       TEXT    NOT NULL,
    purpose     TEXT    NOT NULL,
    consent     TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL,
    person_prev INTEGER NOT NULL DEFAULT 0,
    erased_by   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS access_log_person ON access_log (person, seq);
CREATE TABLE IF NOT EXISTS access_tree (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS access_heads (
    size       INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    root       TEXT    NOT NULL,
    public_key TEXT    NOT NULL,
    signature  TEXT    NOT NULL,
    next_key   TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (at, size)
);`

// openAccessFile opens the log's file, as the main file is opened: one
// writer connection, a pool of readers, synchronous=FULL.
func (db *DB) openAccessFile(ctx context.Context) error {
	path := AccessPath(db.path)
	w := commonDSN()
	w.Set("_txlock", "immediate")
	w.Set("_stmt_cache_size", "64") // a group commit's statements repeat: keep them prepared
	writer, err := sql.Open(driverName, dsn(path, w))
	if err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1) // kept open: idle and lifetime limits are off by default
	db.accessW = writer
	if err := tune(ctx, writer); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if _, err := writer.ExecContext(ctx, accessSchema); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// A key rotation's head names the next key: a column files made before lack.
	if _, err := writer.ExecContext(ctx, `ALTER TABLE access_heads ADD COLUMN next_key TEXT NOT NULL DEFAULT ''`); err != nil && !strings.Contains(err.Error(), "duplicate column") {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r := commonDSN()
	r.Set("_query_only", "true")
	if db.accessR, err = sql.Open(driverName, dsn(path, r)); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	db.accessR.SetMaxOpenConns(n)
	db.accessR.SetMaxIdleConns(n)
	return nil
}

// copyAccessLog copies the log of a database from before migration 210,
// kept in the main file, into the log's file. It runs before that
// migration drops the tables, and again after a crash between the two:
// rows already copied are skipped.
func (db *DB) copyAccessLog(ctx context.Context) error {
	var old bool
	if err := db.writer.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'access_log' AND type = 'table')`).Scan(&old); err != nil || !old {
		return err
	}
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS logfile`, AccessPath(db.path)); err != nil {
		return fmt.Errorf("sqlite: moving the access log: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE logfile`)
	// Only the log's file is written, so the transaction commits
	// atomically although it spans two files.
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, q := range []string{
		`INSERT OR IGNORE INTO logfile.access_log (` + accessReadColumns + `) SELECT ` + accessReadColumns + ` FROM main.access_log`,
		`INSERT OR IGNORE INTO logfile.access_tree (level, idx, hash) SELECT level, idx, hash FROM main.access_tree`,
		`INSERT OR IGNORE INTO logfile.access_heads (size, at, root, public_key, signature) SELECT size, at, root, public_key, signature FROM main.access_heads`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			tx.Rollback()
			return fmt.Errorf("sqlite: moving the access log: %w", err)
		}
	}
	return tx.Commit()
}

// AccessWriter returns the one-connection pool that writes the access
// log's file. Entries are appended through AccessLog; this is for tools
// and tests that must reach the tables themselves.
func (db *DB) AccessWriter() *sql.DB { return db.accessW }

// accessWriteTx is WriteTx on the access log's file.
func (db *DB) accessWriteTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return writeTx(ctx, db.accessW, fn)
}

func (db *DB) closeAccessFile() error {
	var errs []error
	for _, p := range []*sql.DB{db.accessR, db.accessW} {
		if p != nil {
			errs = append(errs, p.Close())
		}
	}
	return errors.Join(errs...)
}
