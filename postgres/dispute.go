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

// DisputesAfter implements sesame.DisputeStore.
func (s *DisputeStore) DisputesAfter(ctx context.Context, person, source string, after sesame.Position, limit int) ([]sesame.Dispute, error) {
	out, err := sqlrow.DisputesAfter(ctx, s.db.q(), person, source, after, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: disputes: %w", err)
	}
	return out, nil
}

// HasOpenDispute implements sesame.DisputeStore.
func (s *DisputeStore) HasOpenDispute(ctx context.Context, person string) (bool, error) {
	open, err := sqlrow.HasOpenDispute(ctx, s.db.q(), person)
	if err != nil {
		return false, fmt.Errorf("postgres: open disputes: %w", err)
	}
	return open, nil
}
