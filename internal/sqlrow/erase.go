package sqlrow

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/sesame-credit/sesame"
)

// Erase remembers the person's ErasureKey and deletes, in tx, their rows
// of tables, their notices (to them, or naming them in the body) and mail
// address, and strips their credentials to a revoked slot of the status
// list, counting the rows in r.Deleted. bodyHas is the engine's condition that a notice's body holds
// the text ?, and quote turns the person's JSON-quoted id into its value.
func Erase(ctx context.Context, tx Tx, r *sesame.Erasure, tables []string, bodyHas string, quote func([]byte) any) error {
	person := r.Person
	del := func(kind, q string, args ...any) error {
		n, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("erase %s: %w", kind, err)
		}
		if n > 0 {
			r.Deleted[kind] += n
		}
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO erasing (person) VALUES (?)`, person); err != nil {
		return err
	}
	// Remembered first: the engines' appends check it inside their own
	// transactions, so that none stores an event after this one commits.
	if _, err := tx.Exec(ctx, `INSERT INTO erased_people (key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
		sesame.ErasureKey(person), NS(r.At)); err != nil {
		return fmt.Errorf("erase: remember the person: %w", err)
	}
	for _, t := range tables {
		if err := del(t, `DELETE FROM `+t+` WHERE person = ?`, person); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM erasing WHERE person = ?`, person); err != nil {
		return err
	}
	quoted, _ := json.Marshal(person)
	if err := del("notices", `DELETE FROM notices WHERE recipient = ? OR `+bodyHas, sesame.PersonRecipient(person), quote(quoted)); err != nil {
		return err
	}
	if err := del("mail_addresses", `DELETE FROM mail_addresses WHERE recipient = ?`, sesame.PersonRecipient(person)); err != nil {
		return err
	}
	// A credential already shared must read as revoked: its slot in the
	// status list stays, nothing else.
	return del("credentials", `UPDATE credentials SET person = '', token = '', band = '', score = 0,
		revoked_at = COALESCE(revoked_at, ?) WHERE person = ?`, NS(r.At), person)
}

// ErasedSeqs returns the seqs of the person's access entries, ascending.
func ErasedSeqs(ctx context.Context, tx Tx, person string) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT seq FROM access_log WHERE person = ? ORDER BY seq`, person)
	if err != nil {
		return nil, err
	}
	return Collect(rows, func(row Row) (seq int64, err error) { return seq, row.Scan(&seq) })
}

// BlankAccess blanks the person's access entries before the erasure entry
// seq to their seq, links and hash, naming the erasure.
func BlankAccess(ctx context.Context, tx Tx, person string, seq int64) error {
	_, err := tx.Exec(ctx, `UPDATE access_log SET at = 0, person = '', actor = '', action = '', scope = '',
		purpose = '', consent = '', outcome = '', reason = '', erased_by = ? WHERE person = ? AND seq < ?`, seq, person, seq)
	return err
}
