package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// Disputes returns the store of people's disputes.
func (db *DB) Disputes() *DisputeStore { return &DisputeStore{db: db} }

// DisputeStore keeps disputes in event_disputes, beside the ledger: the
// same contract as package sqlite's.
type DisputeStore struct{ db *DB }

var _ sesame.DisputeStore = (*DisputeStore)(nil)

// notCountedSQL is the condition, on a row of events, that a dispute took
// the event out of scoring.
const notCountedSQL = sqlrow.NotCountedSQL

// disputes run the dispute steps in PostgreSQL transactions, locking the
// dispute's row so that two replicas answering it at once take turns.
var disputes = sqlrow.Disputes{Lock: " FOR UPDATE"}

// OpenDispute implements sesame.DisputeStore.
func (s *DisputeStore) OpenDispute(ctx context.Context, person string, key sesame.EventKey, reason, evidence string, at time.Time) (d sesame.Dispute, err error) {
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		d, err = disputes.Open(ctx, pgTx{tx}, person, key, reason, evidence, at)
		return err
	})
	return d, err
}

// AddEvidence implements sesame.DisputeStore.
func (s *DisputeStore) AddEvidence(ctx context.Context, person string, key sesame.EventKey, evidence string, at time.Time) (d sesame.Dispute, err error) {
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		d, err = disputes.AddEvidence(ctx, pgTx{tx}, person, key, evidence, at)
		return err
	})
	return d, err
}

// AnswerDispute implements sesame.DisputeStore.
func (s *DisputeStore) AnswerDispute(ctx context.Context, key sesame.EventKey, answer sesame.DisputeStatus, note string, at time.Time) (d sesame.Dispute, err error) {
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		d, err = disputes.Answer(ctx, pgTx{tx}, key, answer, note, at)
		return err
	})
	return d, err
}

// ExpireDisputes implements sesame.DisputeStore.
func (s *DisputeStore) ExpireDisputes(ctx context.Context, now time.Time) (out []sesame.Dispute, err error) {
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		out, err = disputes.Expire(ctx, pgTx{tx}, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: expire disputes: %w", err)
	}
	return out, nil
}

// DisputesAfter implements sesame.DisputeStore, starting at the position
// through the (person, created_at) or (source, created_at) index rather
// than skipping the newer ones. Source and id compare in the columns'
// collation both in the ORDER BY and in the row comparison, so pages
// follow one order whatever the database's collation.
func (s *DisputeStore) DisputesAfter(ctx context.Context, person, source string, after sesame.Position, limit int) ([]sesame.Dispute, error) {
	q, args := `SELECT `+sqlrow.DisputeColumns+` FROM event_disputes WHERE person = $1`, []any{person}
	if person == "" {
		q, args = `SELECT `+sqlrow.DisputeColumns+` FROM event_disputes WHERE source = $1`, []any{source}
	}
	if !after.IsZero() {
		key := sesame.DisputeKey(after)
		q += ` AND created_at <= $2 AND (created_at < $2 OR (source, id) > ($3, $4))`
		args = append(args, ns(after.At), key.Source, key.ID)
	}
	rows, err := s.db.pool.Query(ctx, q+fmt.Sprintf(` ORDER BY created_at DESC, source, id LIMIT $%d`, len(args)+1), append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("postgres: disputes: %w", err)
	}
	return sqlrow.Collect(rows, sqlrow.ScanDispute)
}

// HasOpenDispute implements sesame.DisputeStore.
func (s *DisputeStore) HasOpenDispute(ctx context.Context, person string) (bool, error) {
	var open bool
	err := s.db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM event_disputes WHERE person = $1 AND status = 'open')`, person).Scan(&open)
	if err != nil {
		return false, fmt.Errorf("postgres: open disputes: %w", err)
	}
	return open, nil
}
