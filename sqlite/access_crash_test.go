package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/sqlite"
)

// accessCrashEnvDB tells a re-run of this test binary to append access
// entries to that database until it is killed.
const accessCrashEnvDB = "SESAME_ACCESS_CRASH_CHILD_DB"

// accessCrashChild appends access entries from 8 goroutines (so that they
// share journal writes), printing "ack SEQ HASH" once each is durable.
func accessCrashChild(path string) error {
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		return err
	}
	log := db.AccessLog()
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := 0; ; i++ {
				e := &sesame.AccessEntry{At: time.Now(), Person: fmt.Sprintf("p%d", (g*7+i)%50), Actor: "partner:crash",
					Action: "score.read", Scope: sesame.ScopeScore, Outcome: sesame.AccessAllowed, Reason: "score"}
				if err := log.AppendAccess(context.Background(), e); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				fmt.Fprintf(out, "ack %d %s\n", e.Seq, e.Hash)
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	return <-errs
}

// TestAccessLogCrashDurability kills a child appending access entries with
// SIGKILL at random moments, 20 times, while it also indexes them in the
// background. After every kill the log must hold every acknowledged entry,
// exactly once and as acknowledged, in one intact chain: a read that was
// answered is never missing from the person's view of who looked.
func TestAccessLogCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "access.db")
	acked := map[int64]string{}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 5))
	const kills = 20
	for k := range kills {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), accessCrashEnvDB+"="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		got := make(chan [2]string, 4096)
		go func() {
			defer close(got)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "ack" {
					got <- [2]string{f[1], f[2]}
				}
			}
		}()
		time.Sleep(time.Duration(50+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		n := 0
		for a := range got {
			seq, _ := strconv.ParseInt(a[0], 10, 64)
			if h, dup := acked[seq]; dup && h != a[1] {
				t.Fatalf("kill %d: seq %d acknowledged twice, as %s and %s", k, seq, h, a[1])
			}
			acked[seq] = a[1]
			n++
		}
		cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("child %d ended by itself: %s", k, stderr.String())
		}
		checkAccessLog(t, path, acked)
		t.Logf("kill %d: %d more acknowledged, %d in all", k, n, len(acked))
	}
	if len(acked) == 0 {
		t.Fatal("no entry was ever acknowledged; the child may be failing to start")
	}
}

func checkAccessLog(t *testing.T, path string, acked map[int64]string) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := map[int64]string{}
	err = db.AccessLog().ScanAccess(context.Background(), func(e *sesame.AccessEntry) error {
		if _, dup := stored[e.Seq]; dup {
			return fmt.Errorf("seq %d stored twice", e.Seq)
		}
		stored[e.Seq] = e.Hash
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for seq, h := range acked {
		if stored[seq] != h {
			t.Fatalf("acknowledged entry %d (%s) stored as %q", seq, h, stored[seq])
		}
	}
	r, err := audit.Verify(context.Background(), db.AccessLog(), "")
	if err != nil || !r.OK {
		t.Fatalf("chain after a crash: %+v, %v", r, err)
	}
}
