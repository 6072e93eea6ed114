package sqlrow

import (
	"context"
	"time"

	"github.com/sesame-credit/sesame"
)

// Enqueue writes a notice in tx, the transaction of the change it tells of
// (the transactional outbox).
func Enqueue(ctx context.Context, tx Tx, recipient, topic string, body any, at time.Time) error {
	v, err := NewNoticeValues(recipient, topic, body, at)
	if err == nil {
		_, err = tx.Exec(ctx, `INSERT INTO notices (`+NewNoticeColumns+`) VALUES (?,?,?,?,?,?,?)`, v...)
	}
	return err
}

// NoticeDispute tells the person and the source of a dispute step, in the
// step's transaction: the source's webhook is how it learns of a dispute
// it must answer.
func NoticeDispute(ctx context.Context, tx Tx, topic string, d sesame.Dispute, at time.Time) error {
	if err := Enqueue(ctx, tx, sesame.PersonRecipient(d.Person), topic, d, at); err != nil {
		return err
	}
	return Enqueue(ctx, tx, sesame.SourceRecipient(d.Source), topic, d, at)
}

// Disputes are the dispute steps, each run in the caller's transaction.
// Lock ends the read of a dispute so that it locks the row where the
// engine needs it (PostgreSQL: " FOR UPDATE"); Forget, when set, runs in
// the same transaction for each person whose event stops counting.
type Disputes struct {
	Lock   string
	Forget func(ctx context.Context, tx Tx, person string) error
}

func (ds Disputes) get(ctx context.Context, tx Tx, key sesame.EventKey) (sesame.Dispute, error) {
	d, err := ScanDispute(tx.QueryRow(ctx, `SELECT `+DisputeColumns+` FROM event_disputes WHERE source = ? AND id = ?`+ds.Lock, key.Source, key.ID))
	return d, NotFound(err, "no dispute about event %s/%s", key.Source, key.ID)
}

func settled(d sesame.Dispute) error {
	return sesame.Errorf(sesame.ECONFLICT, "this dispute was settled on %s (%s)", d.AnsweredAt.Format(time.DateOnly), d.Status)
}

func (ds Disputes) forget(ctx context.Context, tx Tx, d sesame.Dispute) error {
	if ds.Forget == nil || d.Counts() {
		return nil
	}
	return ds.Forget(ctx, tx, d.Person)
}

