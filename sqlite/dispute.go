package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
)

// Disputes returns the store of people's disputes.
func (db *DB) Disputes() *DisputeStore { return &DisputeStore{db: db} }

// DisputeStore keeps disputes in event_disputes, beside the ledger.
type DisputeStore struct{ db *DB }

var _ sesame.DisputeStore = (*DisputeStore)(nil)

// notCountedSQL is the condition, on a row of events, that a dispute took
// the event out of scoring (sesame.Dispute.Counts).
const notCountedSQL = `EXISTS (SELECT 1 FROM event_disputes d WHERE d.source = events.source AND d.id = events.id
	AND d.status IN ('corrected', 'deleted', 'suppressed'))`

const disputeColumns = `source, id, person, reason, evidence, status, created_at, deadline, answered_at, note`

func scanDispute(row interface{ Scan(...any) error }) (sesame.Dispute, error) {
	var d sesame.Dispute
	var status string
	var opened, deadline int64
	var answered sql.NullInt64
	if err := row.Scan(&d.Source, &d.EventID, &d.Person, &d.Reason, &d.Evidence, &status, &opened, &deadline, &answered, &d.Note); err != nil {
		return d, err
	}
	d.Status, d.OpenedAt, d.Deadline = sesame.DisputeStatus(status), time.Unix(0, opened).UTC(), time.Unix(0, deadline).UTC()
	if answered.Valid {
		d.AnsweredAt = time.Unix(0, answered.Int64).UTC()
	}
	return d, nil
}

func getDispute(ctx context.Context, tx *sql.Tx, key sesame.EventKey) (sesame.Dispute, error) {
	d, err := scanDispute(tx.QueryRowContext(ctx, `SELECT `+disputeColumns+` FROM event_disputes WHERE source = ? AND id = ?`, key.Source, key.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return d, sesame.Errorf(sesame.ENOTFOUND, "no dispute about event %s/%s", key.Source, key.ID)
	}
	return d, err
}

// OpenDispute implements sesame.DisputeStore.
func (s *DisputeStore) OpenDispute(ctx context.Context, person string, key sesame.EventKey, reason, evidence string, at time.Time) (sesame.Dispute, error) {
	var d sesame.Dispute
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE source = ? AND id = ? AND person = ?`, key.Source, key.ID, person).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return sesame.Errorf(sesame.ENOTFOUND, "you have no event %s/%s", key.Source, key.ID)
		}
		window := sesame.DisputeWindow
		if evidence != "" {
			window = sesame.DisputeWindowWithInfo
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO event_disputes (source, id, person, reason, evidence, created_at, deadline) VALUES (?,?,?,?,?,?,?)
			ON CONFLICT (source, id) DO NOTHING`, key.Source, key.ID, person, reason, evidence, at.UnixNano(), at.Add(window).UnixNano())
		if err != nil {
			return err
		}
		if d, err = getDispute(ctx, tx, key); err != nil {
			return err
		}
		if d.Status != sesame.DisputeOpen {
			return sesame.Errorf(sesame.ECONFLICT, "this event's dispute was settled on %s (%s)", d.AnsweredAt.Format(time.DateOnly), d.Status)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return noticeDispute(ctx, tx, "dispute.opened", d, at)
		}
		return nil
	})
	return d, err
}

