package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// RecordStore keeps what people chose to show social platforms and what
// they added to their own record: the same contract as package sqlite's.
type RecordStore struct{ db *DB }

// Record returns the record store of this database.
func (db *DB) Record() *RecordStore { return &RecordStore{db: db} }

var (
	_ sesame.BadgeStore    = (*RecordStore)(nil)
	_ sesame.AdditionStore = (*RecordStore)(nil)
)

func (s *RecordStore) SetBadge(ctx context.Context, b *sesame.BadgeChoice) error {
	_, err := s.db.pool.Exec(ctx, `INSERT INTO badge_choices (person, partner, claim, chosen_at) VALUES ($1,$2,$3,$4)
		ON CONFLICT (person, partner) DO UPDATE SET claim = excluded.claim, chosen_at = excluded.chosen_at`,
		b.Person, b.Partner, b.Claim.String(), ns(b.ChosenAt))
	return err
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
	_, err = s.db.pool.Exec(ctx, `INSERT INTO self_additions (id, person, kind, source, label, added_at, removed_at, gain, events) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		a.ID, a.Person, a.Kind, a.Source, a.Label, ns(a.AddedAt), nullNS(a.RemovedAt), a.Gain, string(events))
	if isUnique(err) {
		return sesame.Errorf(sesame.ECONFLICT, "addition %q exists", a.ID)
	}
	return err
}

func (s *RecordStore) SetAdditionGain(ctx context.Context, person, id string, gain int) error {
	tag, err := s.db.pool.Exec(ctx, `UPDATE self_additions SET gain = $1 WHERE person = $2 AND id = $3`, gain, person, id)
	if err == nil && tag.RowsAffected() == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "you have no addition %q", id)
	}
	return err
}

func (s *RecordStore) RemoveAddition(ctx context.Context, person, id string, at time.Time) error {
	tag, err := s.db.pool.Exec(ctx, `UPDATE self_additions SET removed_at = COALESCE(removed_at, $1) WHERE person = $2 AND id = $3`, ns(at), person, id)
	if err == nil && tag.RowsAffected() == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "you have no addition %q", id)
	}
	return err
}

func (s *RecordStore) queryAdditions(ctx context.Context, where string, args ...any) ([]*sesame.Addition, error) {
	return sqlrow.Additions(ctx, s.db.q(), where, args...)
}

func (s *RecordStore) Additions(ctx context.Context, person string) ([]*sesame.Addition, error) {
	return s.queryAdditions(ctx, `person = ?`, person)
}

func (s *RecordStore) KeptAdditions(ctx context.Context, people []string) (map[string][]*sesame.Addition, error) {
	out := map[string][]*sesame.Addition{}
	list, err := s.queryAdditions(ctx, `removed_at IS NULL AND person = ANY(?)`, people)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		out[a.Person] = append(out[a.Person], a)
	}
	return out, nil
}

func (s *RecordStore) PeopleWithAdditions(ctx context.Context) ([]string, error) {
	return sqlrow.PeopleWithAdditions(ctx, s.db.q())
}
