package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
)

// Eraser erases people from this database (sesame.Eraser).
func (db *DB) Eraser() sesame.Eraser { return eraser{db} }

type eraser struct{ db *DB }

// personTables are the tables whose rows of a person are deleted outright.
var personTables = []string{
	"events", "scores", "score_latest", "consents", "consent_requests",
	"person_sessions", "login_links", "decisions", "event_disputes", "badge_choices", "self_additions",
	"person_contacts", "passkeys", "passkey_ceremonies",
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
		del := func(kind, q string, args ...any) error {
			tag, err := tx.Exec(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("postgres: erase %s: %w", kind, err)
			}
			if n := tag.RowsAffected(); n > 0 {
				r.Deleted[kind] += n
			}
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO erasing (person) VALUES ($1)`, person); err != nil {
			return err
		}
		for _, t := range personTables {
			if err := del(t, `DELETE FROM `+t+` WHERE person = $1`, person); err != nil {
				return err
			}
		}
		// Bookkeeping, not a record of the person: not counted as deleted.
		if _, err := tx.Exec(ctx, `DELETE FROM rescore_pending WHERE person = $1`, person); err != nil {
			return fmt.Errorf("postgres: erase pending rescore: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM erasing WHERE person = $1`, person); err != nil {
			return err
		}
		quoted, _ := json.Marshal(person)
		if err := del("notices", `DELETE FROM notices WHERE recipient = $1 OR position($2::bytea in body) > 0`,
			sesame.PersonRecipient(person), quoted); err != nil {
			return err
		}
		if err := del("mail_addresses", `DELETE FROM mail_addresses WHERE recipient = $1`, sesame.PersonRecipient(person)); err != nil {
			return err
		}
		if err := del("credentials", `UPDATE credentials SET person = '', token = '', band = '', score = 0,
			revoked_at = COALESCE(revoked_at, $1) WHERE person = $2`, ns(r.At), person); err != nil {
			return err
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
	rows, err := tx.Query(ctx, `SELECT seq FROM access_log WHERE person = $1 ORDER BY seq`, person)
	if err != nil {
		return err
	}
	seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	entry, err := audit.EraseEntry(actor, r.At, seqs)
	if err != nil {
		return fmt.Errorf("postgres: erase access log: %w", err)
	}
	if err := appendPartOn(ctx, tx, audit.PartitionOf(entry.Person), []*sesame.AccessEntry{entry}); err != nil {
		return fmt.Errorf("postgres: erase access log: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE access_log SET at = 0, person = '', actor = '', action = '', scope = '',
		purpose = '', consent = '', outcome = '', reason = '', erased_by = $1 WHERE person = $2 AND seq < $1`,
		entry.Seq, person); err != nil {
		return err
	}
	r.Receipt, r.AccessSeq, r.AccessErased = entry.Person, entry.Seq, len(seqs)
	return nil
}