// AddEvidence implements sesame.DisputeStore.
func (s *DisputeStore) AddEvidence(ctx context.Context, person string, key sesame.EventKey, evidence string, at time.Time) (sesame.Dispute, error) {
	var d sesame.Dispute
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		var err error
		if d, err = getDispute(ctx, tx, key); err != nil || d.Person != person {
			return sesame.Errorf(sesame.ENOTFOUND, "you have no dispute about event %s/%s", key.Source, key.ID)
		}
		if d.Status != sesame.DisputeOpen {
			return sesame.Errorf(sesame.ECONFLICT, "this dispute was settled on %s (%s)", d.AnsweredAt.Format(time.DateOnly), d.Status)
		}
		if d.Evidence != "" {
			evidence = d.Evidence + "\n\n" + evidence
		}
		deadline := d.OpenedAt.Add(sesame.DisputeWindowWithInfo)
		if _, err := tx.ExecContext(ctx, `UPDATE event_disputes SET evidence = ?, deadline = ? WHERE source = ? AND id = ?`,
			evidence, deadline.UnixNano(), key.Source, key.ID); err != nil {
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
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		var err error
		if d, err = getDispute(ctx, tx, key); err != nil {
			return err
		}
		if d.Status != sesame.DisputeOpen {
			return sesame.Errorf(sesame.ECONFLICT, "this dispute was settled on %s (%s)", d.AnsweredAt.Format(time.DateOnly), d.Status)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE event_disputes SET status = ?, answered_at = ?, note = ? WHERE source = ? AND id = ?`,
			string(answer), at.UnixNano(), note, key.Source, key.ID); err != nil {
			return err
		}
		d.Status, d.AnsweredAt, d.Note = answer, at.UTC(), note
		if !d.Counts() {
			if err := forgetState(ctx, tx, d.Person); err != nil {
				return err
			}
		}
		return noticeDispute(ctx, tx, "dispute.answered", d, at)
	})
	return d, err
}

// ExpireDisputes implements sesame.DisputeStore.
func (s *DisputeStore) ExpireDisputes(ctx context.Context, now time.Time) ([]sesame.Dispute, error) {
	var out []sesame.Dispute
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, `UPDATE event_disputes SET status = 'suppressed', answered_at = ?1
			WHERE status = 'open' AND deadline <= ?1 RETURNING `+disputeColumns, now.UnixNano())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDispute(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for i := range out {
			if err := forgetState(ctx, tx, out[i].Person); err != nil {
				return err
			}
			if err := noticeDispute(ctx, tx, "dispute.suppressed", out[i], now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: expire disputes: %w", err)
	}
	return out, nil
}

// DisputesAfter implements sesame.DisputeStore, starting at the position
// through the (person, created_at) or (source, created_at) index rather
// than skipping the newer ones.
func (s *DisputeStore) DisputesAfter(ctx context.Context, person, source string, after sesame.Position, limit int) ([]sesame.Dispute, error) {
	q, args := `SELECT `+disputeColumns+` FROM event_disputes WHERE person = ?`, []any{person}
	if person == "" {
		q, args = `SELECT `+disputeColumns+` FROM event_disputes WHERE source = ?`, []any{source}
	}
	if !after.IsZero() {
		at, key := after.At.UnixNano(), sesame.DisputeKey(after)
		q += ` AND created_at <= ? AND (created_at < ? OR (source, id) > (?, ?))`
		args = append(args, at, at, key.Source, key.ID)
	}
	rows, err := s.db.reader.QueryContext(ctx, q+` ORDER BY created_at DESC, source, id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: disputes: %w", err)
	}
	defer rows.Close()
	var out []sesame.Dispute
	for rows.Next() {
		d, err := scanDispute(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: disputes: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// HasOpenDispute implements sesame.DisputeStore.
func (s *DisputeStore) HasOpenDispute(ctx context.Context, person string) (bool, error) {
	var open bool
	err := s.db.reader.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM event_disputes WHERE person = ? AND status = 'open')`, person).Scan(&open)
	if err != nil {
		return false, fmt.Errorf("sqlite: open disputes: %w", err)
	}
	return open, nil
}

// forgetState makes the person's stored feature state unusable (version 0)
// when one of their events stops counting: the next fold starts again from
// the ledger, without it, instead of from a state that has it folded in.
func forgetState(ctx context.Context, tx *sql.Tx, person string) error {
	_, err := tx.ExecContext(ctx, `UPDATE feature_state SET version = 0 WHERE person = ?`, person)
	return err
}

// noticeDispute tells the person and the source of a dispute step, in the
// step's transaction (the outbox): the source's webhook is how it learns
// of a dispute it must answer.
func noticeDispute(ctx context.Context, tx *sql.Tx, topic string, d sesame.Dispute, at time.Time) error {
	if err := enqueue(ctx, tx, sesame.PersonRecipient(d.Person), topic, d, at); err != nil {
		return err
	}
	return enqueue(ctx, tx, sesame.SourceRecipient(d.Source), topic, d, at)
}
