package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sesame-credit/sesame/sqlite"
)

// `sesame restore`: put a backup made by `sesame backup` in place of a
// lost or damaged embedded database.

func init() {
	register(&command{name: "restore", summary: "put a backup made by sesame backup in place of a SQLite database that is gone, and verify it", run: runRestore})
}

func runRestore(ctx context.Context, args []string) error {
	flags := newFlags("restore", "--from DIR [--db PATH]")
	dsn := dbFlag(flags)
	from := flags.String("from", "", "the `DIR` sesame backup wrote")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return flagError(flags, fmt.Sprintf("unexpected argument %q (restore takes flags only)", flags.Arg(0)))
	}
	if *from == "" {
		return flagError(flags, "--from: give the folder sesame backup wrote")
	}
	if isPostgresURL(*dsn) {
		return usageError(flags, "on PostgreSQL restore with the server's own tools: a base backup and the archived WAL (docs/deploy.md, \"Backup and point-in-time recovery\")")
	}
	// The backup is FILE and its access log's file, AccessPath(FILE).
	logSuffix := sqlite.AccessPath("")
	copies, err := filepath.Glob(filepath.Join(*from, "*"+logSuffix))
	if err != nil || len(copies) != 1 {
		return fmt.Errorf("%s holds no backup of sesame backup (one FILE and FILE%s)", *from, logSuffix)
	}
	src := sqlite.BackupFiles(strings.TrimSuffix(copies[0], logSuffix), *from)
	dst := []string{*dsn, sqlite.AccessPath(*dsn)}
	// Only into an empty place: a database still there may be in use, and
	// a stale WAL left beside a restored file would be replayed into it.
	for _, f := range dst {
		if _, err := os.Stat(f); err == nil {
			return fmt.Errorf("%s exists: stop the server and move the database's files aside (%s and %s, each with its -wal and -shm) before restoring", f, dst[0], dst[1])
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	for _, f := range sqlite.Files(*dsn) {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	for i := range src {
		if err := copyFileSynced(src[i], dst[i]); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	r, err := verifyCopy(ctx, *dsn)
	if err != nil {
		return fmt.Errorf("the restored database: %w", err)
	}
	fmt.Printf("restored %s from %s; access log: %d entries, head %s, verified\n", *dsn, *from, r.Entries, r.Head)
	fmt.Println("check it against the heads published before the backup: sesame audit verify --heads FILE")
	return nil
}

// copyFileSynced copies src to the new file dst and syncs it and its folder.
func copyFileSynced(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	var total int64
	if fi, err := in.Stat(); err == nil {
		total = fi.Size() >> 20
	}
	bar := newCountProgress("restore "+filepath.Base(dst), "MB", total)
	_, err = io.Copy(out, &progressReader{r: in, bar: bar})
	bar.finish()
	if err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	if err := errors.Join(out.Sync(), out.Close()); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(dst))
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// progressReader reports the megabytes read through it.
type progressReader struct {
	r   io.Reader
	bar *countProgress
	n   int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	p.bar.set(int(p.n >> 20))
	return n, err
}
