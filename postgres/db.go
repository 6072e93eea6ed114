// Package postgres implements Sesame's stores on PostgreSQL (and
// PostgreSQL-wire databases), for running several stateless `sesame serve`
// replicas on one shared database. It meets the same contracts as package
// sqlite (see ledgertest).
package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// DB is a connection pool to a Sesame database, safe for concurrent use.
// Stores of other packages share it through Pool and Tx.
type DB struct {
	pool       *pgxpool.Pool
	accessPool *pgxpool.Pool // the access log's appends (access.go)
	events     *EventStore
	access     *audit.Writer      // appends to the log's pre-partition chain (access.go)
	group      *audit.GroupCommit // the access log's group commit (access.go)
}

// Open connects to the database at url (postgres://…) and applies the
// migrations it has not seen yet. Query parameters pgx does not know are sent
// as run-time settings, so `?search_path=myschema` selects a schema.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	// The access log's partitions append on a pool of their own, one
	// connection each at most: a group commits while holding one through
	// a WAL flush, and on the shared pool (by default as many connections
	// as CPUs) they would queue behind each other and the reads.
	acfg := cfg.Copy()
	acfg.MaxConns, acfg.MinConns = audit.Partitions, 0
	// Whatever the server's default, an access entry is synced before the
	// read it records is answered.
	acfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	accessPool, err := pgxpool.NewWithConfig(ctx, acfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := &DB{pool: pool, accessPool: accessPool}
	db.access, db.group = newAccessWriter(db), newAccessGroupCommit(db)
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// A log whose entries predate its tree (migration 050) gets its tree
	// now, so that proofs and heads cover every entry.
	var untreed bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM access_log WHERE part = 0) AND NOT EXISTS (SELECT 1 FROM access_tree)`).Scan(&untreed); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if untreed {
		if err := db.access.Write(ctx, nil, func() {}); err != nil {
			db.Close()
			return nil, err
		}
	}
	db.events = &EventStore{db: db}
	return db, nil
}

// Pool returns the connection pool.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Events returns the event ledger.
func (db *DB) Events() *EventStore { return db.events }

// Tx runs fn in a transaction, committed when fn returns nil.
func (db *DB) Tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

// Close closes the pool.
func (db *DB) Close() error {
	db.accessPool.Close()
	db.pool.Close()
	return nil
}

// Migrations follow the same rule as package sqlite's: files
// migrations/NNN_name.sql, numbers reserved by area (001–009 ledger, 010–019
// scores, 020–029 partners and consent, 030–039 credentials), gaps allowed,
// every version not yet in schema_migrations applied in ascending order.
// All pending migrations run in one transaction under an advisory lock, so
// replicas starting together apply each exactly once.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the advisory lock key taken while migrating ("sesame").
const migrationLock = 0x736573616d65

func (db *DB) migrate(ctx context.Context) error {
	ms, err := sqlrow.LoadMigrations(migrationFiles)
	if err != nil {
		return err
	}
	return db.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return fmt.Errorf("postgres: migration lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("postgres: schema_migrations: %w", err)
		}
		applied := map[int]bool{}
		rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				return err
			}
			applied[v] = true
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range ms {
			if applied[m.Version] {
				continue
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("postgres: migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
				return err
			}
		}
		return nil
	})
}

// Migrations returns the versions applied, ascending.
func (db *DB) Migrations(ctx context.Context) ([]int, error) {
	return sqlrow.Migrations(ctx, db.q())
}

// q is sqlrow.Querier on the pool: the reads written once for both engines.
func (db *DB) q() sqlrow.Querier { return pgQuerier{db.pool} }

type pgQuerier struct{ pool *pgxpool.Pool }

func (q pgQuerier) Query(ctx context.Context, s string, args ...any) (sqlrow.Rows, error) {
	rows, err := q.pool.Query(ctx, sqlrow.Dollars(s), args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (q pgQuerier) QueryRow(ctx context.Context, s string, args ...any) sqlrow.Row {
	return q.pool.QueryRow(ctx, sqlrow.Dollars(s), args...)
}

// pgTx is sqlrow.Tx on a transaction.
type pgTx struct{ tx pgx.Tx }

func (t pgTx) Query(ctx context.Context, s string, args ...any) (sqlrow.Rows, error) {
	rows, err := t.tx.Query(ctx, sqlrow.Dollars(s), args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (t pgTx) QueryRow(ctx context.Context, s string, args ...any) sqlrow.Row {
	return t.tx.QueryRow(ctx, sqlrow.Dollars(s), args...)
}

func (t pgTx) Exec(ctx context.Context, s string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, sqlrow.Dollars(s), args...)
	return tag.RowsAffected(), err
}

func (q pgQuerier) Exec(ctx context.Context, s string, args ...any) (int64, error) {
	tag, err := q.pool.Exec(ctx, sqlrow.Dollars(s), args...)
	return tag.RowsAffected(), err
}