// Open opens a dispute about one of the person's events; opening it again
// changes nothing.
func (ds Disputes) Open(ctx context.Context, tx Tx, person string, key sesame.EventKey, reason, evidence string, at time.Time) (sesame.Dispute, error) {
	var theirs bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE source = ? AND id = ? AND person = ?)`,
		key.Source, key.ID, person).Scan(&theirs); err != nil {
		return sesame.Dispute{}, err
	}
	if !theirs {
		return sesame.Dispute{}, sesame.Errorf(sesame.ENOTFOUND, "you have no event %s/%s", key.Source, key.ID)
	}
	window := sesame.DisputeWindow
	if evidence != "" {
		window = sesame.DisputeWindowWithInfo
	}
	n, err := tx.Exec(ctx, `INSERT INTO event_disputes (source, id, person, reason, evidence, created_at, deadline) VALUES (?,?,?,?,?,?,?)
		ON CONFLICT (source, id) DO NOTHING`, key.Source, key.ID, person, reason, evidence, NS(at), NS(at.Add(window)))
	if err != nil {
		return sesame.Dispute{}, err
	}
	d, err := ds.get(ctx, tx, key)
	if err != nil {
		return d, err
	}
	if d.Status != sesame.DisputeOpen {
		return d, settled(d)
	}
	if n == 1 {
		return d, NoticeDispute(ctx, tx, "dispute.opened", d, at)
	}
	return d, nil
}

// AddEvidence adds to the evidence of the person's open dispute, which
// gives the source the longer window to answer.
func (ds Disputes) AddEvidence(ctx context.Context, tx Tx, person string, key sesame.EventKey, evidence string, at time.Time) (sesame.Dispute, error) {
	d, err := ds.get(ctx, tx, key)
	if err != nil || d.Person != person {
		return d, sesame.Errorf(sesame.ENOTFOUND, "you have no dispute about event %s/%s", key.Source, key.ID)
	}
	if d.Status != sesame.DisputeOpen {
		return d, settled(d)
	}
	if d.Evidence != "" {
		evidence = d.Evidence + "\n\n" + evidence
	}
	deadline := d.OpenedAt.Add(sesame.DisputeWindowWithInfo)
	if _, err := tx.Exec(ctx, `UPDATE event_disputes SET evidence = ?, deadline = ? WHERE source = ? AND id = ?`,
		evidence, NS(deadline), key.Source, key.ID); err != nil {
		return d, err
	}
	d.Evidence, d.Deadline = evidence, deadline
	return d, NoticeDispute(ctx, tx, "dispute.evidence_added", d, at)
}

// Answer settles an open dispute.
func (ds Disputes) Answer(ctx context.Context, tx Tx, key sesame.EventKey, answer sesame.DisputeStatus, note string, at time.Time) (sesame.Dispute, error) {
	if !answer.ValidAnswer() {
		return sesame.Dispute{}, sesame.Errorf(sesame.EINVALID, "answer must be verified, corrected or deleted")
	}
	d, err := ds.get(ctx, tx, key)
	if err != nil {
		return d, err
	}
	if d.Status != sesame.DisputeOpen {
		return d, settled(d)
	}
	if _, err := tx.Exec(ctx, `UPDATE event_disputes SET status = ?, answered_at = ?, note = ? WHERE source = ? AND id = ?`,
		string(answer), NS(at), note, key.Source, key.ID); err != nil {
		return d, err
	}
	d.Status, d.AnsweredAt, d.Note = answer, at.UTC(), note
	if err := ds.forget(ctx, tx, d); err != nil {
		return d, err
	}
	return d, NoticeDispute(ctx, tx, "dispute.answered", d, at)
}

// Expire suppresses the disputes past their deadline unanswered.
func (ds Disputes) Expire(ctx context.Context, tx Tx, now time.Time) ([]sesame.Dispute, error) {
	rows, err := tx.Query(ctx, `UPDATE event_disputes SET status = 'suppressed', answered_at = ?
		WHERE status = 'open' AND deadline <= ? RETURNING `+DisputeColumns, NS(now), NS(now))
	if err != nil {
		return nil, err
	}
	out, err := Collect(rows, ScanDispute)
	if err != nil {
		return nil, err
	}
	for _, d := range out {
		if err := ds.forget(ctx, tx, d); err != nil {
			return nil, err
		}
		if err := NoticeDispute(ctx, tx, "dispute.suppressed", d, now); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DisputesAfter lists a person's disputes (or a source's, when person is
// ""), newest first, starting after the position through the (person,
// created_at) or (source, created_at) index rather than skipping the newer
// ones. Source and id compare in the columns' collation both in the ORDER
// BY and in the row comparison, so pages follow one order on either engine.
func DisputesAfter(ctx context.Context, q Querier, person, source string, after sesame.Position, limit int) ([]sesame.Dispute, error) {
	stmt, args := `SELECT `+DisputeColumns+` FROM event_disputes WHERE person = ?`, []any{person}
	if person == "" {
		stmt, args = `SELECT `+DisputeColumns+` FROM event_disputes WHERE source = ?`, []any{source}
	}
	if !after.IsZero() {
		at, key := NS(after.At), sesame.DisputeKey(after)
		stmt += ` AND created_at <= ? AND (created_at < ? OR (source, id) > (?, ?))`
		args = append(args, at, at, key.Source, key.ID)
	}
	rows, err := q.Query(ctx, stmt+` ORDER BY created_at DESC, source, id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	return Collect(rows, ScanDispute)
}

// HasOpenDispute reports whether any of the person's disputes is open.
func HasOpenDispute(ctx context.Context, q Querier, person string) (open bool, err error) {
	err = q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM event_disputes WHERE person = ? AND status = 'open')`, person).Scan(&open)
	return open, err
}
