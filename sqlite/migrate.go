package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
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

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations(files fs.FS) ([]migration, error) {
	names, err := fs.Glob(files, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	seen := map[int]string{}
	for _, n := range names {
		base := path.Base(n)
		num, rest, ok := strings.Cut(strings.TrimSuffix(base, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || rest == "" {
			return nil, fmt.Errorf("sqlite: migration %s: name must be NNN_name.sql", base)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("sqlite: migrations %s and %s share version %d", other, base, v)
		}
		seen[v] = base
		body, err := fs.ReadFile(files, n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

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
		for i < len(ms) && ms[i].version < v {
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
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UTC().Format(time.RFC3339))
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// Migrations returns the versions applied to the database, ascending.
func (db *DB) Migrations(ctx context.Context) ([]int, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}
