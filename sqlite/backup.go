package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Backup writes a consistent copy of the database to dir, while it is in
// use: the main file, then the access log's file, each with VACUUM INTO (a
// read transaction of its own: writers go on meanwhile). The order matters
// because the two files commit apart: an erasure commits the log first, so
// a log copied after the main file is at least as new, the state a crash
// between an erasure's two commits leaves and erasing again finishes; the
// other order could hold data erased from the main file while its log still
// names it. Existing files in dir are never overwritten. progress, if not
// nil, is called every second or so with the file being written and the
// bytes written so far of about total. Backup returns the files written.
func (db *DB) Backup(ctx context.Context, dir string, progress func(file string, written, total int64)) ([]string, error) {
	main := filepath.Join(dir, filepath.Base(db.path))
	out := []string{main, AccessPath(main)}
	for _, f := range out {
		if _, err := os.Stat(f); err == nil {
			return nil, fmt.Errorf("sqlite: backup: %s exists; back up into an empty folder", f)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("sqlite: backup: %w", err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: backup: %w", err)
	}
	for i, src := range []string{db.path, AccessPath(db.path)} {
		if err := vacuumInto(ctx, src, out[i], progress); err != nil {
			os.Remove(out[i])
			return out[:i], fmt.Errorf("sqlite: backup of %s: %w", src, err)
		}
	}
	// VACUUM INTO does not sync what it writes.
	for _, f := range append(out, dir) {
		if err := syncPath(f); err != nil {
			return out, fmt.Errorf("sqlite: backup: %w", err)
		}
	}
	return out, nil
}

func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// vacuumInto copies the database at src into the new file dst on a
// connection of its own: the read pool's refuse to write even another file,
// and the writer's one connection would hold every write up meanwhile.
func vacuumInto(ctx context.Context, src, dst string, progress func(file string, written, total int64)) error {
	conn, err := sql.Open(driverName, dsn(src, commonDSN()))
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	var pages, free, size int64
	if err := conn.QueryRowContext(ctx, `SELECT (SELECT page_count FROM pragma_page_count), (SELECT freelist_count FROM pragma_freelist_count), (SELECT page_size FROM pragma_page_size)`).Scan(&pages, &free, &size); err != nil {
		return err
	}
	total := (pages - free) * size
	done := make(chan struct{})
	defer close(done)
	if progress != nil {
		go func() {
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					if fi, err := os.Stat(dst); err == nil {
						progress(dst, fi.Size(), total)
					}
				}
			}
		}()
	}
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return err
	}
	if progress != nil {
		if fi, err := os.Stat(dst); err == nil {
			progress(dst, fi.Size(), fi.Size())
		}
	}
	return nil
}
