// Package sqlrow is what the SQLite and PostgreSQL stores share about their
// rows. Both engines keep the same tables with the same columns in the same
// types (times as Unix nanoseconds, NULL for "never"; lists as JSON text),
// so reading a row into a domain type, and a domain type into a row's
// values, is written once here; each engine keeps only its SQL and its
// transactions.
package sqlrow

import (
	"database/sql"
	"errors"
	"time"

	"github.com/sesame-credit/sesame"
)

// Row is one result row: a *sql.Row or *sql.Rows, a pgx.Row or pgx.Rows.
type Row interface{ Scan(dest ...any) error }

// Rows is a result set of either driver.
type Rows interface {
	Row
	Next() bool
	Err() error
}

// Collect reads every row of rows with scan and closes rows.
func Collect[T any](rows Rows, scan func(Row) (T, error)) ([]T, error) {
	defer closeRows(rows)
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Each hands every row of rows to fn and closes rows.
func Each(rows Rows, fn func(Row) error) error {
	defer closeRows(rows)
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// closeRows closes a result set of either driver: database/sql's Close
// returns an error (also found by Err), pgx's returns nothing.
func closeRows(rows Rows) {
	switch r := rows.(type) {
	case interface{ Close() error }:
		r.Close()
	case interface{ Close() }:
		r.Close()
	}
}

// NotFound turns "no rows" (of either driver: pgx's wraps sql.ErrNoRows)
// into ENOTFOUND with the message given, and passes other errors through.
func NotFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return sesame.Errorf(sesame.ENOTFOUND, format, args...)
	}
	return err
}

// NS is a time column's value.
func NS(t time.Time) int64 { return t.UnixNano() }

// NullNS is a nullable time column's value: NULL for the zero time.
func NullNS(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	n := t.UnixNano()
	return &n
}

// FromNS reads a time column.
func FromNS(n int64) time.Time { return time.Unix(0, n).UTC() }

// FromNullNS reads a nullable time column: the zero time for NULL.
func FromNullNS(n *int64) time.Time {
	if n == nil {
		return time.Time{}
	}
	return time.Unix(0, *n).UTC()
}

// NonNil is s, or an empty list for nil, so that it is stored as [] rather
// than null.
func NonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// String reads a row of one text column.
func String(row Row) (string, error) {
	var s string
	err := row.Scan(&s)
	return s, err
}
