package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// Migrations are the files migrations/NNN_name.sql, applied in ascending
// NNN order, each in its own transaction, once: schema_migrations remembers
// which versions ran. Numbers are reserved by area so that engineers can add
// files without coordinating:
//
//	001–009 event ledger        020–029 partners and consent
//	010–019 scores              030–039 credentials
//
// Gaps are expected. A version missing from schema_migrations is applied even
// when a higher one already was (a file added to a lower range after a later
// range shipped), so files must not depend on another range's tables being
// absent. Never edit a shipped file: add a new one.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration = sqlrow.Migration

var loadMigrations = sqlrow.LoadMigrations

// migrate applies every embedded migration not yet recorded.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		return err
	}
	// The journal file of versions before migration 050 is read into
	// access_log before that migration links each person's entries, and
	// the log is copied to its own file before migration 210 drops it.
	before := func(v int) []migration {
		i := 0
		for i < len(ms) && ms[i].Version < v {
			i++
		}
		done := ms[:i]
		ms = ms[i:]
		return done
	}
	for _, step := range []struct {
		upTo int
		then func(context.Context) error
	}{{50, db.importJournal}, {210, db.copyAccessLog}} {
		if err := applyMigrations(ctx, db, before(step.upTo)); err != nil {
			return err
		}
		if err := step.then(ctx); err != nil {
			return err
		}
	}
	return applyMigrations(ctx, db, ms)
}

func applyMigrations(ctx context.Context, db *DB, ms []migration) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	)`
	if _, err := db.writer.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("sqlite: schema_migrations: %w", err)
	}
	for _, m := range ms {
		err := db.WriteTx(ctx, func(tx *sql.Tx) error {
			// Checked inside the write transaction: another process opening
			// the same file at the same time must not apply it twice.
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, time.Now().UTC().Format(time.RFC3339))
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// Migrations returns the versions applied to the database, ascending.
func (db *DB) Migrations(ctx context.Context) ([]int, error) {
	return sqlrow.Migrations(ctx, db.q())
}
