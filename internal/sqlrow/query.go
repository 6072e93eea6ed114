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
