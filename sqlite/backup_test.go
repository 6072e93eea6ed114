package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
)

// TestBackupWhileAppending: a backup taken while reads are being logged
// opens as a database whose access log verifies and is a prefix of the
// live one, holding at least every entry acknowledged before it began;
// a second backup into the same folder is refused.
func TestBackupWhileAppending(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	appendOne := func(i int) error {
		return db.AccessLog().AppendAccess(ctx, &sesame.AccessEntry{At: time.Now(), Person: fmt.Sprintf("p%d", i%7),
			Actor: "operator:op", Action: "operator.read", Outcome: sesame.AccessAllowed})
	}
	for i := range 50 {
		if err := appendOne(i); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var during atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 50; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := appendOne(i); err != nil {
				t.Error(err)
				return
			}
			during.Add(1)
		}
	}()
	dir := filepath.Join(t.TempDir(), "backup")
	files, err := db.Backup(ctx, dir)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if want := BackupFiles(db.Path(), dir); !slices.Equal(files, want) || files[1] != AccessPath(files[0]) {
		t.Fatalf("files %v, want %v", files, want)
	}

	copied, err := Open(ctx, files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	r, err := audit.Verify(ctx, copied.AccessLog(), audit.Options{})
	if err != nil || !r.OK || r.Entries < 50 {
		t.Fatalf("the backup's access log: %+v %v", r, err)
	}
	live := map[int64]string{}
	if err := db.AccessLog().ScanAccess(ctx, func(e *sesame.AccessEntry) error { live[e.Seq] = e.Hash; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := copied.AccessLog().ScanAccess(ctx, func(e *sesame.AccessEntry) error {
		if live[e.Seq] != e.Hash {
			return fmt.Errorf("entry %d differs from the live log's", e.Seq)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var tables, liveTables int
	copied.Reader().QueryRow(`SELECT count(*) FROM sqlite_master`).Scan(&tables)
	db.Reader().QueryRow(`SELECT count(*) FROM sqlite_master`).Scan(&liveTables)
	if tables == 0 || tables != liveTables {
		t.Fatalf("the backup's main file has %d schema objects, the live one %d", tables, liveTables)
	}
	t.Logf("backup holds %d entries; %d appended while it ran", r.Entries, during.Load())

	if _, err := db.Backup(ctx, dir); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("a second backup into the same folder: %v", err)
	}
}
