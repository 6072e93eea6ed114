package sqlrow

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// Querier runs reads on either engine. Queries are written with ?
// placeholders; PostgreSQL's Querier numbers them ($1, $2, …).
type Querier interface {
	Query(ctx context.Context, q string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) Row
}

// SQL is a Querier on database/sql (SQLite).
type SQL struct{ DB *sql.DB }

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

// Tx is a write transaction on either engine, with the placeholders of
// Querier. Exec returns the rows a statement changed.
type Tx interface {
	Querier
	Exec(ctx context.Context, q string, args ...any) (int64, error)
}

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
