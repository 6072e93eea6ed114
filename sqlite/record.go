package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
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
	return sqlrow.Badge(ctx, s.db.q(), person, partner)
}

func (s *RecordStore) Badges(ctx context.Context, person string) ([]*sesame.BadgeChoice, error) {
	return sqlrow.Badges(ctx, s.db.q(), person)
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
	return sqlrow.Additions(ctx, s.db.q(), where, args...)
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
	return sqlrow.PeopleWithAdditions(ctx, s.db.q())
}
