// Package sqlite is Sesame's embedded default store: one SQLite file holding
// the event ledger and, in files other packages' owners add here, scores,
// partners, consents and credentials.
//
// One process writes through a pool of exactly one connection, so writes are
// serialised in Go rather than by SQLite's lock (no SQLITE_BUSY between our
// own writers); reads go through a separate pool and run beside the writer
// thanks to WAL mode. synchronous=FULL makes a committed transaction survive
// power loss: when a write transaction returns nil, it is on disk.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"sync"

	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/internal/sqliteraw"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// DB is an open Sesame database file. It is safe for concurrent use. Stores
// of other packages (scores, consents, …) share it: they write with WriteTx
// and read with Reader.
type DB struct {
	path   string
	writer *sql.DB // exactly one connection: all writes, serialised
	reader *sql.DB // read-only connections, concurrent with the writer
	events *EventStore
	// featureSets caches the name lists of stored feature values.
	featureSets featureSets
	// latestFull reads a latest score with its features: prepared once
	// (database/sql keeps one per connection).
	latestOnce sync.Once
	latestFull *sql.Stmt
	latestErr  error
	// latestBody reads a latest score's API body, prepared the same way.
	latestBodyOnce sync.Once
	latestBody     *sql.Stmt
	latestBodyErr  error
	checkpointer   *checkpointer
	// appender stores event batches in C (events.go).
	appender *sqliteraw.Appender
	// access is the access log's group commit (audit.go), writing the
	// log's own file through accessW (access_file.go).
	access           *audit.Writer
	accessW, accessR *sql.DB
	accessCheckpoint *checkpointer
	// batcher group-commits decisions (trust_batch.go).
	batcher *batcher
}

// busyTimeoutMS is how long a connection waits for a lock held by another
// process (e.g. a second `sesame ingest` on the same file) before failing.
const busyTimeoutMS = sqliteraw.BusyTimeoutMS

// Open opens (creating if needed) the database at path and applies the
// migrations it has not seen yet.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	common := commonDSN()
	// BEGIN IMMEDIATE on the writer takes the write lock up front, so a
	// transaction never fails half-way trying to upgrade a read lock.
	w := cloneValues(common)
	w.Set("_txlock", "immediate")
	r := cloneValues(common)
	r.Set("_query_only", "true")

	writer, err := sql.Open(driverName, dsn(path, w))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1) // kept open: idle and lifetime limits are off by default
	if err := tune(ctx, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db := &DB{path: path, writer: writer}
	db.access = newAccessWriter(db)
	db.batcher = &batcher{db: db}
	if err := db.openAccessFile(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	reader, err := sql.Open(driverName, dsn(path, r))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	db.reader = reader
	// A log whose entries predate its tree (migration 050) gets its tree
	// now, so that proofs and heads cover every entry.
	var untreed bool
	if err := db.accessR.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM access_log) AND NOT EXISTS (SELECT 1 FROM access_tree)`).Scan(&untreed); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if untreed {
		if err := db.access.Write(ctx, nil, func() {}); err != nil {
			db.Close()
			return nil, err
		}
	}
	if db.appender, err = sqliteraw.OpenAppender(path, insertEventSQL,
		"PRAGMA synchronous = FULL", // every acknowledged batch survives a crash
		"PRAGMA cache_size = -131072",
		fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", walBoundPages)); err != nil {
		db.Close()
		return nil, err
	}
	if db.checkpointer, err = startCheckpointer(ctx, path); err != nil {
		db.Close()
		return nil, err
	}
	if db.accessCheckpoint, err = startCheckpointer(ctx, AccessPath(path)); err != nil {
		db.Close()
		return nil, err
	}
	db.events = newEventStore(db)
	return db, nil
}

// tune sets per-connection pragmas that the DSN cannot carry. The writer has
// one long-lived connection, so setting them once is enough.
func tune(ctx context.Context, db *sql.DB) error {
	for _, p := range []string{
		// A large page cache keeps the hot parts of the indexes in memory
		// during bulk appends (negative = KiB).
		"PRAGMA cache_size = -131072",
		"PRAGMA temp_store = MEMORY",
		// Space a delete or an update frees is zeroed where that costs no
		// extra write, so old versions of a row linger less (erase.go).
		"PRAGMA secure_delete = FAST",
		// The checkpointer (checkpoint.go) copies the WAL back in the
		// background; the writer's own checkpoint is only a bound.
		fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", walBoundPages),
	} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}

// commonDSN is what every connection to the database is opened with.
func commonDSN() url.Values {
	common := url.Values{}
	common.Set("_journal_mode", "WAL")
	common.Set("_synchronous", "FULL")
	common.Set("_busy_timeout", fmt.Sprint(busyTimeoutMS))
	common.Set("_foreign_keys", "on")
	return common
}

func dsn(path string, v url.Values) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + v.Encode()
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// Path returns the file the database lives in.
func (db *DB) Path() string { return db.path }

// Events returns the event ledger stored in this database.
func (db *DB) Events() *EventStore { return db.events }

// Reader returns the pool for reads. Its connections refuse writes.
func (db *DB) Reader() *sql.DB { return db.reader }

// SQL returns the read pool; it exists so that code written against a plain
// *sql.DB can query the database. Write through WriteTx.
func (db *DB) SQL() *sql.DB { return db.reader }

// Writer returns the single-connection pool that every write goes through.
// Prefer WriteTx; use Writer to prepare statements for use inside it.
func (db *DB) Writer() *sql.DB { return db.writer }

// WriteTx runs fn in a write transaction and commits it when fn returns nil
// (rolls back otherwise). Transactions are serialised: while fn runs, no
// other write does, so keep fn short and free of slow I/O. When WriteTx
// returns nil, the transaction is durable.
func (db *DB) WriteTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return writeTx(ctx, db.writer, fn)
}

func writeTx(ctx context.Context, writer *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	err = tx.Commit()
	if err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// ReadTx runs fn in a read transaction: it sees one consistent snapshot of
// the database, however long it takes, without blocking writes.
func (db *DB) ReadTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return readTx(ctx, db.reader, fn)
}

func readTx(ctx context.Context, reader *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// Close closes both pools. Statements prepared by stores die with them.
func (db *DB) Close() error {
	var errs []error
	if db.latestFull != nil {
		errs = append(errs, db.latestFull.Close())
	}
	if db.latestBody != nil {
		errs = append(errs, db.latestBody.Close())
	}
	for _, c := range []*checkpointer{db.checkpointer, db.accessCheckpoint} {
		if c != nil {
			errs = append(errs, c.close())
		}
	}
	if db.appender != nil {
		db.appender.Close()
	}
	if db.reader != nil {
		errs = append(errs, db.reader.Close())
	}
	errs = append(errs, db.writer.Close(), db.closeAccessFile())
	return errors.Join(errs...)
}

// q is sqlrow.Querier on the read pool: the reads written once for both
// engines.
func (db *DB) q() sqlrow.Querier { return sqlrow.SQL{DB: db.reader, Write: db.exec} }
