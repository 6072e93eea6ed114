package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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

// ErasePerson deletes the person's rows in one transaction. PostgreSQL
// keeps deleted row versions until VACUUM reclaims them; autovacuum does,
// and an operator who must be sure runs VACUUM on these tables.
func (e eraser) ErasePerson(ctx context.Context, person, actor string, at time.Time) (*sesame.Erasure, error) {
	if person == "" {
		return nil, sesame.Errorf(sesame.EINVALID, "person: give the person to erase")
	}
	r := &sesame.Erasure{Person: person, At: at.UTC(), Deleted: map[string]int64{}}
	err := e.db.Tx(ctx, func(tx pgx.Tx) error {
		// Appends hold the ledger lock shared: taken whole, it waits for
		// those in flight, whose events are then deleted with the rest, and
		// holds back the next ones until the person's ErasureKey is
		// committed, which their INSERT then sees.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(ledgerLock)); err != nil {
			return fmt.Errorf("postgres: erase: %w", err)
		}
		// Bookkeeping, not a record of the person: not counted as deleted.
		if _, err := tx.Exec(ctx, `DELETE FROM rescore_pending WHERE person = $1`, person); err != nil {
			return fmt.Errorf("postgres: erase pending rescore: %w", err)
		}
		if err := sqlrow.Erase(ctx, pgTx{tx}, r, personTables, `position(?::bytea in body) > 0`,
			func(q []byte) any { return q }); err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		return eraseAccess(ctx, tx, person, actor, r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// eraseAccess blanks the person's access-log entries to their seq, links
// and hash, and appends the erasure entry that names them (audit.Erase) to
// its partition, as every append does.
func eraseAccess(ctx context.Context, tx pgx.Tx, person, actor string, r *sesame.Erasure) error {
	seqs, err := sqlrow.ErasedSeqs(ctx, pgTx{tx}, person)
	if err != nil {
		return err
	}
	entry, err := audit.EraseEntry(actor, r.At, seqs)
	if err != nil {
		return fmt.Errorf("postgres: erase access log: %w", err)
	}
	if err := appendOn(ctx, tx, []*sesame.AccessEntry{entry}); err != nil {
		return fmt.Errorf("postgres: erase access log: %w", err)
	}
	if err := sqlrow.BlankAccess(ctx, pgTx{tx}, person, entry.Seq); err != nil {
		return err
	}
	r.Receipt, r.AccessSeq, r.AccessErased = entry.Person, entry.Seq, len(seqs)
	return nil
}
