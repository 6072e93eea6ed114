package postgres

import (
	"context"
	"errors"
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

func getDispute(ctx context.Context, tx pgx.Tx, key sesame.EventKey) (sesame.Dispute, error) {
	d, err := sqlrow.ScanDispute(tx.QueryRow(ctx, `SELECT `+sqlrow.DisputeColumns+` FROM event_disputes WHERE source = $1 AND id = $2 FOR UPDATE`, key.Source, key.ID))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, sesame.Errorf(sesame.ENOTFOUND, "no dispute about event %s/%s", key.Source, key.ID)
	}
	return d, err
}

func settled(d sesame.Dispute) error {
	return sesame.Errorf(sesame.ECONFLICT, "this dispute was settled on %s (%s)", d.AnsweredAt.Format(time.DateOnly), d.Status)
}

// OpenDispute implements sesame.DisputeStore.
func (s *DisputeStore) OpenDispute(ctx context.Context, person string, key sesame.EventKey, reason, evidence string, at time.Time) (sesame.Dispute, error) {
	var d sesame.Dispute
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		var theirs bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE source = $1 AND id = $2 AND person = $3)`,
			key.Source, key.ID, person).Scan(&theirs); err != nil {
			return err
		}
		if !theirs {
			return sesame.Errorf(sesame.ENOTFOUND, "you have no event %s/%s", key.Source, key.ID)
		}
		window := sesame.DisputeWindow
		if evidence != "" {
			window = sesame.DisputeWindowWithInfo
		}
		tag, err := tx.Exec(ctx, `INSERT INTO event_disputes (source, id, person, reason, evidence, created_at, deadline) VALUES ($1,$2,$3,$4,$5,$6,$7)
			ON CONFLICT (source, id) DO NOTHING`, key.Source, key.ID, person, reason, evidence, ns(at), ns(at.Add(window)))
		if err != nil {
			return err
		}
		if d, err = getDispute(ctx, tx, key); err != nil {
			return err
		}
		if d.Status != sesame.DisputeOpen {
			return settled(d)
		}
		if tag.RowsAffected() == 1 {
			return noticeDispute(ctx, tx, "dispute.opened", d, at)
		}
		return nil
	})
	return d, err
}

// AddEvidence implements sesame.DisputeStore.
func (s *DisputeStore) AddEvidence(ctx context.Context, person string, key sesame.EventKey, evidence string, at time.Time) (sesame.Dispute, error) {
	var d sesame.Dispute
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		var err error
		if d, err = getDispute(ctx, tx, key); err != nil || d.Person != person {
			return sesame.Errorf(sesame.ENOTFOUND, "you have no dispute about event %s/%s", key.Source, key.ID)
		}
		if d.Status != sesame.DisputeOpen {
			return settled(d)
		}
		if d.Evidence != "" {
			evidence = d.Evidence + "\n\n" + evidence
		}
		deadline := d.OpenedAt.Add(sesame.DisputeWindowWithInfo)
		if _, err := tx.Exec(ctx, `UPDATE event_disputes SET evidence = $1, deadline = $2 WHERE source = $3 AND id = $4`,
			evidence, ns(deadline), key.Source, key.ID); err != nil {
			return err
		}
		d.Evidence, d.Deadline = evidence, deadline
		return noticeDispute(ctx, tx, "dispute.evidence_added", d, at)
	})
	return d, err
}

// AnswerDispute implements sesame.DisputeStore.
func (s *DisputeStore) AnswerDispute(ctx context.Context, key sesame.EventKey, answer sesame.DisputeStatus, note string, at time.Time) (sesame.Dispute, error) {
	if !answer.ValidAnswer() {
		return sesame.Dispute{}, sesame.Errorf(sesame.EINVALID, "answer must be verified, corrected or deleted")
	}
	var d sesame.Dispute
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		var err error
		if d, err = getDispute(ctx, tx, key); err != nil {
			return err
		}
		if d.Status != sesame.DisputeOpen {
			return settled(d)
		}
		if _, err := tx.Exec(ctx, `UPDATE event_disputes SET status = $1, answered_at = $2, note = $3 WHERE source = $4 AND id = $5`,
			string(answer), ns(at), note, key.Source, key.ID); err != nil {
			return err
		}
		d.Status, d.AnsweredAt, d.Note = answer, at.UTC(), note
		return noticeDispute(ctx, tx, "dispute.answered", d, at)
	})
	return d, err
}

// ExpireDisputes implements sesame.DisputeStore.
func (s *DisputeStore) ExpireDisputes(ctx context.Context, now time.Time) ([]sesame.Dispute, error) {
	var out []sesame.Dispute
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE event_disputes SET status = 'suppressed', answered_at = $1
			WHERE status = 'open' AND deadline <= $1 RETURNING `+sqlrow.DisputeColumns, ns(now))
		if err != nil {
			return err
		}
		if out, err = sqlrow.Collect(rows, sqlrow.ScanDispute); err != nil {
			return err
		}
		for i := range out {
			if err := noticeDispute(ctx, tx, "dispute.suppressed", out[i], now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: expire disputes: %w", err)
	}
	return out, nil
}

// Disputes implements sesame.DisputeStore.
func (s *DisputeStore) Disputes(ctx context.Context, person, source string) ([]sesame.Dispute, error) {
	q, arg := `SELECT `+sqlrow.DisputeColumns+` FROM event_disputes WHERE person = $1 ORDER BY created_at DESC, source, id`, person
	if person == "" {
		q, arg = `SELECT `+sqlrow.DisputeColumns+` FROM event_disputes WHERE source = $1 ORDER BY created_at DESC, id`, source
	}
	rows, err := s.db.pool.Query(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("postgres: disputes: %w", err)
	}
	return sqlrow.Collect(rows, sqlrow.ScanDispute)
}
