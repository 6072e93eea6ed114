package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// DecisionStore keeps decisions and every policy version used (sesame.DecisionStore).
type DecisionStore struct{ db *DB }

// Decisions returns the decision store of this database.
func (db *DB) Decisions() *DecisionStore { return &DecisionStore{db: db} }

var _ sesame.DecisionStore = (*DecisionStore)(nil)

func (s *DecisionStore) SavePolicy(ctx context.Context, p *sesame.Product) error {
	_, err := s.db.exec(ctx, `INSERT INTO policy_versions (version, product, name, purpose, description, source, created_at)
		VALUES (?,?,?,?,?,?,?) ON CONFLICT (version) DO NOTHING`,
		p.PolicyVersion, p.ID, p.Name, string(p.Purpose), p.Description, p.Policy, time.Now().UnixNano())
	return err
}

func (s *DecisionStore) PolicyVersion(ctx context.Context, version string) (*sesame.Product, error) {
	p, err := sqlrow.ScanProduct(s.db.reader.QueryRowContext(ctx, `SELECT `+sqlrow.ProductColumns+` FROM policy_versions WHERE version = ?`, version))
	return p, sqlrow.NotFound(err, "no policy version %q", version)
}

func (s *DecisionStore) ActivateProduct(ctx context.Context, id, version string) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		var product string
		err := tx.QueryRowContext(ctx, `SELECT product FROM policy_versions WHERE version = ?`, version).Scan(&product)
		if errors.Is(err, sql.ErrNoRows) || product != id {
			return sesame.Errorf(sesame.ENOTFOUND, "no policy version %q of product %q", version, id)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO products (id, version) VALUES (?,?) ON CONFLICT (id) DO UPDATE SET version = excluded.version`, id, version)
		return err
	})
}

func (s *DecisionStore) ActiveProducts(ctx context.Context) ([]*sesame.Product, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT v.version, v.product, v.name, v.purpose, v.description, v.source
		FROM products p JOIN policy_versions v ON v.version = p.version ORDER BY p.id`)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanProduct)
}

// SaveDecision stores d; the policy version it names must have been saved
// (DecisionService saves it in the same call path, idempotently).
func (s *DecisionStore) SaveDecision(ctx context.Context, d *sesame.Decision) error {
	v, err := sqlrow.DecisionValues(d)
	if err != nil {
		return err
	}
	return batcherOf(s.db).do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO decisions (`+sqlrow.DecisionColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?)`, v...)
		return err
	})
}

func (s *DecisionStore) Decision(ctx context.Context, id string) (*sesame.Decision, error) {
	d, err := sqlrow.ScanDecision(s.db.reader.QueryRowContext(ctx, `SELECT `+sqlrow.DecisionColumns+` FROM decisions WHERE id = ?`, id))
	if err != nil {
		return nil, sqlrow.NotFound(err, "no decision %q", id)
	}
	return d, nil
}

func (s *DecisionStore) DecisionsAbout(ctx context.Context, person string, limit int) ([]*sesame.Decision, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return s.DecisionsAboutAfter(ctx, person, sesame.Position{}, limit)
}

// DecisionsAboutAfter reads a page by its position, not an offset: the
// created_at range lets the (person, created_at) index start the scan
// there, however many decisions come before it.
func (s *DecisionStore) DecisionsAboutAfter(ctx context.Context, person string, after sesame.Position, limit int) ([]*sesame.Decision, error) {
	if limit <= 0 {
		limit = 1000
	}
	q, args := `SELECT id FROM decisions WHERE person = ?`, []any{person}
	if !after.IsZero() {
		at := after.At.UnixNano()
		q += ` AND created_at <= ? AND (created_at < ? OR id > ?)`
		args = append(args, at, at, after.ID)
	}
	rows, err := s.db.reader.QueryContext(ctx, q+` ORDER BY created_at DESC, id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	ids, err := sqlrow.Collect(rows, sqlrow.String)
	if err != nil {
		return nil, err
	}
	out := make([]*sesame.Decision, 0, len(ids))
	for _, id := range ids {
		d, err := s.Decision(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// ScoredPeople calls fn with every person's latest score, in person order:
// the population a policy backtest runs over.
func (s *DecisionStore) ScoredPeople(ctx context.Context, fn func(sc *sesame.Score) error) error {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT person FROM score_latest ORDER BY person`)
	if err != nil {
		return err
	}
	people, err := sqlrow.Collect(rows, sqlrow.String)
	if err != nil {
		return err
	}
	scores := s.db.Scores()
	for _, p := range people {
		sc, err := scores.LatestScore(ctx, p)
		if err != nil {
			return err
		}
		if err := fn(sc); err != nil {
			return err
		}
	}
	return nil
}
