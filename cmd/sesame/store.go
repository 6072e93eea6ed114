package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/credential"
	"github.com/sesame-credit/sesame/portal"
	"github.com/sesame-credit/sesame/postgres"
	"github.com/sesame-credit/sesame/sqlite"
)

// defaultDB is where the embedded store lives when neither --db nor SESAME_DB says.
const defaultDB = "./sesame.db"

// dbFlag registers --db on fs: a SQLite file path or a postgres:// URL,
// defaulting to $SESAME_DB, then ./sesame.db.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", envOr("SESAME_DB", defaultDB), "database: a SQLite file `PATH`, or a postgres:// URL (env SESAME_DB)")
}

// store is an open database: the ledger, and the engine-specific handle that
// other commands use to build their own stores on the same database.
type store struct {
	Events  sesame.EventStore
	Scanner sesame.EventScanner
	// Exactly one of these is set.
	SQLite   *sqlite.DB
	Postgres *postgres.DB
}

// openStore opens an existing database named by dsn, applying pending
// migrations. A postgres:// or postgresql:// URL selects PostgreSQL;
// anything else is a SQLite file path, which must exist: a mistyped --db
// on a command that reads must not leave an empty database behind and
// answer as if it held nobody.
func openStore(ctx context.Context, dsn string) (*store, error) {
	if dsn == "" {
		dsn = defaultDB
	}
	if !isPostgresURL(dsn) {
		if _, err := os.Stat(dsn); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s (create one with 'sesame migrate --db %s', or load events with 'sesame ingest')", dsn, dsn)
		}
	}
	return createStore(ctx, dsn)
}

// createStore opens the database named by dsn, creating a SQLite file when
// there is none. Only the commands that put data in (ingest, simulate,
// import, migrate, demo) use it.
func createStore(ctx context.Context, dsn string) (*store, error) {
	if dsn == "" {
		dsn = defaultDB
	}
	if !isPostgresURL(dsn) {
		if dir := filepath.Dir(dsn); dir != "" {
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return nil, fmt.Errorf("no directory %s for the database %s", dir, dsn)
			}
		}
	}
	if isPostgresURL(dsn) {
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		return &store{Events: auth.ContactEvents{EventStore: db.Events(), Contacts: db.Trust()}, Scanner: db.Events(), Postgres: db}, nil
	}
	db, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", dsn, err)
	}
	// Events carrying a verified e-mail or phone file it as a contact
	// (auth.ContactEvents), whichever way they arrive.
	return &store{Events: auth.ContactEvents{EventStore: db.Events(), Contacts: db.Sessions()}, Scanner: db.Events(), SQLite: db}, nil
}

// isPostgresURL reports whether --db names a PostgreSQL database rather
// than a SQLite file.
func isPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// scoreStore is what the score service keeps its scores (with the
// rescore's checkpoints) and models in; both engines implement it.
type scoreStore interface {
	sesame.ScoreStore
	sesame.ModelStore
	sesame.ScaleStore
	sesame.ChallengerStore
}

// Scores returns the score store of whichever database is open.
func (s *store) Scores() scoreStore {
	if s.SQLite != nil {
		return s.SQLite.Scores()
	}
	return s.Postgres.Scores()
}

// recordStore is where people's badge choices and additions to their own
// record live; both engines implement it.
type recordStore interface {
	sesame.BadgeStore
	sesame.AdditionStore
}

// Record returns the record store of whichever database is open.
func (s *store) Record() recordStore {
	if s.SQLite != nil {
		return s.SQLite.Record()
	}
	return s.Postgres.Record()
}

// credentialStore is where credential signing keys, issued credentials and
// people's event disputes live; both engines implement it.
type credentialStore interface {
	credential.Store
	portal.Disputes
}

// Credentials returns the credential store of whichever database is open.
func (s *store) Credentials() credentialStore {
	if s.SQLite != nil {
		return s.SQLite.Credentials()
	}
	return s.Postgres.Credentials()
}

// Watermarks returns the sources' watermarks of whichever database is open.
func (s *store) Watermarks() sesame.WatermarkStore {
	if s.SQLite != nil {
		return s.SQLite.Watermarks()
	}
	return s.Postgres.Watermarks()
}

// Disputes returns the dispute store of whichever database is open.
func (s *store) Disputes() sesame.DisputeStore {
	if s.SQLite != nil {
		return s.SQLite.Disputes()
	}
	return s.Postgres.Disputes()
}

// Outbox returns the notices' outbox of whichever database is open.
func (s *store) Outbox() sesame.Outbox {
	if s.SQLite != nil {
		return s.SQLite.Outbox()
	}
	return s.Postgres.Outbox()
}

// CountPeople returns how many people have events in the ledger.
func (s *store) CountPeople(ctx context.Context) (int64, error) {
	if s.SQLite != nil {
		return s.SQLite.CountPeople(ctx)
	}
	return s.Postgres.CountPeople(ctx)
}

// Mail returns the mail addresses and mailing state of whichever database is open.
func (s *store) Mail() sesame.MailStore {
	if s.SQLite != nil {
		return s.SQLite.Outbox()
	}
	return s.Postgres.Outbox()
}

// NoticeFeed returns what notices are derived from, of whichever database is open.
func (s *store) NoticeFeed() sesame.NoticeFeed {
	if s.SQLite != nil {
		return s.SQLite.NoticeFeed()
	}
	return s.Postgres.NoticeFeed()
}

// Eraser returns the person eraser of whichever database is open.
func (s *store) Eraser() sesame.Eraser {
	if s.SQLite != nil {
		return s.SQLite.Eraser()
	}
	return s.Postgres.Eraser()
}

// Close closes the database.
func (s *store) Close() error {
	if s.SQLite != nil {
		return s.SQLite.Close()
	}
	return s.Postgres.Close()
}

// Stats returns the business counts of whichever database is open.
func (s *store) Stats() sesame.StatsReader {
	if s.SQLite != nil {
		return s.SQLite
	}
	return s.Postgres
}

// Unavailable reports whether err means the database cannot answer for now
// (down, unreachable, locked), which the server answers 503, not 500.
func (s *store) Unavailable(err error) bool {
	if s.Postgres != nil {
		return postgres.Unavailable(err)
	}
	return sqlite.Unavailable(err)
}
