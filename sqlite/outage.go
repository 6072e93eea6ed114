package sqlite

import (
	"errors"

	"github.com/mattn/go-sqlite3"
)

// Unavailable reports whether err means the database cannot answer for now
// rather than that the request or the code is wrong: the file is locked
// past the busy timeout, or the disk failed, filled up or went read-only.
// The HTTP layer answers those 503 with Retry-After instead of 500, since
// the same request succeeds once the database is back.
func Unavailable(err error) bool {
	var e sqlite3.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrIoErr, sqlite3.ErrCantOpen, sqlite3.ErrFull,
		sqlite3.ErrReadonly, sqlite3.ErrNomem, sqlite3.ErrProtocol:
		return true
	}
	return false
}
