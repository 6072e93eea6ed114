package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame"
)

// Disputes returns the store of people's disputes.
func (db *DB) Disputes() *DisputeStore { return &DisputeStore{db: db} }

// DisputeStore keeps disputes in event_disputes, beside the ledger: the
// same contract as package sqlite's.
type DisputeStore struct{ db *DB }

var _ sesame.DisputeStore = (*DisputeStore)(nil)

// notCountedSQL is the condition, on a row of events, that a dispute took
// the event out of scoring (sesame.Dispute.Counts).
const notCountedSQL = `EXISTS (SELECT 1 FROM event_disputes d WHERE d.source = events.source AND d.id = events.id
	AND d.status IN ('corrected', 'deleted', 'suppressed'))`

const disputeColumns = `source, id, person, reason, evidence, status, created_at, deadline, answered_at, note`

func scanDispute(row pgx.Row) (sesame.Dispute, error) {
	var d sesame.Dispute
	var status string
	var opened, deadline int64
	var answered *int64
	if err := row.Scan(&d.Source, &d.EventID, &d.Person, &d.Reason, &d.Evidence, &status, &opened, &deadline, &answered, &d.Note); err != nil {
		return d, err
	}
	d.Status, d.OpenedAt, d.Deadline, d.AnsweredAt = sesame.DisputeStatus(status), fromNS(opened), fromNS(deadline), fromNullNS(answered)
	return d, nil
}

func getDispute(ctx context.Context, tx pgx.Tx, key sesame.EventKey) (sesame.Dispute, error) {
	d, err := scanDispute(tx.QueryRow(ctx, `SELECT `+disputeColumns+` FROM event_disputes WHERE source = $1 AND id = $2 FOR UPDATE`, key.Source, key.ID))
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
			WHERE status = 'open' AND deadline <= $1 RETURNING `+disputeColumns, ns(now))
		if err != nil {
			return err
		}
		if out, err = collectDisputes(rows); err != nil {
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

// DisputesAfter implements sesame.DisputeStore, starting at the position
// through the (person, created_at) or (source, created_at) index rather
// than skipping the newer ones. Source and id compare in the columns'
// collation both in the ORDER BY and in the row comparison, so pages
// follow one order whatever the database's collation.
func (s *DisputeStore) DisputesAfter(ctx context.Context, person, source string, after sesame.Position, limit int) ([]sesame.Dispute, error) {
	q, args := `SELECT `+disputeColumns+` FROM event_disputes WHERE person = $1`, []any{person}
	if person == "" {
		q, args = `SELECT `+disputeColumns+` FROM event_disputes WHERE source = $1`, []any{source}
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
	return collectDisputes(rows)
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

func collectDisputes(rows pgx.Rows) ([]sesame.Dispute, error) {
	defer rows.Close()
	var out []sesame.Dispute
	for rows.Next() {
		d, err := scanDispute(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: disputes: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
