package sqlrow

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// Querier runs statements on either engine. Queries are written with ?
// placeholders; PostgreSQL's Querier numbers them ($1, $2, …). Exec
// returns the rows a statement changed.
type Querier interface {
	Query(ctx context.Context, q string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) Row
	Exec(ctx context.Context, q string, args ...any) (int64, error)
}

// SQL is a Querier on database/sql (SQLite): reads go to DB, each write
// through Write, the engine's one-statement write transaction.
type SQL struct {
	DB    *sql.DB
	Write func(ctx context.Context, q string, args ...any) (int64, error)
}

func (s SQL) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return s.Write(ctx, q, args...)
}

func (s SQL) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (s SQL) QueryRow(ctx context.Context, q string, args ...any) Row {
	return s.DB.QueryRowContext(ctx, q, args...)
}

// Dollars numbers q's ? placeholders as $1, $2, … for PostgreSQL. The
// queries written for both engines hold no ? but placeholders.
func Dollars(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Tx is a Querier in a write transaction.
type Tx = Querier

// SQLTx is a Tx on a database/sql transaction (SQLite).
type SQLTx struct{ Tx *sql.Tx }

func (t SQLTx) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	rows, err := t.Tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (t SQLTx) QueryRow(ctx context.Context, q string, args ...any) Row {
	return t.Tx.QueryRowContext(ctx, q, args...)
}

func (t SQLTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := t.Tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
