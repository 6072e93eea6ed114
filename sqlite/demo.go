package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
)

// demoApplicationID is the SQLite header's application_id (offset 68) of a
// database that `sesame demo` created: "SDEM". Nothing else sets it, so a
// file carrying it was made by the demo and may be thrown away by it.
const demoApplicationID = 0x5344454d

// sqliteMagic opens every SQLite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// ErrNotDemo is returned by CheckDemo for a file that `sesame demo` did not
// create: the demo must neither serve nor delete it.
var ErrNotDemo = errors.New("not a database that sesame demo created")

// CreateDemo creates a new, empty database at path marked as a demo. It
// fails if anything exists at path: the demo never takes over a file.
// The mark is written before the database turns to WAL mode, so it is in
// the main file from the first moment.
func CreateDemo(ctx context.Context, path string) error {
	// A journal or an access log beside a missing main file belongs to some
	// other database (moved, or deleted by hand); opening path would adopt it.
	for _, f := range Files(path)[1:] {
		if _, err := os.Lstat(f); err == nil {
			return fmt.Errorf("sqlite: create demo database: %s exists; the demo never takes over a file it did not create", f)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: create demo database: %w", err)
	}
	f.Close()
	db, err := sql.Open(driverName, dsn(path, url.Values{"_journal_mode": {"DELETE"}, "_synchronous": {"FULL"}}))
	if err != nil {
		return fmt.Errorf("sqlite: create demo database %s: %w", path, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", demoApplicationID)); err != nil {
		return fmt.Errorf("sqlite: mark %s as a demo: %w", path, err)
	}
	return db.Close()
}

// CheckDemo returns nil when path is a database CreateDemo made, and an
// error wrapping ErrNotDemo when it holds anything else. It reads the
// file's first 100 bytes (the SQLite header) and nothing more: the file is
// not opened as a database, so not a byte of it, nor a -wal or -shm file
// beside it, is written.
func CheckDemo(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var h [100]byte
	if _, err := io.ReadFull(f, h[:]); err != nil || !bytes.Equal(h[:16], sqliteMagic) {
		return fmt.Errorf("%s: %w (it is not a SQLite database)", path, ErrNotDemo)
	}
	if binary.BigEndian.Uint32(h[68:72]) != demoApplicationID {
		return fmt.Errorf("%s: %w (it is a SQLite database without the demo's mark)", path, ErrNotDemo)
	}
	return nil
}
