package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
)

const accessCrashEnv = "SESAME_ACCESS_CRASH_DB"

// TestAccessLogCrashChild is the child of TestAccessLogCrash: concurrent
// appends, forever, printing each entry once AppendAccess has returned.
func TestAccessLogCrashChild(t *testing.T) {
	path := os.Getenv(accessCrashEnv)
	if path == "" {
		t.Skip("run by TestAccessLogCrash")
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	log := db.AccessLog()
	var mu sync.Mutex
	for g := range 16 {
		go func() {
			for i := 0; ; i++ {
				e := &sesame.AccessEntry{At: time.Now(), Person: fmt.Sprintf("p%d", g), Actor: "operator:op", Action: "operator.read",
					Scope: sesame.ScopeFull, Outcome: sesame.AccessAllowed, Reason: fmt.Sprint(i)}
				if err := log.AppendAccess(context.Background(), e); err != nil {
					fmt.Fprintln(os.Stderr, "append:", err)
					os.Exit(1)
				}
				mu.Lock()
				os.Stdout.WriteString(fmt.Sprintf("ACK %d %s\n", e.Seq, e.Hash))
				mu.Unlock()
			}
		}()
	}
	select {}
}

// TestAccessLogCrash kills a process appending access entries at random
// moments, 12 times: every entry whose append returned is in the log
// afterwards, as written, and the log — chain, person links and tree —
// verifies, so that only what was never acknowledged is missing.
func TestAccessLogCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	acked := map[int64]string{}
	for round := range 12 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAccessLogCrashChild$")
		cmd.Env = append(os.Environ(), accessCrashEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Killed at a random moment once it has acknowledged something
		// (start-up takes a while on a busy machine), or after 10 s.
		kill := time.AfterFunc(10*time.Second, func() { cmd.Process.Signal(syscall.SIGKILL) })
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			var seq int64
			var hash string
			if _, err := fmt.Sscanf(sc.Text(), "ACK %d %s", &seq, &hash); err == nil {
				acked[seq] = hash
				if n++; n == 1 {
					kill.Reset(time.Duration(20+rand.IntN(400)) * time.Millisecond)
				}
			}
		}
		kill.Stop()
		cmd.Wait()
		if n == 0 {
			t.Fatalf("round %d: the child acknowledged nothing", round)
		}
		db, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		stored := map[int64]string{}
		if err := db.AccessLog().ScanAccess(context.Background(), func(e *sesame.AccessEntry) error { stored[e.Seq] = e.Hash; return nil }); err != nil {
			t.Fatalf("round %d: reading the log after the crash: %v", round, err)
		}
		r, err := audit.Verify(context.Background(), db.AccessLog(), audit.Options{})
		db.Close()
		if err != nil || !r.OK {
			t.Fatalf("round %d: chain after the crash: %+v %v", round, r, err)
		}
		var lost []string
		for seq, h := range acked {
			if stored[seq] != h {
				lost = append(lost, fmt.Sprint(seq))
			}
		}
		if len(lost) > 0 {
			t.Fatalf("round %d: %d acknowledged entries lost or changed: %s", round, len(lost), strings.Join(lost[:min(10, len(lost))], " "))
		}
		t.Logf("round %d: %d entries acknowledged, %d stored", round, n, len(stored))
	}
	// After the crashes: editing one acknowledged entry, or deleting a
	// person's rows, is caught.
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"DELETE FROM access_log WHERE person = 'p3'", "UPDATE access_log SET actor = 'operator:nobody' WHERE seq = 7"} {
		if _, err := db.AccessWriter().Exec(q); err != nil {
			t.Fatal(err)
		}
		r, err := audit.Verify(context.Background(), db.AccessLog(), audit.Options{})
		if err != nil || r.OK {
			t.Fatalf("after %s: %+v %v, want it caught", q, r, err)
		}
		last := r.Problems[len(r.Problems)-1]
		t.Logf("after %s: %d problems, the last %s at entry %d: %s", q, len(r.Problems), last.Kind, last.Seq, last.Detail)
	}
}
