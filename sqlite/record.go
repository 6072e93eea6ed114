package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// RecordStore keeps what people chose to show social platforms and what
// they added to their own record (sesame.BadgeStore, sesame.AdditionStore).
type RecordStore struct{ db *DB }

// Record returns the record store of this database.
func (db *DB) Record() *RecordStore { return &RecordStore{db: db} }

var (
	_ sesame.BadgeStore    = (*RecordStore)(nil)
	_ sesame.AdditionStore = (*RecordStore)(nil)
)

func (s *RecordStore) SetBadge(ctx context.Context, b *sesame.BadgeChoice) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO badge_choices (person, partner, claim, chosen_at) VALUES (?,?,?,?)
			ON CONFLICT (person, partner) DO UPDATE SET claim = excluded.claim, chosen_at = excluded.chosen_at`,
			b.Person, b.Partner, b.Claim.String(), tsNS(b.ChosenAt))
		return err
	})
}

func (s *RecordStore) Badge(ctx context.Context, person, partner string) (*sesame.BadgeChoice, error) {
	var claim string
	var at int64
	err := s.db.reader.QueryRowContext(ctx, `SELECT claim, chosen_at FROM badge_choices WHERE person = ? AND partner = ?`, person, partner).Scan(&claim, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no badge chosen for partner %q", partner)
	}
	if err != nil {
		return nil, err
	}
	c, err := sesame.ParseBadgeClaim(claim)
	if err != nil {
		return nil, err
	}
	return &sesame.BadgeChoice{Person: person, Partner: partner, Claim: c, ChosenAt: tsFromNS(at)}, nil
}

func (s *RecordStore) AddAddition(ctx context.Context, a *sesame.Addition) error {
	events, err := json.Marshal(a.Events)
	if err != nil {
		return err
	}
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO self_additions (id, person, kind, source, label, added_at, removed_at, gain, events) VALUES (?,?,?,?,?,?,?,?,?)`,
			a.ID, a.Person, a.Kind, a.Source, a.Label, tsNS(a.AddedAt), tsNullNS(a.RemovedAt), a.Gain, string(events))
		if err != nil && strings.Contains(err.Error(), "UNIQUE") {
			return sesame.Errorf(sesame.ECONFLICT, "addition %q exists", a.ID)
		}
		return err
	})
}

func (s *RecordStore) SetAdditionGain(ctx context.Context, person, id string, gain int) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE self_additions SET gain = ? WHERE person = ? AND id = ?`, gain, person, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sesame.Errorf(sesame.ENOTFOUND, "you have no addition %q", id)
		}
		return nil
	})
}

func (s *RecordStore) RemoveAddition(ctx context.Context, person, id string, at time.Time) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE self_additions SET removed_at = COALESCE(removed_at, ?) WHERE person = ? AND id = ?`, tsNS(at), person, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sesame.Errorf(sesame.ENOTFOUND, "you have no addition %q", id)
		}
		return nil
	})
}

const additionColumns = `id, person, kind, source, label, added_at, removed_at, gain, events`

func (s *RecordStore) queryAdditions(ctx context.Context, where string, args ...any) ([]*sesame.Addition, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+additionColumns+` FROM self_additions WHERE `+where+` ORDER BY added_at DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sesame.Addition
	for rows.Next() {
		var a sesame.Addition
		var added int64
		var removed *int64
		var events string
		if err := rows.Scan(&a.ID, &a.Person, &a.Kind, &a.Source, &a.Label, &added, &removed, &a.Gain, &events); err != nil {
			return nil, err
		}
		a.AddedAt, a.RemovedAt = tsFromNS(added), tsFromNullNS(removed)
		if err := json.Unmarshal([]byte(events), &a.Events); err != nil {
			return nil, err
		}
		out = append(out, &a)
	}
	return out, rows.Err()
}

func (s *RecordStore) Additions(ctx context.Context, person string) ([]*sesame.Addition, error) {
	return s.queryAdditions(ctx, `person = ?`, person)
}

func (s *RecordStore) KeptAdditions(ctx context.Context, people []string) (map[string][]*sesame.Addition, error) {
	out := map[string][]*sesame.Addition{}
	const batch = 500
	for len(people) > 0 {
		n := min(batch, len(people))
		args := make([]any, n)
		for i, p := range people[:n] {
			args[i] = p
		}
		list, err := s.queryAdditions(ctx, `removed_at IS NULL AND person IN (?`+strings.Repeat(",?", n-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			out[a.Person] = append(out[a.Person], a)
		}
		people = people[n:]
	}
	return out, nil
}

func (s *RecordStore) PeopleWithAdditions(ctx context.Context) ([]string, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT DISTINCT person FROM self_additions WHERE removed_at IS NULL ORDER BY person`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
