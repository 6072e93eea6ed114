package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
)

// Eraser erases people from this database (sesame.Eraser).
func (db *DB) Eraser() sesame.Eraser { return eraser{db} }

type eraser struct{ db *DB }

// personTables are the tables whose rows of a person are deleted outright.
var personTables = []string{
	"events", "scores", "score_latest", "feature_state", "consents", "consent_requests",
	"person_sessions", "login_links", "decisions", "event_disputes", "badge_choices", "self_additions",
	"person_contacts", "passkeys", "passkey_ceremonies",
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
		del := func(kind, q string, args ...any) error {
			res, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("sqlite: erase %s: %w", kind, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				r.Deleted[kind] += n
			}
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO erasing (person) VALUES (?)`, person); err != nil {
			return err
		}
		for _, t := range personTables {
			if err := del(t, `DELETE FROM `+t+` WHERE person = ?`, person); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM erasing WHERE person = ?`, person); err != nil {
			return err
		}
		quoted, _ := json.Marshal(person)
		if err := del("notices", `DELETE FROM notices WHERE recipient = ? OR instr(CAST(body AS TEXT), ?) > 0`,
			sesame.PersonRecipient(person), string(quoted)); err != nil {
			return err
		}
		if err := del("mail_addresses", `DELETE FROM mail_addresses WHERE recipient = ?`, sesame.PersonRecipient(person)); err != nil {
			return err
		}
		// A credential already shared must read as revoked: its slot in
		// the status list stays, nothing else.
		if err := del("credentials", `UPDATE credentials SET person = '', token = '', band = '', score = 0,
			revoked_at = COALESCE(revoked_at, ?) WHERE person = ?`, tsNS(r.At), person); err != nil {
			return err
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
	rows, err := tx.QueryContext(ctx, `SELECT seq FROM access_log WHERE person = ? ORDER BY seq`, person)
	if err != nil {
		return err
	}
	var seqs []int64
	for rows.Next() {
		var s int64
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		seqs = append(seqs, s)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	entry, err := audit.Erase(ctx, &appendTx{tx: tx}, actor, r.At, seqs)
	if err != nil {
		return fmt.Errorf("sqlite: erase access log: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE access_log SET at = 0, person = '', actor = '', action = '', scope = '',
		purpose = '', consent = '', outcome = '', reason = '', erased_by = ? WHERE person = ? AND seq < ?`,
		entry.Seq, person, entry.Seq); err != nil {
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
