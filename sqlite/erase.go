package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// Eraser erases people from this database (sesame.Eraser).
func (db *DB) Eraser() sesame.Eraser { return eraser{db} }

type eraser struct{ db *DB }

// personTables are the tables whose rows of a person are deleted outright.
var personTables = []string{
	"events", "scores", "score_latest", "feature_state", "consents", "consent_requests",
	"person_sessions", "login_links", "decisions", "event_disputes", "badge_choices", "self_additions",
	"person_contacts", "passkeys", "passkey_ceremonies", "shadow_scores",
}

// ErasePerson deletes the person's rows in one transaction with
// secure_delete on, so that SQLite zeroes the freed space, then copies the
// WAL back and truncates it, so that no earlier version of a page that held
// the person's data stays in the -wal file. The access log's file is
// written first, inside the main file's transaction and committed before
// it: a crash between the two leaves the erasure logged and the data in
// place, never the data gone without its entry; erasing again finishes.
func (e eraser) ErasePerson(ctx context.Context, person, actor string, at time.Time) (*sesame.Erasure, error) {
	if person == "" {
		return nil, sesame.Errorf(sesame.EINVALID, "person: give the person to erase")
	}
	db := e.db
	// The writer pool has one connection, so the pragma holds for the
	// transaction that follows it.
	for _, w := range []*sql.DB{db.writer, db.accessW} {
		if _, err := w.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
			return nil, fmt.Errorf("sqlite: erase: %w", err)
		}
		defer w.ExecContext(context.WithoutCancel(ctx), `PRAGMA secure_delete = FAST`)
	}
	r := &sesame.Erasure{Person: person, At: at.UTC(), Deleted: map[string]int64{}}
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		if err := sqlrow.Erase(ctx, sqlrow.SQLTx{Tx: tx}, r, personTables, `instr(CAST(body AS TEXT), ?) > 0`,
			func(q []byte) any { return string(q) }); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		return db.accessWriteTx(ctx, func(atx *sql.Tx) error { return eraseAccess(ctx, atx, person, actor, r) })
	})
	if err != nil {
		return nil, err
	}
	for _, w := range []*sql.DB{db.writer, db.accessW} {
		if err := truncateWAL(ctx, w); err != nil {
			return r, fmt.Errorf("sqlite: erased, but the WAL still holds old pages: %w", err)
		}
	}
	return r, nil
}

// eraseAccess blanks the person's access-log entries to their seq, links
// and hash, and appends the erasure entry that names them (audit.Erase).
func eraseAccess(ctx context.Context, tx *sql.Tx, person, actor string, r *sesame.Erasure) error {
	seqs, err := sqlrow.ErasedSeqs(ctx, sqlrow.SQLTx{Tx: tx}, person)
	if err != nil {
		return err
	}
	entry, err := audit.Erase(ctx, &appendTx{tx: tx}, actor, r.At, seqs)
	if err != nil {
		return fmt.Errorf("sqlite: erase access log: %w", err)
	}
	if err := sqlrow.BlankAccess(ctx, sqlrow.SQLTx{Tx: tx}, person, entry.Seq); err != nil {
		return err
	}
	r.Receipt, r.AccessSeq, r.AccessErased = entry.Person, entry.Seq, len(seqs)
	return nil
}

// truncateWAL copies the WAL into the database and truncates it, retrying
// while a reader's snapshot still needs its frames.
func truncateWAL(ctx context.Context, writer *sql.DB) error {
	for try := 0; ; try++ {
		var busy, logFrames, done int
		if err := writer.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
			return err
		}
		if busy == 0 {
			return nil
		}
		if try == 50 {
			return fmt.Errorf("readers kept the WAL busy")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
