package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
)

// AccessLogStore is the hash-chained access log (sesame.AccessLog). The
// single writer connection serialises appends, so reading the head and
// inserting the next entry in one transaction keeps the chain linear.
type AccessLogStore struct{ db *DB }

// AccessLog returns the access log of this database.
func (db *DB) AccessLog() *AccessLogStore { return &AccessLogStore{db: db} }

var _ sesame.AccessLog = (*AccessLogStore)(nil)

func (s *AccessLogStore) AppendAccess(ctx context.Context, e *sesame.AccessEntry) error {
	// Group-committed: entries appended together share one transaction,
	// each still linked to the one before it in the same order.
	return batcherOf(s.db).do(ctx, func(tx *sql.Tx) error {
		var seq int64
		var prev string
		err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		e.Seq = seq + 1
		audit.Seal(prev, e)
		_, err = tx.ExecContext(ctx, `INSERT INTO access_log (seq, at, person, actor, action, scope, purpose, consent, outcome, reason, prev_hash, hash)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`, e.Seq, tsNS(e.At), e.Person, e.Actor, e.Action, string(e.Scope), string(e.Purpose),
			e.Consent, e.Outcome, e.Reason, e.PrevHash, e.Hash)
		return err
	})
}

const accessColumns = `seq, at, person, actor, action, scope, purpose, consent, outcome, reason, prev_hash, hash`

func scanAccess(rows *sql.Rows) (*sesame.AccessEntry, error) {
	var e sesame.AccessEntry
	var at int64
	var scope, purpose string
	if err := rows.Scan(&e.Seq, &at, &e.Person, &e.Actor, &e.Action, &scope, &purpose, &e.Consent, &e.Outcome, &e.Reason, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.At, e.Scope, e.Purpose = tsFromNS(at), sesame.Scope(scope), sesame.Purpose(purpose)
	return &e, nil
}

func (s *AccessLogStore) AccessEntries(ctx context.Context, person string, limit int) ([]*sesame.AccessEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+accessColumns+` FROM access_log WHERE person = ? ORDER BY seq DESC LIMIT ?`, person, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sesame.AccessEntry
	for rows.Next() {
		e, err := scanAccess(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *AccessLogStore) ScanAccess(ctx context.Context, fn func(e *sesame.AccessEntry) error) error {
	return s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+accessColumns+` FROM access_log ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanAccess(rows)
			if err != nil {
				return err
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
