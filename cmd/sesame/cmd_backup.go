package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/sqlite"
)

// `sesame backup`: a consistent copy of a live embedded database — both of
// its files, the ledger's and the access log's — checked before it is
// called done.

func init() {
	register(&command{name: "backup", summary: "copy a live SQLite database (its data and its access log) into a folder, consistently, and verify the copy", run: runBackup})
}

func runBackup(ctx context.Context, args []string) error {
	fs := newFlags("backup", "[--db PATH] --out DIR")
	dsn := dbFlag(fs)
	out := fs.String("out", "", "an empty or new `DIR` to write the copy into")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return flagError(fs, fmt.Sprintf("unexpected argument %q (backup takes flags only)", fs.Arg(0)))
	}
	if *out == "" {
		return flagError(fs, "--out: give the folder to write the backup into")
	}
	if isPostgresURL(*dsn) {
		return usageError(fs, "on PostgreSQL back up with the server's own tools: continuous WAL archiving and pg_basebackup (docs/deploy.md, \"Backup and point-in-time recovery\")")
	}
	st, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	stop := showBackupProgress(*dsn, *out)
	files, err := st.SQLite.Backup(ctx, *out)
	stop()
	if err != nil {
		return err
	}
	// The copy is opened as a restore would open it, and its access log
	// verified: a backup that does not verify is not one.
	r, err := verifyCopy(ctx, files[0])
	if err != nil {
		return fmt.Errorf("the backup: %w", err)
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			fmt.Printf("%s  %s bytes\n", f, groupThousands(fi.Size()))
		}
	}
	fmt.Printf("access log: %d entries, head %s, verified\n", r.Entries, r.Head)
	fmt.Println("not copied, back them up apart: the access-log key and the credential KEK (by default PATH.access-key and PATH.credential-kek beside the database)")
	fmt.Printf("restore: stop the server, move the database's files aside, then sesame restore --from %s --db %s\n", *out, *dsn)
	return nil
}

// showBackupProgress shows, until stop, how far the copies in dir have
// grown against the sizes of the files they copy (a copy leaves out free
// pages, so it may end short of 100%).
func showBackupProgress(path, dir string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		var bar *countProgress
		var current string
		for {
			select {
			case <-done:
				if bar != nil {
					bar.finish()
				}
				return
			case <-t.C:
			}
			// The copy being written is the last one there.
			copies, srcs := sqlite.BackupFiles(path, dir), []string{path, sqlite.AccessPath(path)}
			for i := len(copies) - 1; i >= 0; i-- {
				to, err := os.Stat(copies[i])
				if err != nil {
					continue
				}
				if copies[i] != current {
					if bar != nil {
						bar.finish()
					}
					var total int64
					if from, err := os.Stat(srcs[i]); err == nil {
						total = from.Size() >> 20
					}
					bar, current = newCountProgress("backup "+filepath.Base(copies[i]), "MB", total), copies[i]
				}
				bar.set(int(to.Size() >> 20))
				break
			}
		}
	}()
	return func() { close(done); <-finished }
}

// verifyCopy opens a copied database as a server would and verifies its
// access log: a copy whose log does not verify is no backup.
func verifyCopy(ctx context.Context, path string) (audit.Report, error) {
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return audit.Report{}, fmt.Errorf("it does not open: %w", err)
	}
	defer db.Close()
	r, err := audit.Verify(ctx, db.AccessLog(), audit.Options{})
	if err == nil && !r.OK {
		err = fmt.Errorf("its access log does not verify: %d problems (run sesame audit verify --db %s)", len(r.Problems), path)
	}
	return r, err
}
