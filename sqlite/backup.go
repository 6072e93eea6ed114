package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// BackupFiles are the copies Backup writes into dir of the database at
// path: the main file's, then the access log's.
func BackupFiles(path, dir string) []string {
	main := filepath.Join(dir, filepath.Base(path))
	return []string{main, AccessPath(main)}
}

// Backup writes a consistent copy of the database into dir while it is in
// use: the main file, then the access log's file, each with VACUUM INTO in a
// read transaction of its own (writers go on meanwhile), then syncs them.
// The order matters because the two files commit apart: an erasure commits
// the log first, so a log copied after the main file is at least as new —
// the state a crash between an erasure's two commits leaves, which erasing
// again finishes; the other order could keep data erased from the main file
// while its log still names it. Existing files are never overwritten.
func (db *DB) Backup(ctx context.Context, dir string) ([]string, error) {
	out := BackupFiles(db.path, dir)
	for _, f := range out {
		if _, err := os.Stat(f); !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("sqlite: backup: %s exists (or cannot be checked: %v); back up into an empty folder", f, err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: backup: %w", err)
	}
	for i, src := range []string{db.path, AccessPath(db.path)} {
		if err := vacuumInto(ctx, src, out[i]); err != nil {
			os.Remove(out[0])
			os.Remove(out[1])
			return nil, fmt.Errorf("sqlite: backup of %s: %w", src, err)
		}
	}
	// VACUUM INTO does not sync what it writes.
	for _, f := range append(out, dir) {
		if err := syncPath(f); err != nil {
			return nil, fmt.Errorf("sqlite: backup: %w", err)
		}
	}
	return out, nil
}

// vacuumInto copies the database at src into the new file dst on a
// connection of its own: the read pool's refuse to write even another file,
// and the writer's one connection would hold every write up meanwhile.
func vacuumInto(ctx context.Context, src, dst string) error {
	conn, err := sql.Open(driverName, dsn(src, commonDSN()))
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, `VACUUM INTO ?`, dst)
	return err
}

func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}
