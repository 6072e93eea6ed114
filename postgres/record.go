package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame"
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
	var claim string
	var at int64
	err := s.db.pool.QueryRow(ctx, `SELECT claim, chosen_at FROM badge_choices WHERE person = $1 AND partner = $2`, person, partner).Scan(&claim, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no badge chosen for partner %q", partner)
	}
	if err != nil {
		return nil, err
	}
	c, err := sesame.ParseBadgeClaim(claim)
	if err != nil {
		return nil, err
	}
	return &sesame.BadgeChoice{Person: person, Partner: partner, Claim: c, ChosenAt: fromNS(at)}, nil
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
	rows, err := s.db.pool.Query(ctx, `SELECT id, person, kind, source, label, added_at, removed_at, gain, events FROM self_additions WHERE `+where+` ORDER BY added_at DESC, id`, args...)
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
		a.AddedAt, a.RemovedAt = fromNS(added), fromNullNS(removed)
		if err := json.Unmarshal([]byte(events), &a.Events); err != nil {
			return nil, err
		}
		out = append(out, &a)
	}
	return out, rows.Err()
}

func (s *RecordStore) Additions(ctx context.Context, person string) ([]*sesame.Addition, error) {
	return s.queryAdditions(ctx, `person = $1`, person)
}

func (s *RecordStore) KeptAdditions(ctx context.Context, people []string) (map[string][]*sesame.Addition, error) {
	out := map[string][]*sesame.Addition{}
	list, err := s.queryAdditions(ctx, `removed_at IS NULL AND person = ANY($1)`, people)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		out[a.Person] = append(out[a.Person], a)
	}
	return out, nil
}

func (s *RecordStore) PeopleWithAdditions(ctx context.Context) ([]string, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT DISTINCT person FROM self_additions WHERE removed_at IS NULL ORDER BY person`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
